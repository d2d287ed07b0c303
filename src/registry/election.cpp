// Leader election and detection; see election.hpp.
#include "registry/election.hpp"

#include <algorithm>

#include "common/logging.hpp"

namespace tepui::registry {

namespace {

constexpr char kPrefix[] = "json.info_";

// The sequence number ZooKeeper appended to a member's name.
std::string sequenceOf(const std::string& name) { return name.substr(name.rfind('_') + 1); }

std::string basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

std::vector<std::string> electionMembers(const std::vector<std::string>& children) {
  std::vector<std::string> members;
  for (const std::string& c : children) {
    if (c.rfind(kPrefix, 0) == 0) members.push_back(c);
  }
  std::sort(members.begin(), members.end(),
            [](const std::string& a, const std::string& b) { return sequenceOf(a) < sequenceOf(b); });
  return members;
}

Poller::Poller(std::function<void()> step) : step_(std::move(step)) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      // Also every second without a poke: a session can expire silently
      // while the client is cut off from every server.
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return poked_ || stopping_; });
      if (stopping_) break;
      poked_ = false;
      lock.unlock();
      step_();
      lock.lock();
    }
  });
}

Poller::~Poller() { stop(); }

void Poller::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_one();
}

void Poller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

Result<std::unique_ptr<Contender>> Contender::join(const std::string& url, std::chrono::milliseconds sessionTimeout,
                                                   const std::string& infoJson, Callbacks callbacks) {
  auto parsed = parseZooKeeperUrl(url);
  if (!parsed) return parsed.error();
  std::unique_ptr<Contender> c(new Contender());
  Contender* self = c.get();
  c->callbacks_ = std::move(callbacks);
  c->path_ = parsed->path;
  c->timeout_ = sessionTimeout;
  c->poller_ = std::make_unique<Poller>([self] { self->check(); });
  auto zk = ZooKeeper::connect(parsed->hosts, sessionTimeout,
                               [self](int, int, const std::string&) { self->poller_->poke(); });
  if (!zk) return zk.error();
  c->zk_ = std::move(*zk);
  if (auto s = c->zk_->ensure(c->path_.empty() ? "/" : c->path_); !s && !c->path_.empty()) return s.error();
  auto znode = c->zk_->create(c->path_ + "/" + kPrefix, infoJson, ZOO_EPHEMERAL | ZOO_SEQUENCE);
  if (!znode) return znode.error().context("cannot join the election");
  c->znode_ = *znode;
  c->joined_ = true;
  TLOG(INFO) << "Joined the leader election as " << c->znode_;
  c->poller_->poke();
  return c;
}

Contender::~Contender() {
  poller_->stop();
  zk_.reset();  // closing the session removes our znode at once
}

void Contender::check() {
  if (!joined_ || lost_) return;
  auto lose = [&](const std::string& why) {
    lost_ = true;
    TLOG(WARNING) << "Leaving the leader election: " << why;
    if (callbacks_.onLost) callbacks_.onLost(why);
  };
  if (zk_->expired()) return lose("the ZooKeeper session expired");
  if (zk_->disconnectedFor() > timeout_) {
    return lose("no ZooKeeper server reachable for longer than the session timeout");
  }
  auto children = zk_->children(path_.empty() ? "/" : path_);
  if (!children) return;  // connection loss: the client reconnects and we are poked
  std::vector<std::string> members = electionMembers(*children);
  auto ours = std::find(members.begin(), members.end(), basename(znode_));
  if (ours == members.end()) return lose("this master's znode " + znode_ + " is gone");
  if (ours == members.begin()) {
    if (!elected_) {
      elected_ = true;
      TLOG(INFO) << "Elected leader (" << znode_ << ")";
      if (callbacks_.onElected) callbacks_.onElected();
    }
    return;
  }
  // Watch the one just before us: when it goes, we may lead.
  auto predecessor = zk_->get(path_ + "/" + *(ours - 1), /*watch=*/true);
  if (predecessor && !*predecessor) poller_->poke();  // gone already
}

Result<std::unique_ptr<Detector>> Detector::watch(const std::string& url, std::chrono::milliseconds sessionTimeout,
                                                  OnChange onChange) {
  auto parsed = parseZooKeeperUrl(url);
  if (!parsed) return parsed.error();
  std::unique_ptr<Detector> d(new Detector());
  Detector* self = d.get();
  d->hosts_ = parsed->hosts;
  d->path_ = parsed->path;
  d->sessionTimeout_ = sessionTimeout;
  d->onChange_ = std::move(onChange);
  d->poller_ = std::make_unique<Poller>([self] { self->check(); });
  d->poller_->poke();
  return d;
}

Detector::~Detector() {
  poller_->stop();
  zk_.reset();
}

void Detector::check() {
  if (!zk_ || zk_->expired()) {
    // (Re)connect: a detector outlives sessions and ZooKeeper restarts.
    Detector* self = this;
    auto zk =
        ZooKeeper::connect(hosts_, sessionTimeout_, [self](int, int, const std::string&) { self->poller_->poke(); });
    if (!zk) return;  // tried again on the next tick
    zk_ = std::move(*zk);
  }
  auto children = zk_->children(path_.empty() ? "/" : path_, /*watch=*/true);
  if (!children) return;
  std::vector<std::string> members = electionMembers(*children);
  std::optional<std::string> leader;
  if (!members.empty()) {
    auto node = zk_->get(path_ + "/" + members.front());
    if (!node) return;
    if (!*node) return poller_->poke();  // it left meanwhile: look again
    leader = (*node)->data;
  }
  if (last_ && *last_ == leader) return;
  last_ = leader;
  if (onChange_) onChange_(leader);
}

}  // namespace tepui::registry
