// bench_launch_bench: end-to-end task launch throughput and latency of a
// master speaking the v1 scheduler API (Tepui's, or Mesos's), measured from
// the framework's side through SchedulerClient. See bench/README.md,
// "Task launch throughput".
//
//   bench_launch_bench --master HOST:PORT --tasks N [--cpus 0.01] [--mem 1]
//                      [--concurrency K] [--sequential M]
//
// Phase 1 (N > 0): launches `true` shell tasks, as many as fit in the
//   offers at hand and as --concurrency allows in flight, until N have been
//   launched. Usable offers are held while the cap is reached and used as
//   soon as a task finishes; each ACCEPT takes all held offers of an agent
//   with refuse_seconds=0, so the leftover comes straight back. Reports
//   tasks/s from the first ACCEPT sent to the last TASK_FINISHED received,
//   and per-task ACCEPT -> TASK_STARTING / TASK_RUNNING / TASK_FINISHED.
// Phase 2 (M > 0): M single tasks one after the other (the next ACCEPT only
//   after the previous task FINISHED; REVIVE when no offer is at hand), and
//   the ACCEPT -> TASK_RUNNING latency of each.
// Every update is acknowledged. Offers too small for a task are declined
// with a short filter (--decline_refuse). The framework is torn down at the
// end. Prints a result block and one line of JSON (starting with '{'); exits
// 1 on any task failure, refused call, lost connection or timeout.
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_task.hpp"
#include "common/flags.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "scheduler/scheduler_client.hpp"

namespace {

using namespace tepui;
using bench::fillCommandTask;
using Event = v1::scheduler::Event;
using Call = v1::scheduler::Call;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

struct Options {
  std::string master = "127.0.0.1:5050";
  int tasks = 1000;
  int concurrency = 8;  // tasks launched but not yet finished; 0 = no limit
  int sequential = 50;
  double cpus = 0.01;
  double mem = 1;
  std::string command = "true";
  double declineRefuse = 1.0;
  double timeout = 600;     // seconds for phase 1
  double stepTimeout = 30;  // seconds for each sequential launch
  double settle = 1.0;      // seconds between the phases
  bool checkpoint = false;  // FrameworkInfo.checkpoint: the agents write each task's state durably
};

double msBetween(TimePoint a, TimePoint b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

struct Percentiles {
  size_t n = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles.
Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::max<size_t>(1, static_cast<size_t>(std::ceil(q * v.size()))) - 1]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  double sum = 0;
  for (double x : v) sum += x;
  p.mean = sum / v.size();
  return p;
}

std::string fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string row(const std::string& what, const Percentiles& p) {
  return "  " + what + std::string(what.size() < 30 ? 30 - what.size() : 1, ' ') + "p50 " + fmt(p.p50) + "  p90 " +
         fmt(p.p90) + "  p99 " + fmt(p.p99) + "  max " + fmt(p.max) + "  (n=" + std::to_string(p.n) + ")\n";
}

std::string json(const Percentiles& p) {
  return "{\"p50\":" + fmt(p.p50, 3) + ",\"p90\":" + fmt(p.p90, 3) + ",\"p99\":" + fmt(p.p99, 3) +
         ",\"max\":" + fmt(p.max, 3) + ",\"mean\":" + fmt(p.mean, 3) + ",\"n\":" + std::to_string(p.n) + "}";
}

// Unreserved scalar `name` in an offer, in Mesos's fixed point (1/1000).
int64_t fixedScalar(const v1::Offer& offer, const std::string& name) {
  int64_t total = 0;
  for (auto& r : offer.resources()) {
    if (r.name() != name || r.type() != v1::Value::SCALAR || r.reservations_size() > 0) continue;
    if (r.has_role() && r.role() != "*") continue;
    total += std::llround(r.scalar().value() * 1000);
  }
  return total;
}

class LaunchBench {
 public:
  LaunchBench(boost::asio::io_context& io, http::Endpoint master, v1::FrameworkInfo info, Options options)
      : io_(io),
        options_(std::move(options)),
        timer_(io),
        guard_(io),
        scheduler_(io, std::move(master), std::move(info),
                   {[this](const Event& e) { onEvent(e); }, [this](const std::string& why) { onDisconnected(why); }}) {
    cpusFixed_ = std::llround(options_.cpus * 1000);
    memFixed_ = std::llround(options_.mem * 1000);
  }

  void start() {
    scheduler_.subscribe();
    arm(30, "no SUBSCRIBED from the master within 30 s");
  }

  void stop(const std::string& why) { fail(why); }
  int exitCode() const { return exitCode_; }

