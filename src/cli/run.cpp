// `tepui run --master HOST:PORT -- CMD ARGS...`: runs one command as a task
// (like mesos-execute). A framework of its own subscribes, takes the first
// offer big enough, launches the task, prints each state change on stderr
// and the task's stdout and stderr as they are written, then tears the
// framework down and exits with the command's exit code. With
// --master=zk://..., a lost leader is not the end: the command finds the
// new one, resubscribes with its framework id and asks for its task's
// state (within --master_failover_timeout).
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <regex>
#include <thread>

#include "cli/commands.hpp"
#include "cli/leading_master.hpp"
#include "cli/parse_flags.hpp"
#include "common/clock.hpp"
#include "common/flags.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/resources.hpp"
#include "common/task_states.hpp"
#include "scheduler/scheduler_client.hpp"

namespace tepui::cli {

namespace {

using Event = v1::scheduler::Event;

// Follows one sandbox file on the agent through /files/read.
struct Tail {
  std::string path;
  std::ostream* out;
  int64_t offset = 0;
  bool busy = false;
  bool lastWasEmpty = false;
};

class Runner {
 public:
  Runner(boost::asio::io_context& io, std::string masterSpec, http::Endpoint master, v1::FrameworkInfo info,
         v1::TaskInfo task, Resources need, double offerTimeout, double failoverTimeout)
      : io_(io),
        client_(io),
        masterSpec_(std::move(masterSpec)),
        failoverTimeout_(failoverTimeout),
        master_(master),
        task_(std::move(task)),
        need_(std::move(need)),
        timer_(io),
        pollTimer_(io),
        offerTimeout_(offerTimeout),
        scheduler_(io, master, std::move(info),
                   {[this](const Event& e) { onEvent(e); }, [this](const std::string& why) { onDisconnected(why); }}) {}

