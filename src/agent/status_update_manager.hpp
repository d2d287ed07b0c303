// The agent's status update manager: per task, a queue of updates (each with
// a uuid) of which only the head is in flight to the master. The head is
// re-sent with exponential backoff until the framework's acknowledgement
// comes back; then the next is sent. So a framework sees each task's updates
// at least once and never out of order.
//
// Runs on the agent's loop. Sending goes through the `forward` callback,
// which the agent points at the master link; while paused (no master) the
// timers keep running but nothing is sent, and resume() sends every head
// at once.
//
// Each change to a task's stream (an update queued, one acknowledged) is
// handed to the `persist` hook, if set, before the call that made it
// returns, so the agent can checkpoint the stream before it tells the
// executor that it holds the update; recover() puts a checkpointed stream
// back after a restart.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tepui/internal/agent_state.pb.h"
#include "tepui/v1/mesos.pb.h"

namespace tepui::agent {

class StatusUpdateManager {
 public:
  using Forward =
      std::function<void(const std::string& frameworkId, const v1::TaskStatus& status, v1::TaskState latestState)>;

  using Persist = std::function<void(const std::string& frameworkId, const std::string& taskId,
                                     const internal::TaskUpdates& stream)>;

  StatusUpdateManager(boost::asio::io_context& io, Forward forward,
                      std::chrono::milliseconds retryMin = std::chrono::seconds(10),
                      std::chrono::milliseconds retryMax = std::chrono::minutes(10));

  // Queues an update (status.uuid must be set). A uuid already queued or
  // already acknowledged for that task is ignored (executors re-send their
  // unacknowledged updates when they resubscribe). Returns false if ignored.
  bool update(const std::string& frameworkId, const v1::TaskStatus& status);

  // Pops the head if `uuid` matches it and sends the next one. Returns the
  // acknowledged status, or nullptr if it matched nothing.
  std::unique_ptr<v1::TaskStatus> acknowledge(const std::string& frameworkId, const std::string& taskId,
                                              const std::string& uuid);

  void setPersist(Persist persist) { persist_ = std::move(persist); }
  // Puts back a task's checkpointed stream; its head is sent at the next
  // resume().
  void recover(const std::string& frameworkId, const std::string& taskId, const internal::TaskUpdates& stream);

  void pause();
  void resume();  // and send every head now

  // Drops everything queued for a framework (it was removed).
  void removeFramework(const std::string& frameworkId);
  // Forgets a task whose terminal update was acknowledged.
  void removeTask(const std::string& frameworkId, const std::string& taskId);

  // True when the task has nothing waiting for an acknowledgement.
  bool drained(const std::string& frameworkId, const std::string& taskId) const;
  // The state of the newest queued update, if any.
  std::optional<v1::TaskState> latestQueuedState(const std::string& frameworkId, const std::string& taskId) const;
  // The state of the last acknowledged update, if any.
  std::optional<v1::TaskState> acknowledgedState(const std::string& frameworkId, const std::string& taskId) const;
  // Every queued update of a task, oldest first.
  std::vector<v1::TaskStatus> queued(const std::string& frameworkId, const std::string& taskId) const;
  size_t pendingCount() const;

 private:
  struct Stream {
    std::deque<v1::TaskStatus> queue;
    std::set<std::string> acknowledged;  // uuids
    std::optional<v1::TaskState> acknowledgedState;
    std::unique_ptr<boost::asio::steady_timer> retry;
    std::chrono::milliseconds backoff{0};
  };
  using Key = std::pair<std::string, std::string>;  // framework, task

  void send(const Key& key, Stream& stream, bool resetBackoff);
  void persist(const Key& key, const Stream& stream) const;

  boost::asio::io_context& io_;
  Forward forward_;
  Persist persist_;
  std::chrono::milliseconds retryMin_, retryMax_;
  bool paused_ = false;
  std::map<Key, Stream> streams_;
};

}  // namespace tepui::agent