 private:
  enum class Phase { SUBSCRIBING, THROUGHPUT, SETTLING, SEQUENTIAL, DONE };

  struct TaskRecord {
    TimePoint accepted, starting, running, finished;
    bool sawStarting = false, sawRunning = false, done = false;
    bool sequential = false;
  };

  // --------------------------------------------------------------- events --
  void onEvent(const Event& e) {
    switch (e.type()) {
      case Event::SUBSCRIBED:
        if (phase_ != Phase::SUBSCRIBING) break;
        std::cerr << "launch_bench: subscribed as framework " << e.subscribed().framework_id().value() << std::endl;
        if (options_.tasks > 0)
          startThroughput();
        else
          startSequential();
        break;
      case Event::OFFERS: onOffers(e.offers()); break;
      case Event::UPDATE: onUpdate(e.update().status()); break;
      case Event::RESCIND: onRescind(e.rescind().offer_id().value()); break;
      case Event::ERROR: fail("the master sent ERROR: " + e.error().message()); break;
      default: break;
    }
  }

  // Offers that could hold a task are kept until a task may be launched
  // (the concurrency cap frees up): the master gives a task's resources back
  // as soon as it learns the task ended, often before the framework has seen
  // TASK_FINISHED, so declining "full" offers would filter away the very
  // resources the next launch needs. Offers too small for one task are
  // declined with a short filter.
  void onOffers(const Event::Offers& event) {
    offersReceived_ += event.offers_size();
    std::vector<v1::OfferID> useless;
    for (auto& offer : event.offers()) {
      if (phase_ == Phase::DONE || capacity({&offer}) == 0)
        useless.push_back(offer.id());
      else
        held_.push_back(offer);
    }
    if (!useless.empty()) {
      declined_ += useless.size();
      Call c;
      c.set_type(Call::DECLINE);
      for (auto& id : useless) *c.mutable_decline()->add_offer_ids() = id;
      c.mutable_decline()->mutable_filters()->set_refuse_seconds(options_.declineRefuse);
      send(std::move(c), "DECLINE");
    }
    pump();
  }

  void onRescind(const std::string& offerId) {
    std::erase_if(held_, [&](const v1::Offer& o) { return o.id().value() == offerId; });
  }

  // Tasks of one cpus/mem shape that fit in `offers` together.
  int64_t capacity(const std::vector<const v1::Offer*>& offers) const {
    int64_t cpus = 0, mem = 0;
    for (auto* o : offers) cpus += fixedScalar(*o, "cpus"), mem += fixedScalar(*o, "mem");
    return std::min(cpusFixed_ > 0 ? cpus / cpusFixed_ : INT64_MAX, memFixed_ > 0 ? mem / memFixed_ : INT64_MAX);
  }

  // Launches as many tasks as may be launched now from the held offers,
  // spread evenly over the agents; each agent's held offers go into one
  // ACCEPT, whose leftover comes straight back (refuse_seconds=0).
  void pump() {
    int64_t slots = 0;
    if (phase_ == Phase::THROUGHPUT) {
      slots = options_.tasks - launched_;
      if (options_.concurrency > 0) slots = std::min<int64_t>(slots, options_.concurrency - inFlight_);
    } else if (phase_ == Phase::SEQUENTIAL && waitingForOffer_) {
      slots = 1;
    }
    if (slots <= 0 || held_.empty()) return;
    // One ACCEPT may only combine offers of one agent and one role.
    std::vector<std::pair<std::string, std::vector<const v1::Offer*>>> byAgent;
    for (auto& o : held_) {
      std::string key = o.agent_id().value() + "\n" + o.allocation_info().role();
      auto it = std::find_if(byAgent.begin(), byAgent.end(), [&](auto& a) { return a.first == key; });
      if (it == byAgent.end())
        byAgent.push_back({key, {&o}});
      else
        it->second.push_back(&o);
    }
    std::vector<std::string> used;
    size_t agentsLeft = byAgent.size();
    for (auto& [agent, offers] : byAgent) {
      int64_t share = (slots + static_cast<int64_t>(agentsLeft) - 1) / static_cast<int64_t>(agentsLeft);
      --agentsLeft;
      int64_t take = std::min(capacity(offers), share);
      if (take <= 0) continue;
      launch(offers, take);
      for (auto* o : offers) used.push_back(o->id().value());
      slots -= take;
    }
    std::erase_if(
        held_, [&](const v1::Offer& o) { return std::find(used.begin(), used.end(), o.id().value()) != used.end(); });
  }

