// The operator API's event stream (`POST /api/v1` with SUBSCRIBE): a
// client keeps an exact copy of the cluster from it. The stream opens with
// SUBSCRIBED, which holds the whole state as GET_STATE gives it, and a
// HEARTBEAT; then come TASK_ADDED, TASK_UPDATED, AGENT_ADDED, AGENT_REMOVED,
// FRAMEWORK_ADDED, FRAMEWORK_UPDATED and FRAMEWORK_REMOVED, in the order the
// master made the changes, and a HEARTBEAT every 15 s.
//
// The state in SUBSCRIBED is copied on the loop when the call arrives and
// encoded off it (operator_snapshots.cpp); the events published meanwhile
// wait, encoded, behind it. Each event is encoded once per media type,
// whatever the number of subscribers. Nothing is built when no one
// subscribes (watched()). A subscriber that reads too slowly is dropped
// once more than kMaxQueuedBytes wait for it, rather than have the master
// hold an ever-growing queue; it subscribes again and starts from a new
// SUBSCRIBED.
#include <algorithm>
#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "http/recordio.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {

using Event = v1::master::Event;
constexpr double kHeartbeatSeconds = 15.0;
constexpr size_t kMaxQueuedBytes = 64 << 20;

std::string record(const Event& event, codec::ContentType type) {
  return http::recordio::encode(codec::encode(event, type));
}

}  // namespace

void MasterImpl::subscribeOperator(codec::ContentType contentType, http::Responder responder) {
  while (static_cast<int>(operatorSubscribers_.size()) >= std::max(1, flags_.max_operator_event_stream_subscribers)) {
    TLOG(WARNING) << "Dropping the oldest operator event stream subscriber: --max_operator_event_stream_subscribers="
                  << flags_.max_operator_event_stream_subscribers << " reached";
    operatorSubscribers_.front().events.close();
    operatorSubscribers_.pop_front();
  }
  http::Response head;
  head.status = 200;
  head.headers["Content-Type"] = std::string(codec::mediaType(contentType));
  OperatorSubscriber& subscriber = operatorSubscribers_.emplace_back();
  subscriber.id = ++nextOperatorSubscriber_;
  subscriber.events.type = contentType;
  subscriber.events.stream = responder.stream(std::move(head));
  subscriber.events.stream->onClose(
      [this, id = subscriber.id] { boost::asio::post(io_, [this, id] { dropOperatorSubscriber(id); }); });

  auto subscribed = std::make_shared<Event>();
  subscribed->set_type(Event::SUBSCRIBED);
  subscribed->mutable_subscribed()->set_heartbeat_interval_seconds(kHeartbeatSeconds);
  auto state = std::make_shared<v1::master::Response>();
  auto live = std::make_shared<std::vector<std::shared_ptr<const std::string>>>();
  fillSnapshot(v1::master::Call::GET_STATE, *state, *live);
  auto opening = std::make_shared<std::string>();
  offLoop(
      [subscribed, state, live, opening, contentType] {
        decodeLiveTasks(*state, *live);
        addStateUsage(*state->mutable_get_state());
        subscribed->mutable_subscribed()->mutable_get_state()->Swap(state->mutable_get_state());
        Event heartbeat;
        heartbeat.set_type(Event::HEARTBEAT);
        *opening = record(*subscribed, contentType) + record(heartbeat, contentType);
      },
      [this, id = subscriber.id, opening] {
        for (auto& s : operatorSubscribers_) {
          if (s.id != id) continue;
          if (s.events.open()) s.events.stream->write(std::move(*opening));
          for (auto& r : s.backlog) {
            if (s.events.open()) s.events.stream->write(std::move(r));
          }
          s.backlog.clear();
          s.ready = true;
          return;
        }
      });
  if (operatorSubscribers_.size() == 1) {
    operatorHeartbeat_.expires_after(clock::seconds(kHeartbeatSeconds));
    operatorHeartbeat_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) operatorHeartbeat();
    });
  }
}

void MasterImpl::dropOperatorSubscriber(uint64_t id) {
  std::erase_if(operatorSubscribers_, [id](const OperatorSubscriber& s) { return s.id == id; });
  if (operatorSubscribers_.empty()) operatorHeartbeat_.cancel();
}

void MasterImpl::publish(const Event& event) {
  std::string encoded[2];  // by media type, encoded on first use
  auto recordFor = [&](codec::ContentType type) -> const std::string& {
    std::string& r = encoded[type == codec::ContentType::PROTOBUF ? 1 : 0];
    if (r.empty()) r = record(event, type);
    return r;
  };
  std::vector<uint64_t> slow;
  for (auto& s : operatorSubscribers_) {
    if (!s.events.open()) continue;
    if (!s.ready) {
      s.backlog.push_back(recordFor(s.events.type));
    } else if (s.events.stream->queuedBytes() > kMaxQueuedBytes) {
      slow.push_back(s.id);
    } else {
      s.events.stream->write(recordFor(s.events.type));
    }
  }
  for (uint64_t id : slow) {
    TLOG(WARNING) << "Dropping an operator event stream subscriber that reads too slowly (more than "
                  << (kMaxQueuedBytes >> 20) << " MB waiting)";
    for (auto& s : operatorSubscribers_) {
      if (s.id == id) s.events.close();
    }
    dropOperatorSubscriber(id);
  }
}

void MasterImpl::operatorHeartbeat() {
  if (operatorSubscribers_.empty() || stopped_) return;
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  publish(heartbeat);
  operatorHeartbeat_.expires_after(clock::seconds(kHeartbeatSeconds));
  operatorHeartbeat_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) operatorHeartbeat();
  });
}

void MasterImpl::publishTaskAdded(const v1::Task& task) {
  if (!watched()) return;
  Event event;
  event.set_type(Event::TASK_ADDED);
  *event.mutable_task_added()->mutable_task() = task;
  publish(event);
}

void MasterImpl::publishTaskUpdated(const std::string& frameworkId, const v1::TaskStatus& status, v1::TaskState state) {
  if (!watched()) return;
  Event event;
  event.set_type(Event::TASK_UPDATED);
  auto* updated = event.mutable_task_updated();
  updated->mutable_framework_id()->set_value(frameworkId);
  *updated->mutable_status() = status;
  updated->mutable_status()->clear_data();
  updated->set_state(state);
  publish(event);
}

void MasterImpl::publishAgentAdded(const Agent& agent) {
  if (!watched()) return;
  Event event;
  event.set_type(Event::AGENT_ADDED);
  operatorAgent(agent, event.mutable_agent_added()->mutable_agent());
  publish(event);
}

void MasterImpl::publishAgentRemoved(const std::string& agentId) {
  if (!watched()) return;
  Event event;
  event.set_type(Event::AGENT_REMOVED);
  event.mutable_agent_removed()->mutable_agent_id()->set_value(agentId);
  publish(event);
}

void MasterImpl::publishFramework(const Framework& framework, bool added) {
  if (!watched()) return;
  Event event;
  if (added) {
    event.set_type(Event::FRAMEWORK_ADDED);
    operatorFramework(framework, event.mutable_framework_added()->mutable_framework());
  } else {
    event.set_type(Event::FRAMEWORK_UPDATED);
    operatorFramework(framework, event.mutable_framework_updated()->mutable_framework());
  }
  publish(event);
}

void MasterImpl::publishFrameworkRemoved(const v1::FrameworkInfo& info) {
  if (!watched()) return;
  Event event;
  event.set_type(Event::FRAMEWORK_REMOVED);
  *event.mutable_framework_removed()->mutable_framework_info() = info;
  publish(event);
}

}  // namespace tepui::master
