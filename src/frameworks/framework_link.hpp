// A framework daemon's connection to the master as a v1 framework.
//
// Contract:
// - Follows the leading master: --master host:port is used as given;
//   zk://... is watched (registry::Detector) and a new leader is
//   subscribed to at once.
// - Subscribes with the framework id the caller gives (the one in its
//   durable state, empty the first time), checkpoint=true, the
//   PARTITION_AWARE and TASK_KILLING_STATE capabilities, the role and the
//   failover timeout in `info`. On the first SUBSCRIBED that brings a new
//   id, the caller's persistFrameworkId runs first; events that arrive
//   meanwhile are held and nothing else happens until it reports the id
//   durable (if it cannot, the link stops: subscribing under an id that is
//   not remembered would orphan the framework's tasks).
// - After every SUBSCRIBED: an explicit reconciliation of the tasks the
//   caller lists (tasksToReconcile), then an implicit one; then
//   onSubscribed.
// - Offers, updates and rescinds go to the callbacks. An update is
//   acknowledged only when the caller calls the Ack it is given (once its
//   effect is durable); an Ack called after the stream it came on has
//   ended does nothing (the master sends the update again).
// - A disconnection, a refused subscription or a silent stream (no event
//   for 5 heartbeat intervals) leads to a resubscription after a backoff
//   (`minBackoff`, doubling to `maxBackoff`, reset by a SUBSCRIBED). An
//   ERROR event (the master refused the framework for good) stops the link
//   and is reported through onError.
//
// Threading: everything runs on the daemon's loop; the detector's thread
// only posts to it. stop() (or destruction) closes the stream; no callback
// runs after it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "registry/election.hpp"
#include "scheduler/scheduler_client.hpp"

namespace tepui::frameworks {

struct FrameworkLinkOptions {
  std::string master;  // host:port or zk://host:port[,host:port]/path
  Seconds zkSessionTimeout{10.0};
  // name, user, role(s), failover_timeout, hostname, webui_url; the
  // capabilities and checkpointing are added.
  v1::FrameworkInfo info;
  Seconds minBackoff{0.5};
  Seconds maxBackoff{30.0};
};

struct FrameworkLinkCounters {
  uint64_t subscriptions = 0;  // SUBSCRIBED events
  uint64_t disconnections = 0;
  uint64_t offers = 0;
  uint64_t updates = 0;
  uint64_t acknowledgements = 0;
  uint64_t rescinds = 0;
  FrameworkLinkCounters& operator+=(const FrameworkLinkCounters& o) {
    subscriptions += o.subscriptions;
    disconnections += o.disconnections;
    offers += o.offers;
    updates += o.updates;
    acknowledgements += o.acknowledgements;
    rescinds += o.rescinds;
    return *this;
  }
};

class FrameworkLink {
 public:
  using Ack = std::function<void()>;
  using TaskList = std::vector<std::pair<v1::TaskID, std::optional<v1::AgentID>>>;
  struct Callbacks {
    std::function<void(const std::string& frameworkId, std::function<void(const Status&)> durable)> persistFrameworkId;
    std::function<TaskList()> tasksToReconcile;
    std::function<void(const std::string& frameworkId)> onSubscribed;
    // Default: decline them (the daemon has nothing to launch).
    std::function<void(const std::vector<v1::Offer>&)> onOffers;
    // Default: acknowledge at once.
    std::function<void(const v1::TaskStatus&, Ack)> onUpdate;
    std::function<void(const v1::OfferID&)> onRescind;
    std::function<void(const std::string& why)> onDisconnected;
    std::function<void(const std::string& message)> onError;
  };

  FrameworkLink(boost::asio::io_context& io, FrameworkLinkOptions options, std::string frameworkId);
  ~FrameworkLink();
  FrameworkLink(const FrameworkLink&) = delete;
  FrameworkLink& operator=(const FrameworkLink&) = delete;

  // Set them before start().
  Callbacks& callbacks() { return callbacks_; }
  // Parses --master and subscribes (or starts watching ZooKeeper).
  Status start();
  void stop();

  bool subscribed() const { return ready_; }
  const std::string& frameworkId() const { return frameworkId_; }
  std::optional<http::Endpoint> master() const { return master_; }
  // For calls (accept, decline, kill, ...): meaningful while subscribed.
  scheduler::SchedulerClient& client() { return *client_; }
  const FrameworkLinkCounters& counters() const { return counters_; }

 private:
  void onEvent(const v1::scheduler::Event& event);
  void deliver(const v1::scheduler::Event& event);
  void onSubscribed(const std::string& id, double heartbeatSeconds);
  void afterSubscribed();
  void onDisconnected(const std::string& why);
  void leaderChanged(std::optional<http::Endpoint> leader);
  void subscribeNow();
  void scheduleResubscribe();
  void watchHeartbeats();

  boost::asio::io_context& io_;
  FrameworkLinkOptions options_;
  std::string frameworkId_;
  Callbacks callbacks_;
  std::unique_ptr<scheduler::SchedulerClient> client_;
  std::unique_ptr<registry::Detector> detector_;
  std::optional<http::Endpoint> master_;
  boost::asio::steady_timer retry_, heartbeat_;
  Seconds backoff_;
  double heartbeatSeconds_ = 15;
  bool ready_ = false;                     // SUBSCRIBED and the framework id durable
  bool persisting_ = false;                // waiting for the framework id to be durable
  std::deque<v1::scheduler::Event> held_;  // events while persisting
  uint64_t stream_ = 0;                    // counts subscriptions: an Ack of an older one is stale
  bool stopped_ = false;
  FrameworkLinkCounters counters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::frameworks