  void start() {
    scheduler_.subscribe();
    timer_.expires_after(clock::seconds(offerTimeout_));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || launched_) return;
      fail("no offer with " + need_.toString() + " arrived within " + std::to_string(int(offerTimeout_)) + "s");
    });
  }

  ~Runner() {
    stopping_ = true;
    if (finder_.joinable()) finder_.join();
  }

  int exitCode() const { return exitCode_; }

 private:
  void onEvent(const Event& e) {
    switch (e.type()) {
      case Event::SUBSCRIBED:
        if (everSubscribed_) {
          std::cerr << "Resubscribed with the leading master " << master_.str() << std::endl;
          lostSince_.reset();
          // An update may have been lost with the old leader: ask.
          if (launched_) scheduler_.reconcile({{task_.task_id(), task_.agent_id()}});
          break;
        }
        everSubscribed_ = true;
        std::cerr << "Subscribed as framework " << e.subscribed().framework_id().value() << std::endl;
        break;
      case Event::OFFERS: onOffers(e.offers()); break;
      case Event::UPDATE: onUpdate(e.update().status()); break;
      case Event::ERROR: fail("the master refused the framework: " + e.error().message()); break;
      default: break;
    }
  }

  void onOffers(const Event::Offers& offers) {
    std::vector<v1::OfferID> decline;
    for (auto& offer : offers.offers()) {
      Resources offered(offer.resources());
      if (launched_ || !offered.contains(need_.allocate(offer.allocation_info().role()))) {
        decline.push_back(offer.id());
        continue;
      }
      launched_ = true;
      task_.mutable_agent_id()->CopyFrom(offer.agent_id());
      for (auto& r : *task_.mutable_resources()) r.mutable_allocation_info()->set_role(offer.allocation_info().role());
      if (offer.has_url()) {
        agent_ = http::Endpoint{offer.url().address().ip(), static_cast<uint16_t>(offer.url().address().port())};
      }
      v1::Offer::Operation op;
      op.set_type(v1::Offer::Operation::LAUNCH);
      *op.mutable_launch()->add_task_infos() = task_;
      scheduler_.accept({offer.id()}, {op});
      std::cerr << "Launching task " << task_.task_id().value() << " on agent " << offer.agent_id().value() << " ("
                << offer.hostname() << ")" << std::endl;
    }
    if (!decline.empty()) scheduler_.decline(decline, 3600);
  }

  void onUpdate(const v1::TaskStatus& status) {
    scheduler_.acknowledge(status);
    if (status.task_id().value() != task_.task_id().value()) return;
    if (status.state() != lastState_ || !status.message().empty()) {
      std::cerr << v1::TaskState_Name(status.state());
      if (!status.message().empty()) std::cerr << ": " << status.message();
      std::cerr << std::endl;
    }
    lastState_ = status.state();
    if (status.state() == v1::TASK_RUNNING && !tailing_) startTailing();
    if (!isTerminalState(status.state())) return;
    exitCode_ = codeOf(status);
    finished_ = true;
    if (!tailing_) return finish();
    poll();  // drain what is left, then finish
  }

  static int codeOf(const v1::TaskStatus& status) {
    if (status.state() == v1::TASK_FINISHED) return 0;
    std::smatch m;
    const std::string& msg = status.message();
    if (std::regex_search(msg, m, std::regex("exited with status (\\d+)"))) return std::stoi(m[1]);
    if (std::regex_search(msg, m, std::regex("terminated by signal (\\d+)"))) return 128 + std::stoi(m[1]);
    return status.state() == v1::TASK_KILLED ? 137 : 1;
  }

  void startTailing() {
    if (!agent_) return;
    tailing_ = true;
    std::string base =
        "/frameworks/" + scheduler_.frameworkId() + "/executors/" + task_.task_id().value() + "/runs/latest/";
    tails_ = {Tail{base + "stdout", &std::cout}, Tail{base + "stderr", &std::cerr}};
    poll();
  }

  void poll() {
    for (auto& t : tails_) {
      if (t.busy) continue;
      t.busy = true;
      http::Request r;
      r.method = "GET";
      r.target =
          "/files/read?path=" + http::percentEncode(t.path) + "&offset=" + std::to_string(t.offset) + "&length=65536";
      client_.request(*agent_, std::move(r), [this, &t](Result<http::Response> response) {
        t.busy = false;
        t.lastWasEmpty = true;
        if (response && response->status == 200) {
          boost::system::error_code ec;
          auto v = boost::json::parse(response->body, ec);
          if (!ec && v.is_object() && v.as_object().contains("data")) {
            auto& data = v.as_object().at("data").as_string();
            if (!data.empty()) {
              t.out->write(data.data(), static_cast<std::streamsize>(data.size()));
              t.out->flush();
              t.offset += static_cast<int64_t>(data.size());
              t.lastWasEmpty = false;
            }
          }
        }
        afterRead();
      });
    }
  }

  void afterRead() {
    for (auto& t : tails_) {
      if (t.busy) return;
    }
    bool drained = std::all_of(tails_.begin(), tails_.end(), [](const Tail& t) { return t.lastWasEmpty; });
    if (finished_ && drained) return finish();
    pollTimer_.expires_after(std::chrono::milliseconds(finished_ ? 0 : 100));
    pollTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll();
    });
  }

  void finish() {
    scheduler_.teardown([this](Result<http::Response>) {
      scheduler_.close();
      io_.stop();
    });
  }

  void onDisconnected(const std::string& why) {
    if (finished_) return;
    if (!everSubscribed_ || masterSpec_.rfind("zk://", 0) != 0) {
      return fail((everSubscribed_ ? "lost the master at " : "cannot reach the master at ") + master_.str() + ": " +
                  why);
    }
    // Masters elected through ZooKeeper: find the (new) leader, on a thread
    // of its own (the lookup blocks), and resubscribe.
    double now = clock::monotonicSeconds();
    if (!lostSince_) {
      lostSince_ = now;
      std::cerr << "tepui run: lost the master at " << master_.str() << " (" << why << "); looking for the leader"
                << std::endl;
    }
    double left = *lostSince_ + failoverTimeout_ - now;
    if (left <= 0) {
      return fail("lost the master at " + master_.str() + " and no leader took over within " +
                  std::to_string(int(failoverTimeout_)) + "s: " + why);
    }
    if (finder_.joinable()) finder_.join();
    finder_ = std::thread([this, left] {
      // In steps of a second, so that the destructor need not wait long.
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(left * 1000));
      Result<http::Endpoint> leader = Error("no master leads");
      while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));  // not a busy loop while none leads
        leader = findLeadingMaster(masterSpec_, std::chrono::seconds(1));
        if (leader) break;
      }
      if (stopping_) return;
      boost::asio::post(io_, [this, leader] {
        if (finished_) return;
        if (!leader) return onDisconnected(leader.error().message);
        master_ = *leader;
        scheduler_.setMaster(*leader);
        scheduler_.subscribe();
      });
    });
  }

  void fail(const std::string& why) {
    std::cerr << "tepui run: " << why << std::endl;
    exitCode_ = 1;
    finished_ = true;
    if (scheduler_.subscribed()) return finish();
    io_.stop();
  }

  boost::asio::io_context& io_;
  http::Client client_;
  std::string masterSpec_;  // as given: host:port or zk://...
  double failoverTimeout_;  // how long to look for a new leader (zk:// only)
  std::optional<double> lostSince_;
  std::thread finder_;
  std::atomic<bool> stopping_{false};
  v1::TaskState lastState_ = v1::TASK_STAGING;
  http::Endpoint master_;
  v1::TaskInfo task_;
  Resources need_;
  boost::asio::steady_timer timer_, pollTimer_;
  double offerTimeout_;
  scheduler::SchedulerClient scheduler_;
  std::optional<http::Endpoint> agent_;
  std::vector<Tail> tails_;
  bool launched_ = false, tailing_ = false, finished_ = false, everSubscribed_ = false;
  int exitCode_ = 1;
};

