// A framework daemon's start and leadership terms (see daemon.hpp).
#include "frameworks/daemon.hpp"

#include <pwd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "registry/zookeeper.hpp"

namespace tepui::frameworks {

namespace {

std::string machineHostname() {
  char buf[256] = {};
  return gethostname(buf, sizeof buf - 1) == 0 ? buf : "localhost";
}

std::string currentUser() {
  passwd* p = getpwuid(geteuid());
  return p ? p->pw_name : "root";
}

}  // namespace

Daemon::Daemon(boost::asio::io_context& io, FrameworkFlags flags, DaemonProfile profile)
    : io_(io), flags_(std::move(flags)), profile_(std::move(profile)), name_("tepui " + profile_.product), server_(io) {
  if (flags_.hostname.empty()) flags_.hostname = machineHostname();
  if (flags_.user.empty()) flags_.user = currentUser();
  profile_.repository.name = "the " + profile_.product + " state";
}

Daemon::~Daemon() { stop(); }

Status Daemon::start() {
  startTime_ = clock::wallSeconds();
  installRoutes();
  if (auto s = server_.listen(flags_.ip, flags_.port); !s) return s.error();
  std::string advertised = flags_.ip == "0.0.0.0" ? flags_.hostname : flags_.ip;
  LeaderAddress self{flags_.hostname, {advertised, server_.port()}};
  leadership_ = std::make_unique<Leadership>(
      io_, flags_.zk, flags_.zk_session_timeout, self,
      Leadership::Callbacks{[this] { elected(); }, [this](const std::string& why) { stopLeading(why); }});
  if (auto s = leadership_->start(); !s) return s;
  TLOG(INFO) << name_ << " listening on " << flags_.ip << ":" << server_.port()
             << (flags_.zk.empty() ? "" : "; contending for leadership at " + flags_.zk);
  return okStatus();
}

void Daemon::stop() {
  if (stopped_) return;
  stopLeading("stopping");
  stopped_ = true;
  if (leadership_) leadership_->stop();
  if (loader_.joinable()) loader_.join();
  server_.stop();
}

void Daemon::onLeadership(std::function<void(Leader&)> started, std::function<void()> ended) {
  started_ = std::move(started);
  ended_ = std::move(ended);
  if (leader_ && started_) started_(*leader_);
}

Status Daemon::abdicate(const std::string& why) {
  if (!highlyAvailable()) {
    return Error("this instance runs without --zk: there is no other instance to hand leadership to");
  }
  stopLeading(why);
  leadership_->abdicate();
  return okStatus();
}

Result<std::unique_ptr<registry::Store>> Daemon::openStore() const {
  if (!flags_.zk.empty()) {
    return registry::openZooKeeperStore(
        flags_.zk, std::chrono::milliseconds(static_cast<int64_t>(flags_.zk_session_timeout.count() * 1000)));
  }
  return registry::openEmbeddedStore(flags_.work_dir + "/" + profile_.product + ".db");
}

void Daemon::elected() {
  if (stopped_ || state_ != State::kFollowing) return;
  state_ = State::kLoading;
  uint64_t term = ++term_;
  TLOG(INFO) << "Elected; loading " << profile_.repository.name;
  if (loader_.joinable()) loader_.join();
  // The store's reads block (ZooKeeper round trips): off the loop.
  loader_ = std::thread([this, term, alive = std::weak_ptr<bool>(alive_)] {
    auto store = openStore();
    Result<std::unique_ptr<Repository>> repository =
        store ? Repository::load(io_, std::move(*store), profile_.repository)
              : Result<std::unique_ptr<Repository>>(store.error().context("cannot open " + profile_.repository.name));
    auto result = std::make_shared<decltype(repository)>(std::move(repository));
    boost::asio::post(io_, [this, term, alive, result] {
      if (alive.lock()) loaded(std::move(*result), term);
    });
  });
}

void Daemon::loaded(Result<std::unique_ptr<Repository>> repository, uint64_t term) {
  if (stopped_ || term != term_ || state_ != State::kLoading) return;  // this term ended meanwhile
  if (!repository) return giveUp(repository.error().message);
  repository_ = std::move(*repository);
  repository_->onFailure([this, alive = std::weak_ptr<bool>(alive_), term](const std::string& why) {
    // Not from inside the repository's own callback: giving up destroys it.
    boost::asio::post(io_, [this, alive, term, why] {
      if (alive.lock() && term == term_ && state_ != State::kFollowing) giveUp("a state write failed: " + why);
    });
  });
  // The fence first: from now on a stale leader's writes fail.
  repository_->claim([this, term](const Status& s) {
    if (s && term == term_ && state_ == State::kLoading) lead();
  });
}

void Daemon::giveUp(const std::string& why) {
  stopLeading(why);
  if (leadership_->highlyAvailable()) return leadership_->abdicate();
  // Alone, there is no one else to lead: load what the store holds again
  // shortly.
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(2));
  timer->async_wait([this, timer, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (!ec && alive.lock() && !stopped_) elected();
  });
}

void Daemon::lead() {
  link_ = std::make_unique<FrameworkLink>(io_, linkOptions(), repository_->frameworkId());
  link_->callbacks().persistFrameworkId = [this](const std::string& id, std::function<void(const Status&)> durable) {
    Repository::Change change;
    change.setFrameworkId(id);
    repository_->commit(std::move(change), std::move(durable));
  };
  link_->callbacks().onError = [](const std::string& why) { TLOG(ERROR) << "The framework cannot go on: " << why; };
  state_ = State::kLeading;
  leader_.emplace(Leader{*repository_, *link_});
  TLOG(INFO) << "Leading with framework id '" << repository_->frameworkId() << "'";
  if (started_) started_(*leader_);
  if (auto s = link_->start(); !s) TLOG(ERROR) << s.error().message;
}

void Daemon::stopLeading(const std::string& why) {
  if (state_ == State::kFollowing) return;
  bool wasLeading = state_ == State::kLeading;
  state_ = State::kFollowing;
  ++term_;  // a load still running belongs to an ended term
  ++termsEnded_;
  TLOG(WARNING) << "Not leading any more: " << why;
  if (wasLeading) {
    if (ended_) ended_();
    linkTotals_ += link_->counters();
    leader_.reset();
    link_.reset();
  }
  if (repository_) commits_ += repository_->commits();
  repository_.reset();  // (waits for a write in progress)
}

FrameworkLinkOptions Daemon::linkOptions() const {
  FrameworkLinkOptions options;
  options.master = flags_.master;
  options.zkSessionTimeout = flags_.zk_session_timeout;
  v1::FrameworkInfo& info = options.info;
  info.set_name(flags_.framework_name);
  info.set_user(flags_.user);
  info.set_role(flags_.role);
  info.set_failover_timeout(flags_.failover_timeout.count());
  info.set_hostname(flags_.hostname);
  std::string advertised = flags_.ip == "0.0.0.0" ? flags_.hostname : flags_.ip;
  info.set_webui_url("http://" + advertised + ":" + std::to_string(server_.port()));
  return options;
}

}  // namespace tepui::frameworks
