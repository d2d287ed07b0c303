// The event bus (see event_bus.hpp).
#include "services/event_bus.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <ctime>
#include <vector>

#include "common/clock.hpp"
#include "common/iso_time.hpp"
#include "common/json.hpp"
#include "common/strings.hpp"

namespace tepui::services {

namespace {

constexpr char kMissed[] = "events_missed_event";
constexpr char kKeepalive[] = ": keepalive\n\n";

std::string frameOf(const std::string& id, const std::string& type, const boost::json::object& data) {
  return "id: " + id + "\nevent: " + type + "\ndata: " + json::serialize(data) + "\n\n";
}

boost::json::object stamped(const std::string& type, boost::json::object data) {
  data["eventType"] = type;
  data["timestamp"] = iso_time::format(clock::wallSeconds());
  return data;
}

}  // namespace

std::set<std::string> eventTypeFilter(const std::string& target) {
  std::set<std::string> types;
  for (auto& type : http::queryValues(target, "event_type")) {
    if (!type.empty()) types.insert(type);
  }
  return types;
}

EventBus::EventBus(boost::asio::io_context& io, EventBusOptions options, std::string epoch)
    : io_(io), options_(options), epoch_(std::move(epoch)), keepalive_(io) {
  if (options_.ringSize == 0) options_.ringSize = 1;
  scheduleKeepalive();
}

EventBus::~EventBus() { stop(); }

std::string EventBus::lastId() const { return epoch_ + "." + std::to_string(seq_); }

std::string EventBus::publish(const std::string& type, boost::json::object data) {
  if (stopped_) return "";
  ++seq_;
  ++counters_.published;
  std::string id = lastId();
  ring_.push_back({seq_, type, frameOf(id, type, stamped(type, std::move(data)))});
  while (ring_.size() > options_.ringSize) ring_.pop_front();
  const Stored& event = ring_.back();
  std::vector<uint64_t> dropped;
  for (auto& [subscriber, s] : subscribers_) {
    if (!s.types.empty() && !s.types.contains(type)) continue;
    if (!send(s, event.frame)) dropped.push_back(subscriber);
  }
  for (uint64_t subscriber : dropped) detach(subscriber, true);
  return id;
}

bool EventBus::send(Subscriber& subscriber, const std::string& frame) {
  return subscriber.stream->write(frame) && subscriber.stream->queuedBytes() <= options_.maxQueuedBytes;
}

void EventBus::serve(const http::Request& request, http::Responder responder) {
  if (request.method != "GET") return responder.respond(http::Response::methodNotAllowed("GET", request.method));
  if (request.header("Accept").value_or("").find("text/event-stream") == std::string::npos) {
    return responder.respond(http::Response::json(
        406, R"({"message":"/v2/events serves server-sent events only: send 'Accept: text/event-stream'"})"));
  }
  if (stopped_) return responder.respond(http::Response::json(503, R"({"message":"the event bus is stopping"})"));
  http::Response head = http::Response::empty(200);
  head.headers["Content-Type"] = "text/event-stream";
  head.headers["Cache-Control"] = "no-cache";
  auto stream = responder.stream(std::move(head));
  if (stream->closed()) return;
  uint64_t id = nextSubscriber_++;
  subscribers_[id] = Subscriber{stream, eventTypeFilter(request.target), request.remote};
  stream->onClose([this, id, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.lock()) detach(id, false);
  });
  if (auto last = request.header("Last-Event-ID")) resume(id, *last);
  if (!subscribers_.contains(id)) return;  // dropped while catching up
  ++counters_.attached;
  publish("event_stream_attached", {{"remoteAddress", request.remote}});
}

void EventBus::resume(uint64_t id, const std::string& lastEventId) {
  Subscriber& s = subscribers_.at(id);
  auto dot = lastEventId.rfind('.');
  uint64_t seq = 0;
  bool parsed = false;
  if (dot != std::string::npos) {
    const char* begin = lastEventId.data() + dot + 1;
    const char* end = lastEventId.data() + lastEventId.size();
    auto [ptr, ec] = std::from_chars(begin, end, seq);
    parsed = ec == std::errc() && ptr == end && begin != end;
  }
  std::string reason;
  if (!parsed) {
    reason = "'" + lastEventId + "' is not an event id of this stream";
  } else if (lastEventId.substr(0, dot) != epoch_) {
    reason = "the events since '" + lastEventId + "' belong to an earlier leadership term";
  } else if (seq > seq_) {
    reason = "'" + lastEventId + "' is not an event id of this stream";
  } else if (seq < seq_ && (ring_.empty() || ring_.front().seq > seq + 1)) {
    reason = "only the last " + std::to_string(options_.ringSize) + " events are kept";
  }
  bool ok = true;
  if (reason.empty()) {
    for (const Stored& event : ring_) {
      if (event.seq <= seq || (!s.types.empty() && !s.types.contains(event.type))) continue;
      if (!(ok = send(s, event.frame))) break;
    }
  } else {
    ++counters_.gapsReported;
    boost::json::object data{{"lastEventId", lastEventId},
                             {"reason", reason + "; events were missed: re-read the state"}};
    ok = send(s, frameOf(lastId(), kMissed, stamped(kMissed, std::move(data))));
  }
  if (!ok) detach(id, true);
}

void EventBus::detach(uint64_t id, bool slow) {
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return;
  Subscriber s = std::move(it->second);
  subscribers_.erase(it);  // first: closing runs onClose, which must find nothing
  if (slow && !s.stream->closed()) {
    ++counters_.droppedSlow;
    s.stream->close();
  }
  ++counters_.detached;
  publish("event_stream_detached", {{"remoteAddress", s.remote}});
}

void EventBus::closeAll() {
  auto subscribers = std::move(subscribers_);
  subscribers_.clear();
  for (auto& [id, s] : subscribers) s.stream->close();
}

void EventBus::reset(std::string epoch) {
  closeAll();
  ring_.clear();
  seq_ = 0;
  epoch_ = std::move(epoch);
}

void EventBus::stop() {
  if (stopped_) return;
  stopped_ = true;
  keepalive_.cancel();
  closeAll();
}

void EventBus::scheduleKeepalive() {
  if (options_.keepalive.count() <= 0) return;
  keepalive_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(options_.keepalive));
  keepalive_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    std::vector<uint64_t> dropped;
    for (auto& [id, s] : subscribers_) {
      if (!send(s, kKeepalive)) dropped.push_back(id);
    }
    for (uint64_t id : dropped) detach(id, true);
    scheduleKeepalive();
  });
}

}  // namespace tepui::services
