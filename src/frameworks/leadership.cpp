// Leadership among the instances of a framework daemon (see leadership.hpp).
#include "frameworks/leadership.hpp"

#include <arpa/inet.h>

#include <boost/asio/post.hpp>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "registry/leader_address.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::frameworks {

namespace {
constexpr double kRejoinSeconds = 2;
}

Leadership::Leadership(boost::asio::io_context& io, std::string zk, Seconds sessionTimeout, LeaderAddress self,
                       Callbacks callbacks)
    : io_(io),
      zk_(std::move(zk)),
      sessionTimeout_(static_cast<int64_t>(sessionTimeout.count() * 1000)),
      self_(std::move(self)),
      id_(ids::uuidString()),
      callbacks_(std::move(callbacks)),
      rejoin_(io) {}

Leadership::~Leadership() { stop(); }

std::string Leadership::infoJson() const {
  v1::MasterInfo info;
  info.set_id(id_);
  in_addr addr{};
  bool isIp = inet_pton(AF_INET, self_.endpoint.host.c_str(), &addr) == 1;
  info.set_ip(isIp ? addr.s_addr : 0);
  info.set_port(self_.endpoint.port);
  info.set_hostname(self_.hostname);
  info.set_version(TEPUI_VERSION);
  info.mutable_address()->set_hostname(self_.hostname);
  if (isIp) info.mutable_address()->set_ip(self_.endpoint.host);
  info.mutable_address()->set_port(self_.endpoint.port);
  return json::toJson(info);
}

Status Leadership::start() {
  if (zk_.empty()) {
    boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.lock() || stopped_) return;
      elected_ = true;
      ++elections_;
      if (callbacks_.onElected) callbacks_.onElected();
    });
    return okStatus();
  }
  auto detector =
      registry::Detector::watch(zk_, sessionTimeout_, [this, alive = std::weak_ptr<bool>(alive_)](auto leader) {
        boost::asio::post(io_, [this, alive, leader] {
          if (alive.lock()) leaderChanged(leader);
        });
      });
  if (!detector) return detector.error().context("cannot watch the election at " + zk_);
  detector_ = std::move(*detector);
  uint64_t generation = ++generation_;
  auto contender = join(generation);
  if (!contender) return contender.error().context("cannot join the election at " + zk_);
  joined(std::move(contender), generation);
  return okStatus();
}

Result<std::unique_ptr<registry::Contender>> Leadership::join(uint64_t generation) {
  auto alive = std::weak_ptr<bool>(alive_);
  registry::Contender::Callbacks callbacks;
  callbacks.onElected = [this, alive, generation] {
    boost::asio::post(io_, [this, alive, generation] {
      if (!alive.lock() || stopped_ || generation != generation_) return;
      elected_ = true;
      ++elections_;
      TLOG(INFO) << "This instance leads now";
      if (callbacks_.onElected) callbacks_.onElected();
    });
  };
  callbacks.onLost = [this, alive, generation](const std::string& why) {
    boost::asio::post(io_, [this, alive, generation, why] {
      if (!alive.lock() || stopped_ || generation != generation_) return;
      bool was = elected_;
      elected_ = false;
      ++generation_;
      contender_.reset();
      TLOG(WARNING) << "Left the election: " << why << "; joining it again";
      if (was && callbacks_.onLost) callbacks_.onLost(why);
      joinLater(Seconds(0));
    });
  };
  return registry::Contender::join(zk_, sessionTimeout_, infoJson(), std::move(callbacks));
}

void Leadership::joined(Result<std::unique_ptr<registry::Contender>> contender, uint64_t generation) {
  if (stopped_ || generation != generation_) return;
  if (!contender) {
    TLOG(WARNING) << "Cannot join the election at " << zk_ << ": " << contender.error().message << "; trying again in "
                  << kRejoinSeconds << "s";
    return joinLater(Seconds(kRejoinSeconds));
  }
  contender_ = std::move(*contender);
}

void Leadership::joinLater(Seconds delay) {
  if (stopped_) return;
  uint64_t generation = ++generation_;
  rejoin_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(delay));
  rejoin_.async_wait([this, generation](const boost::system::error_code& ec) {
    if (ec || stopped_ || generation != generation_) return;
    if (joiner_.joinable()) joiner_.join();
    // Joining blocks until ZooKeeper answers: on a thread of its own.
    joiner_ = std::thread([this, generation, alive = std::weak_ptr<bool>(alive_)] {
      auto contender = join(generation);
      boost::asio::post(io_, [this, generation, alive,
                              contender = std::make_shared<decltype(contender)>(std::move(contender))]() mutable {
        if (alive.lock()) joined(std::move(*contender), generation);
      });
    });
  });
}

void Leadership::abdicate() {
  if (zk_.empty() || stopped_) return;
  TLOG(INFO) << "Abdicating: leaving the election and joining it again";
  elected_ = false;
  ++generation_;
  contender_.reset();  // its session closes: its znode goes, the next instance in line leads
  joinLater(Seconds(0));
}

void Leadership::stop() {
  if (stopped_) return;
  stopped_ = true;
  elected_ = false;
  ++generation_;
  rejoin_.cancel();
  if (joiner_.joinable()) joiner_.join();
  contender_.reset();
  detector_.reset();
}

void Leadership::leaderChanged(const std::optional<std::string>& infoJson) {
  known_.reset();
  knownIsSelf_ = false;
  if (!infoJson) return;
  v1::MasterInfo info;
  auto endpoint = registry::leaderEndpoint(*infoJson);
  if (!json::fromJson(*infoJson, &info) || !endpoint) {
    TLOG(WARNING) << "Ignoring a leader whose info does not parse: " << *infoJson;
    return;
  }
  knownIsSelf_ = info.id() == id_;
  known_ = LeaderAddress{info.address().hostname().empty() ? info.hostname() : info.address().hostname(), *endpoint};
}

std::optional<LeaderAddress> Leadership::leader() const {
  if (elected_) return self_;
  if (known_ && !knownIsSelf_) return known_;
  return std::nullopt;
}

}  // namespace tepui::frameworks