  void launch(const std::vector<const v1::Offer*>& offers, int64_t count) {
    const bool sequential = phase_ == Phase::SEQUENTIAL;
    const v1::Offer& offer = *offers.front();
    Call c;
    c.set_type(Call::ACCEPT);
    auto* accept = c.mutable_accept();
    for (auto* o : offers) *accept->add_offer_ids() = o->id();
    accept->mutable_filters()->set_refuse_seconds(0);  // the leftover comes straight back
    auto* op = accept->add_operations();
    op->set_type(v1::Offer::Operation::LAUNCH);
    std::vector<std::string> ids;
    for (int64_t i = 0; i < count; ++i) {
      std::string id = (sequential ? "seq-" : "task-") + std::to_string(sequential ? seqStarted_ : launched_ + i);
      fillCommandTask(op->mutable_launch()->add_task_infos(), "launch-bench", id, offer, options_.cpus, options_.mem,
                      options_.command);
      ids.push_back(std::move(id));
    }
    TimePoint now = SteadyClock::now();
    for (auto& id : ids) {
      TaskRecord& rec = tasks_[id];
      rec.accepted = now;
      rec.sequential = sequential;
    }
    if (sequential) {
      waitingForOffer_ = false;
    } else {
      if (launched_ == 0) firstAccept_ = now;
      launched_ += count;
      inFlight_ += count;
      maxInFlight_ = std::max(maxInFlight_, inFlight_);
    }
    accepts_++;
    send(std::move(c), "ACCEPT");
  }

  void onUpdate(const v1::TaskStatus& status) {
    if (status.has_uuid()) {
      Call c;
      c.set_type(Call::ACKNOWLEDGE);
      *c.mutable_acknowledge()->mutable_agent_id() = status.agent_id();
      *c.mutable_acknowledge()->mutable_task_id() = status.task_id();
      c.mutable_acknowledge()->set_uuid(status.uuid());
      send(std::move(c), "ACKNOWLEDGE");
    }
    auto it = tasks_.find(status.task_id().value());
    if (it == tasks_.end()) return;  // not ours (an earlier run's)
    TaskRecord& rec = it->second;
    if (rec.done) return;  // a re-sent update
    TimePoint now = SteadyClock::now();
    switch (status.state()) {
      case v1::TASK_STARTING:
        if (!rec.sawStarting) rec.starting = now, rec.sawStarting = true;
        return;
      case v1::TASK_RUNNING:
        if (!rec.sawRunning) rec.running = now, rec.sawRunning = true;
        return;
      case v1::TASK_FINISHED: break;
      default:
        if (!isTerminalState(status.state())) return;
        return fail("task " + status.task_id().value() + " ended " + v1::TaskState_Name(status.state()) + " (" +
                    v1::TaskStatus::Reason_Name(status.reason()) + "): " + status.message());
    }
    rec.finished = now;
    rec.done = true;
    if (rec.sequential) {
      seqFinished_++;
      if (seqFinished_ >= options_.sequential) return finishAll();
      return nextSequential();
    }
    inFlight_--;
    finished_++;
    if (finished_ == options_.tasks) {
      lastFinished_ = now;
      return endThroughput();
    }
    pump();  // a slot is free
  }

  // --------------------------------------------------------------- phases --
  void startThroughput() {
    phase_ = Phase::THROUGHPUT;
    arm(options_.timeout, "", [this] {
      return "phase 1 timed out after " + fmt(options_.timeout, 0) + " s: launched " + std::to_string(launched_) +
             ", finished " + std::to_string(finished_) + " of " + std::to_string(options_.tasks);
    });
    pump();  // offers may have come with SUBSCRIBED
  }

