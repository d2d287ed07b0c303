// The v1 executor API client (see executor_client.hpp).
#include "executor/executor_client.hpp"

#include "http/api_request.hpp"

#include <cstdlib>

#include "common/clock.hpp"
#include "common/codec.hpp"
#include "common/duration.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"

namespace tepui::executor {

namespace {
using Call = v1::executor::Call;
using Event = v1::executor::Event;

Result<std::string> require(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return Error(std::string("missing environment variable ") + name);
  return std::string(v);
}

double durationOr(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v) return fallback;
  auto d = parseDuration(v);
  return d ? d->count() : fallback;
}
}  // namespace

Result<ExecutorEnvironment> ExecutorEnvironment::fromEnvironment() {
  ExecutorEnvironment env;
  auto endpoint = require("MESOS_AGENT_ENDPOINT");
  if (!endpoint) return endpoint.error();
  auto parsed = http::parseEndpoint(*endpoint);
  if (!parsed) return Error("malformed MESOS_AGENT_ENDPOINT '" + *endpoint + "'");
  env.agent = *parsed;
  auto fid = require("MESOS_FRAMEWORK_ID");
  if (!fid) return fid.error();
  auto eid = require("MESOS_EXECUTOR_ID");
  if (!eid) return eid.error();
  env.frameworkId = *fid;
  env.executorId = *eid;
  env.sandbox = std::getenv("MESOS_SANDBOX") ? std::getenv("MESOS_SANDBOX") : ".";
  const char* checkpoint = std::getenv("MESOS_CHECKPOINT");
  env.checkpoint = checkpoint && std::string(checkpoint) == "1";
  env.shutdownGracePeriod = durationOr("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", 5);
  env.recoveryTimeout = durationOr("MESOS_RECOVERY_TIMEOUT", 900);
  env.subscriptionBackoffMax = durationOr("MESOS_SUBSCRIPTION_BACKOFF_MAX", 2);
  return env;
}

ExecutorClient::ExecutorClient(boost::asio::io_context& io, ExecutorEnvironment env, EventHandler onEvent,
                               std::function<void(const std::string&)> onDisconnected)
    : io_(io),
      env_(std::move(env)),
      onEvent_(std::move(onEvent)),
      onDisconnected_(std::move(onDisconnected)),
      client_(io),
      retry_(io) {}

void ExecutorClient::subscribe() {
  Call call;
  call.mutable_executor_id()->set_value(env_.executorId);
  call.mutable_framework_id()->set_value(env_.frameworkId);
  call.set_type(Call::SUBSCRIBE);
  auto* s = call.mutable_subscribe();
  for (auto& [id, task] : tasks_) *s->add_unacknowledged_tasks() = task;
  for (auto& [uuid, update] : unacknowledged_) *s->add_unacknowledged_updates() = update;

  auto request = http::apiRequest("/api/v1/executor", call, codec::ContentType::PROTOBUF, true);
  decoder_ = http::recordio::Decoder();
  http::StreamCallbacks callbacks;
  callbacks.onHead = [this](const http::Response& head) {
    if (head.status != 200) disconnected("subscription refused (" + std::to_string(head.status) + "): " + head.body);
  };
  callbacks.onData = [this](std::string_view data) { onData(data); };
  callbacks.onEnd = [this](const Status& s) {
    disconnected(s ? "the agent closed the connection" : s.error().message);
  };
  stream_ = client_.openStream(env_.agent, std::move(request), std::move(callbacks));
}

void ExecutorClient::onData(std::string_view data) {
  std::vector<std::string> records;
  if (auto s = decoder_.feed(data, records); !s) return disconnected("malformed event stream: " + s.error().message);
  for (auto& record : records) {
    Event event;
    if (!event.ParseFromString(record)) {
      TLOG(WARNING) << "Ignoring an unparseable event from the agent";
      continue;
    }
    if (event.type() == Event::SUBSCRIBED) {
      subscribed_ = true;
      disconnectedSince_ = 0;
      backoff_ = 0.1;
    }
    if (event.type() == Event::ACKNOWLEDGED) unacknowledged_.erase(event.acknowledged().uuid());
    onEvent_(event);
  }
}

void ExecutorClient::disconnected(const std::string& why) {
  if (stream_) {
    stream_->cancel();
    stream_.reset();
  }
  subscribed_ = false;
  double now = clock::monotonicSeconds();
  if (disconnectedSince_ == 0) disconnectedSince_ = now;
  if (!env_.checkpoint || now - disconnectedSince_ > env_.recoveryTimeout) {
    onDisconnected_(why);
    return;
  }
  retry_.expires_after(clock::seconds(backoff_));
  backoff_ = std::min(backoff_ * 2, env_.subscriptionBackoffMax);
  retry_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) subscribe();
  });
}

void ExecutorClient::update(v1::TaskStatus status) {
  status.set_uuid(ids::uuidBytes());
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_timestamp(clock::wallSeconds());
  status.mutable_executor_id()->set_value(env_.executorId);
  Call call;
  call.mutable_executor_id()->set_value(env_.executorId);
  call.mutable_framework_id()->set_value(env_.frameworkId);
  call.set_type(Call::UPDATE);
  *call.mutable_update()->mutable_status() = status;
  unacknowledged_[status.uuid()] = call.update();
  post(std::move(call));
}

void ExecutorClient::message(const std::string& data) {
  Call call;
  call.mutable_executor_id()->set_value(env_.executorId);
  call.mutable_framework_id()->set_value(env_.frameworkId);
  call.set_type(Call::MESSAGE);
  call.mutable_message()->set_data(data);
  post(std::move(call));
}

void ExecutorClient::post(Call call) {
  outbox_.push_back(std::move(call));
  if (!sending_) sendNext();
}

void ExecutorClient::sendNext() {
  if (outbox_.empty()) {
    sending_ = false;
    return;
  }
  sending_ = true;
  auto request = http::apiRequest("/api/v1/executor", outbox_.front(), codec::ContentType::PROTOBUF);
  outbox_.pop_front();
  client_.request(env_.agent, std::move(request), [this](Result<http::Response> r) {
    // A lost update is resent on resubscription; nothing else to do here.
    if (!r) TLOG(WARNING) << "Call to the agent failed: " << r.error().message;
    else if (r->status >= 300) TLOG(WARNING) << "The agent refused a call (" << r->status << "): " << r->body;
    sendNext();
  });
}

}  // namespace tepui::executor
