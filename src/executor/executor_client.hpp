// A client of the v1 executor API for executors built into Tepui (and for
// tests): reads the MESOS_* environment the agent sets, SUBSCRIBEs to the
// agent's /api/v1/executor, delivers events in order, and sends UPDATEs with
// a fresh uuid, keeping each until the agent's ACKNOWLEDGED arrives so that a
// resubscription can hand them back.
//
// On disconnection: a checkpointing framework's executor resubscribes with
// backoff up to MESOS_SUBSCRIPTION_BACKOFF_MAX for MESOS_RECOVERY_TIMEOUT;
// otherwise onDisconnected() is called and the executor should exit.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "http/client.hpp"
#include "http/recordio.hpp"
#include "tepui/v1/executor.pb.h"

namespace tepui::executor {

struct ExecutorEnvironment {
  http::Endpoint agent;
  std::string frameworkId;
  std::string executorId;
  std::string sandbox;
  bool checkpoint = false;
  double shutdownGracePeriod = 5;  // seconds
  double recoveryTimeout = 900;
  double subscriptionBackoffMax = 2;

  // Fails with a message naming the missing or malformed variable.
  static Result<ExecutorEnvironment> fromEnvironment();
};

class ExecutorClient {
 public:
  using EventHandler = std::function<void(const v1::executor::Event&)>;

  ExecutorClient(boost::asio::io_context& io, ExecutorEnvironment env, EventHandler onEvent,
                 std::function<void(const std::string& why)> onDisconnected);

  void subscribe();
  // Sends an update for `status.task_id` (uuid, timestamp, source and
  // executor_id are filled in).
  void update(v1::TaskStatus status);
  void message(const std::string& data);

  // Records the task so that a resubscription reports it as unacknowledged.
  void taskLaunched(const v1::TaskInfo& task) { tasks_[task.task_id().value()] = task; }
  bool allAcknowledged() const { return unacknowledged_.empty(); }
  const ExecutorEnvironment& environment() const { return env_; }

 private:
  void post(v1::executor::Call call);
  void sendNext();
  void onData(std::string_view data);
  void disconnected(const std::string& why);

  boost::asio::io_context& io_;
  ExecutorEnvironment env_;
  EventHandler onEvent_;
  std::function<void(const std::string&)> onDisconnected_;
  http::Client client_;
  std::shared_ptr<http::ClientStream> stream_;
  http::recordio::Decoder decoder_;
  boost::asio::steady_timer retry_;
  double disconnectedSince_ = 0;
  double backoff_ = 0.1;
  bool subscribed_ = false;
  std::map<std::string, v1::TaskInfo> tasks_;                  // by task id
  std::map<std::string, v1::executor::Call::Update> unacknowledged_;  // by uuid
  // Calls go one at a time, in order: the agent must see STARTING before
  // RUNNING, and pooled connections would let them overtake each other.
  std::deque<v1::executor::Call> outbox_;
  bool sending_ = false;
};

}  // namespace tepui::executor
