// Which instance of a framework daemon (tepui services, tepui jobs) leads.
//
// Contract:
// - Without --zk the instance leads alone: onElected is posted at start()
//   and leadership is never lost or given up.
// - With --zk, instances contend through ZooKeeper (registry::Contender,
//   under the --zk path, publishing a MasterInfo-shaped JSON of this
//   instance: id, address{hostname, ip, port}) and watch who leads
//   (registry::Detector). onElected runs when this instance is elected;
//   onLost when it can no longer be sure it leads or will (its session
//   expired, its znode went): it must stop leading at once. Either way the
//   instance then joins the election again on a new session (retrying
//   every few seconds while ZooKeeper cannot be reached).
// - abdicate() leaves the election (another instance takes over, if there
//   is one) and joins it again at the back of the line; onLost does not
//   run for it (the caller is stepping down already).
// - leader() is the leading instance as far as this one knows: itself
//   while elected; otherwise the one ZooKeeper names, unless that is this
//   instance (whose onElected is on its way).
//
// Threading: callbacks run on the daemon's loop; ZooKeeper's threads and
// the joins (which block on connecting) only post to it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "http/message.hpp"
#include "registry/election.hpp"

namespace tepui::frameworks {

struct LeaderAddress {
  std::string hostname;
  http::Endpoint endpoint;  // where to send requests
  std::string str() const {
    return hostname + ":" + std::to_string(endpoint.port);
  }  // host:port, as the leader endpoints answer
};

class Leadership {
 public:
  struct Callbacks {
    std::function<void()> onElected;
    std::function<void(const std::string& why)> onLost;
  };
  // `self` is this instance's address; `zk` empty for a lone instance.
  Leadership(boost::asio::io_context& io, std::string zk, Seconds sessionTimeout, LeaderAddress self,
             Callbacks callbacks);
  ~Leadership();
  Leadership(const Leadership&) = delete;
  Leadership& operator=(const Leadership&) = delete;

  // With --zk, joins the election (blocking until ZooKeeper answers).
  Status start();
  void abdicate();
  void stop();

  bool highlyAvailable() const { return !zk_.empty(); }
  bool elected() const { return elected_; }
  std::optional<LeaderAddress> leader() const;
  uint64_t elections() const { return elections_; }  // times this instance was elected

 private:
  // The MasterInfo JSON this instance publishes.
  std::string infoJson() const;
  // A new contender whose callbacks count for `generation` (blocks).
  Result<std::unique_ptr<registry::Contender>> join(uint64_t generation);
  void joinLater(Seconds delay);
  void joined(Result<std::unique_ptr<registry::Contender>> contender, uint64_t generation);
  void leaderChanged(const std::optional<std::string>& infoJson);

  boost::asio::io_context& io_;
  std::string zk_;
  std::chrono::milliseconds sessionTimeout_;
  LeaderAddress self_;
  std::string id_;  // this instance's id in the election
  Callbacks callbacks_;
  std::unique_ptr<registry::Detector> detector_;
  std::unique_ptr<registry::Contender> contender_;
  uint64_t generation_ = 0;  // of the contender: callbacks of older ones are ignored
  bool elected_ = false;
  bool stopped_ = false;
  uint64_t elections_ = 0;
  std::optional<LeaderAddress> known_;  // as ZooKeeper names it
  bool knownIsSelf_ = false;
  boost::asio::steady_timer rejoin_;
  std::thread joiner_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::frameworks