  void endThroughput() {
    if (options_.sequential <= 0) return finishAll();
    phase_ = Phase::SETTLING;  // let the executors of phase 1 exit
    timer_.cancel();
    timer_.expires_after(
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(options_.settle)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) startSequential();
    });
  }

  void startSequential() {
    phase_ = Phase::SEQUENTIAL;
    nextSequential();
  }

  void nextSequential() {
    seqStarted_++;
    waitingForOffer_ = true;
    arm(options_.stepTimeout, "", [this] {
      return "sequential launch " + std::to_string(seqStarted_) + " did not finish within " +
             fmt(options_.stepTimeout, 0) + " s" + (waitingForOffer_ ? " (no usable offer arrived)" : "");
    });
    pump();
    if (!waitingForOffer_) return;
    // No offer at hand (the last ones went with earlier ACCEPTs): ask for one.
    Call c;
    c.set_type(Call::REVIVE);
    send(std::move(c), "REVIVE");
    revives_++;
  }

  void finishAll() {
    phase_ = Phase::DONE;
    timer_.cancel();
    report();
    exitCode_ = 0;
    teardown();
  }

  // -------------------------------------------------------------- results --
  void report() {
    std::vector<double> running, starting, finished, seqRunning, seqStarting;
    size_t missingRunning = 0;
    for (auto& [id, r] : tasks_) {
      if (!r.done) continue;
      auto& run = r.sequential ? seqRunning : running;
      if (r.sawRunning)
        run.push_back(msBetween(r.accepted, r.running));
      else
        missingRunning++;
      if (r.sawStarting) (r.sequential ? seqStarting : starting).push_back(msBetween(r.accepted, r.starting));
      if (!r.sequential) finished.push_back(msBetween(r.accepted, r.finished));
    }
    Percentiles pRun = percentiles(running), pStart = percentiles(starting), pFin = percentiles(finished);
    Percentiles pSeq = percentiles(seqRunning), pSeqStart = percentiles(seqStarting);
    double seconds = options_.tasks > 0 ? msBetween(firstAccept_, lastFinished_) / 1000.0 : 0;
    double rate = seconds > 0 ? options_.tasks / seconds : 0;

    std::ostringstream out;
    out << "==== Tepui launch benchmark ====\n"
        << "  master " << options_.master << ", task '" << options_.command << "' (shell), cpus " << options_.cpus
        << ", mem " << options_.mem << " MB\n";
    if (options_.tasks > 0) {
      out << "Phase 1: " << options_.tasks << " tasks, concurrency "
          << (options_.concurrency > 0 ? std::to_string(options_.concurrency) : "unlimited") << " (max in flight "
          << maxInFlight_ << "), " << accepts_ << " ACCEPTs, " << offersReceived_ << " offers received, " << declined_
          << " declined\n"
          << "  first ACCEPT -> last TASK_FINISHED  " << fmt(seconds, 3) << " s\n"
          << "  throughput                         " << fmt(rate, 1) << " tasks/s\n"
          << "  latency in ms:\n"
          << row("ACCEPT -> TASK_STARTING", pStart) << row("ACCEPT -> TASK_RUNNING", pRun)
          << row("ACCEPT -> TASK_FINISHED", pFin);
    }
    if (options_.sequential > 0) {
      out << "Phase 2: " << options_.sequential << " single tasks, one at a time; latency in ms:\n"
          << row("ACCEPT -> TASK_STARTING", pSeqStart) << row("ACCEPT -> TASK_RUNNING", pSeq);
    }
    if (missingRunning > 0) out << "  note: " << missingRunning << " tasks finished without a TASK_RUNNING seen\n";
    std::cout << out.str();
    std::cout << "{\"bench\":\"tepui_launch\",\"tasks\":" << options_.tasks
              << ",\"concurrency\":" << options_.concurrency << ",\"cpus\":" << options_.cpus
              << ",\"mem\":" << options_.mem << ",\"seconds\":" << fmt(seconds, 3)
              << ",\"tasks_per_s\":" << fmt(rate, 1) << ",\"accept_to_starting_ms\":" << json(pStart)
              << ",\"accept_to_running_ms\":" << json(pRun) << ",\"accept_to_finished_ms\":" << json(pFin)
              << ",\"sequential\":" << options_.sequential << ",\"seq_accept_to_running_ms\":" << json(pSeq)
              << ",\"accepts\":" << accepts_ << ",\"offers\":" << offersReceived_ << ",\"declined\":" << declined_
              << ",\"max_in_flight\":" << maxInFlight_ << ",\"revives\":" << revives_ << "}" << std::endl;
  }

  // ------------------------------------------------------------- plumbing --
  void send(Call c, const std::string& what) {
    scheduler_.call(std::move(c), [this, what](Result<http::Response> r) {
      if (phase_ == Phase::DONE) return;
      if (!r) return fail(what + " failed: " + r.error().message);
      if (r->status != 202) return fail(what + " refused (" + std::to_string(r->status) + "): " + r->body);
    });
  }

  // (Re)arms the phase timer; on expiry fails with `why` (or what
  // `describe` says at that moment).
  void arm(double seconds, std::string why, std::function<std::string()> describe = {}) {
    timer_.cancel();
    timer_.expires_after(std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds)));
    timer_.async_wait([this, why, describe](const boost::system::error_code& ec) {
      if (ec) return;
      fail(describe ? describe() : why);
    });
  }

  void onDisconnected(const std::string& why) {
    if (phase_ == Phase::DONE) return;
    fail("lost the master: " + why);
  }

  void fail(const std::string& why) {
    if (phase_ == Phase::DONE) return;
    std::cerr << "launch_bench: FAILED: " << why << std::endl;
    phase_ = Phase::DONE;
    exitCode_ = 1;
    timer_.cancel();
    teardown();
  }

  void teardown() {
    phase_ = Phase::DONE;
    if (!scheduler_.subscribed()) return io_.stop();
    guard_.expires_after(std::chrono::seconds(10));
    guard_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      std::cerr << "launch_bench: TEARDOWN got no answer within 10 s" << std::endl;
      if (exitCode_ == 0) exitCode_ = 1;
      io_.stop();
    });
    scheduler_.teardown([this](Result<http::Response> r) {
      if (!r || r->status != 202) {
        std::cerr << "launch_bench: TEARDOWN failed: " << (r ? std::to_string(r->status) : r.error().message)
                  << std::endl;
        if (exitCode_ == 0) exitCode_ = 1;
      }
      guard_.cancel();
      scheduler_.close();
      io_.stop();
    });
  }

  boost::asio::io_context& io_;
  Options options_;
  boost::asio::steady_timer timer_, guard_;
  scheduler::SchedulerClient scheduler_;
  int64_t cpusFixed_ = 0, memFixed_ = 0;
  Phase phase_ = Phase::SUBSCRIBING;
  std::unordered_map<std::string, TaskRecord> tasks_;
  int64_t launched_ = 0, finished_ = 0, inFlight_ = 0, maxInFlight_ = 0;
  int64_t accepts_ = 0, offersReceived_ = 0, declined_ = 0;
  int seqStarted_ = 0, seqFinished_ = 0, revives_ = 0;
  std::vector<v1::Offer> held_;  // usable offers not yet accepted
  bool waitingForOffer_ = false;
  TimePoint firstAccept_, lastFinished_;
  int exitCode_ = 1;
};