std::string currentUser() {
  passwd* p = getpwuid(geteuid());
  return p ? p->pw_name : "root";
}

}  // namespace

int runMain(int argc, const char* const* argv) {
  logging::setLevel(logging::Level::WARNING);
  std::string master = "127.0.0.1:5050", name = "tepui-run", role = "*", user = currentUser();
  double cpus = 0.1, mem = 32, disk = 0, offerTimeout = 30, failoverTimeout = 60;
  FlagSet flags(
      "Usage: tepui run [--master HOST:PORT] [flags] -- CMD [ARGS...]\n\n"
      "Runs CMD as a task and exits with its exit code. One argument is run by the shell\n"
      "(tepui run -- 'echo $HOSTNAME'); several are run as they are, without a shell.");
  flags.add("master", &master, "The master: host:port of any master, or zk://host:port[,host:port]/path");
  flags.add("name", &name, "Name of the task (and of the framework that runs it)");
  flags.add("cpus", &cpus, "CPUs the task needs");
  flags.add("mem", &mem, "Memory the task needs, in MB");
  flags.add("disk", &disk, "Disk the task needs, in MB");
  flags.add("role", &role, "Role to run the task in");
  flags.add("user", &user, "User to run the task as");
  flags.add("offer_timeout", &offerTimeout, "Seconds to wait for a suitable offer");
  flags.add("master_failover_timeout", &failoverTimeout,
            "With --master=zk://...: seconds to look for a new leader after losing the master");
  std::vector<std::string> command;
  if (int rc = parseFlags(flags, argc, argv, "run", &command); rc >= 0) return rc;
  if (command.empty()) {
    std::cerr << "tepui run: no command given (usage: tepui run --master HOST:PORT -- CMD [ARGS...])\n";
    return 2;
  }
  if (master.rfind("zk://", 0) != 0 && !http::parseEndpoint(master)) {
    std::cerr << "tepui run: invalid --master '" << master << "': expected host:port or zk://host:port/path\n";
    return 2;
  }
  auto endpoint = findLeadingMaster(master);
  if (!endpoint) {
    std::cerr << "tepui run: " << endpoint.error().message << "\n";
    return 1;
  }
  if (!(cpus > 0) || mem < 0 || disk < 0) {
    std::cerr << "tepui run: --cpus must be positive and --mem, --disk not negative\n";
    return 2;
  }

  v1::FrameworkInfo info;
  info.set_user(user);
  info.set_name(name);
  if (role != "*") {
    info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
    info.add_roles(role);
  }
  std::string text = "cpus:" + std::to_string(cpus) + ";mem:" + std::to_string(mem);
  if (disk > 0) text += ";disk:" + std::to_string(disk);
  auto need = Resources::parse(text);
  if (!need) {
    std::cerr << "tepui run: " << need.error().message << "\n";
    return 2;
  }
  v1::TaskInfo task;
  task.set_name(name);
  task.mutable_task_id()->set_value(name + "-" + ids::uuidString().substr(0, 8));
  task.mutable_agent_id()->set_value("");
  need->copyTo(task.mutable_resources());
  auto* commandInfo = task.mutable_command();
  if (command.size() == 1) {
    commandInfo->set_value(command.front());
  } else {
    commandInfo->set_shell(false);
    commandInfo->set_value(command.front());
    for (auto& a : command) commandInfo->add_arguments(a);
  }

  boost::asio::io_context io;
  Runner runner(io, master, *endpoint, info, task, *need, offerTimeout, failoverTimeout);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) io.stop();
  });
  runner.start();
  io.run();
  return runner.exitCode();
}

}  // namespace tepui::cli
