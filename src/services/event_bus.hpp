// The services daemon's event bus: GET /v2/events as server-sent events
// (SSE), in the Marathon-compatible shape (`event: <type>` and a `data:`
// line of JSON holding `eventType` and `timestamp`).
//
// Contract:
// - publish(type, data) stamps `eventType` and `timestamp` (ISO-8601 UTC,
//   milliseconds) into `data` and gives the event the next id of the
//   current epoch, "<epoch>.<n>", n counting from 1. Every subscriber whose
//   filter admits the type gets an `id:`, `event:`, `data:` frame, in
//   publish order.
// - serve() answers GET /v2/events: 406 without `Accept: text/event-stream`;
//   `?event_type=a&event_type=b` admits only those types (none: all).
//   A client sending `Last-Event-ID` of this epoch first gets every later
//   event still in the ring (the last `ringSize` events). If that id is
//   older than the ring, from another epoch (another leader's term) or
//   unknown, the client is sent one `events_missed_event` instead, whatever
//   its filter, telling it to re-read the state; its id is that of the
//   newest event, so a client that reconnects after it misses nothing more.
// - A comment line (": keepalive") goes to every subscriber each
//   `keepalive` (if positive), so that proxies keep idle streams open.
// - A subscriber whose unsent bytes exceed `maxQueuedBytes` is dropped
//   (its stream closed): one slow reader never holds memory or the others
//   back. Attaching and detaching publish `event_stream_attached` and
//   `event_stream_detached` with the client's `remoteAddress`.
// - reset(epoch) ends every stream (without detach events), forgets the
//   ring and starts numbering in the new epoch: the daemon calls it when
//   its leadership begins or ends. stop() ends the streams for good.
//
// Threading: everything runs on the daemon's loop; nothing blocks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/duration.hpp"
#include "http/server.hpp"

namespace tepui::services {

struct EventBusOptions {
  size_t ringSize = 1000;
  size_t maxQueuedBytes = 4 * 1024 * 1024;
  Seconds keepalive{15.0};
};

// The counters the daemon reports in /metrics.
struct EventBusCounters {
  uint64_t published = 0;
  uint64_t attached = 0;
  uint64_t detached = 0;
  uint64_t droppedSlow = 0;
  uint64_t gapsReported = 0;  // events_missed_event sent
};

class EventBus {
 public:
  EventBus(boost::asio::io_context& io, EventBusOptions options, std::string epoch);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Returns the event's id.
  std::string publish(const std::string& type, boost::json::object data);
  void serve(const http::Request& request, http::Responder responder);

  void reset(std::string epoch);
  void stop();

  const std::string& epoch() const { return epoch_; }
  std::string lastId() const;
  size_t subscribers() const { return subscribers_.size(); }
  const EventBusCounters& counters() const { return counters_; }

 private:
  struct Stored {
    uint64_t seq;
    std::string type;
    std::string frame;
  };
  struct Subscriber {
    std::shared_ptr<http::Stream> stream;
    std::set<std::string> types;  // empty: every type
    std::string remote;
  };

  // Writes `frame` to the subscriber; false if it must be dropped.
  bool send(Subscriber& subscriber, const std::string& frame);
  // Sends what a client resuming after `lastEventId` missed.
  void resume(uint64_t id, const std::string& lastEventId);
  void detach(uint64_t id, bool slow);
  void closeAll();
  void scheduleKeepalive();

  boost::asio::io_context& io_;
  EventBusOptions options_;
  std::string epoch_;
  uint64_t seq_ = 0;  // of the newest event in this epoch
  std::deque<Stored> ring_;
  std::map<uint64_t, Subscriber> subscribers_;
  uint64_t nextSubscriber_ = 1;
  EventBusCounters counters_;
  boost::asio::steady_timer keepalive_;
  bool stopped_ = false;
  // Streams' onClose callbacks may run after the bus is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// The event-type values of the repeated `event_type` query parameter of a
// request target ("/v2/events?event_type=a&event_type=b" -> {a, b}).
std::set<std::string> eventTypeFilter(const std::string& target);

}  // namespace tepui::services