std::string currentUser() {
  passwd* p = getpwuid(geteuid());
  return p ? p->pw_name : "root";
}

}  // namespace

int main(int argc, char** argv) {
  logging::setLevel(logging::Level::WARNING);
  Options o;
  FlagSet flags(
      "Usage: bench_launch_bench --master HOST:PORT [--tasks N] [--concurrency K] [--sequential M]\n"
      "                          [--cpus C] [--mem MB]\n\n"
      "Launches N trivial tasks as fast as offers allow (at most K in flight), then M single tasks one\n"
      "after another; reports tasks/s and ACCEPT -> TASK_RUNNING latencies (text, then one JSON line).");
  flags.add("master", &o.master, "The master: host:port");
  flags.add("tasks", &o.tasks, "Tasks to launch in the throughput phase (0 skips it)");
  flags.add("concurrency", &o.concurrency, "Most tasks launched but not yet finished (0 = no limit)");
  flags.add("sequential", &o.sequential, "Single tasks launched one after another (0 skips the phase)");
  flags.add("cpus", &o.cpus, "CPUs per task");
  flags.add("mem", &o.mem, "Memory per task, MB");
  flags.add("command", &o.command, "Shell command each task runs");
  flags.add("decline_refuse", &o.declineRefuse, "refuse_seconds when declining an offer that cannot be used");
  flags.add("timeout", &o.timeout, "Seconds allowed for the throughput phase");
  flags.add("step_timeout", &o.stepTimeout, "Seconds allowed for each sequential launch");
  flags.add("settle", &o.settle, "Seconds between the two phases (executors of phase 1 exit)");
  flags.add("checkpoint", &o.checkpoint, "Register as a checkpointing framework (agents write task state durably)");
  auto parsed = flags.parse(argc, argv);
  if (!parsed) {
    std::cerr << "launch_bench: " << parsed.error().message << "\n";
    return 2;
  }
  if (flags.helpRequested()) {
    std::cout << flags.help();
    return 0;
  }
  auto endpoint = http::parseEndpoint(o.master);
  if (!endpoint) {
    std::cerr << "launch_bench: invalid --master '" << o.master << "': expected host:port\n";
    return 2;
  }
  if (o.tasks < 0 || o.sequential < 0 || o.concurrency < 0 || !(o.cpus >= 0) || !(o.mem >= 0) ||
      (o.cpus == 0 && o.mem == 0) || (o.tasks == 0 && o.sequential == 0)) {
    std::cerr << "launch_bench: need --tasks or --sequential > 0, non-negative counts and some resources\n";
    return 2;
  }

  v1::FrameworkInfo info;
  info.set_user(currentUser());
  info.set_name("launch-bench");
  info.set_failover_timeout(0);
  info.set_checkpoint(o.checkpoint);

  boost::asio::io_context io;
  LaunchBench bench(io, *endpoint, info, o);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) bench.stop("interrupted");
  });
  bench.start();
  io.run();
  return bench.exitCode();
}
