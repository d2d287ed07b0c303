// The services event bus served by a real HTTP server and read by a real
// client on loopback (one io_context on the test thread): SSE frames, ids,
// filters, Last-Event-ID resumption and gaps, keepalives, attach/detach
// events and dropping a reader that does not keep up.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <optional>

#include "http/client.hpp"
#include "services/event_bus.hpp"
#include "support/run_loop.hpp"

namespace tepui::services {
namespace {

using namespace std::chrono_literals;

struct Frame {
  std::string id, event, data;
  boost::json::object json() const { return boost::json::parse(data).as_object(); }
};

// A client of /v2/events that parses what it reads into frames.
struct Reader {
  std::shared_ptr<http::ClientStream> stream;
  std::optional<http::Response> head;
  std::string buffer;
  std::vector<Frame> frames;
  int comments = 0;
  bool ended = false;

  void feed(std::string_view data) {
    buffer += data;
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      if (block.starts_with(":")) {
        ++comments;
        continue;
      }
      Frame f;
      size_t start = 0;
      while (start <= block.size()) {
        auto nl = block.find('\n', start);
        std::string line = block.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (line.starts_with("id: ")) f.id = line.substr(4);
        if (line.starts_with("event: ")) f.event = line.substr(7);
        if (line.starts_with("data: ")) f.data = line.substr(6);
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      frames.push_back(f);
    }
  }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (auto& f : frames) out.push_back(f.event);
    return out;
  }
};

class ServicesEventBusTest : public ::testing::Test {
 protected:
  void start(EventBusOptions options = {}) {
    bus = std::make_unique<EventBus>(io, options, "E");
    server.route("/v2/events", [this](http::Request& r, http::Responder p) { bus->serve(r, std::move(p)); });
    ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
    endpoint = {"127.0.0.1", server.port()};
  }
  void TearDown() override {
    if (bus) bus->stop();
    server.stop();
  }

  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    return testing::runLoopUntil(io, done, limit);
  }

  std::unique_ptr<Reader> subscribe(const std::string& target = "/v2/events",
                                    std::optional<std::string> lastEventId = std::nullopt,
                                    const std::string& accept = "text/event-stream") {
    auto reader = std::make_unique<Reader>();
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.headers["Accept"] = accept;
    if (lastEventId) r.headers["Last-Event-ID"] = *lastEventId;
    Reader* raw = reader.get();
    reader->stream = client.openStream(endpoint, std::move(r),
                                       {.onHead = [raw](const http::Response& h) { raw->head = h; },
                                        .onData = [raw](std::string_view d) { raw->feed(d); },
                                        .onEnd = [raw](const Status&) { raw->ended = true; }});
    EXPECT_TRUE(runUntil([&] { return raw->head.has_value(); }));
    return reader;
  }

  boost::asio::io_context io;
  http::Server server{io};
  http::Client client{io};
  http::Endpoint endpoint;
  std::unique_ptr<EventBus> bus;
};

TEST_F(ServicesEventBusTest, FramesCarryIdTypeAndStampedData) {
  start();
  auto reader = subscribe();
  EXPECT_EQ(reader->head->status, 200);
  EXPECT_EQ(reader->head->header("Content-Type"), "text/event-stream");
  ASSERT_TRUE(runUntil([&] { return reader->frames.size() == 1; }));
  EXPECT_EQ(reader->frames[0].event, "event_stream_attached");
  EXPECT_EQ(reader->frames[0].id, "E.1");

  EXPECT_EQ(bus->publish("deployment_info", {{"plan", "p1"}}), "E.2");
  bus->publish("status_update_event", {{"taskId", "t1"}});
  ASSERT_TRUE(runUntil([&] { return reader->frames.size() == 3; }));
  const Frame& f = reader->frames[1];
  EXPECT_EQ(f.id, "E.2");
  EXPECT_EQ(f.event, "deployment_info");
  auto data = f.json();
  EXPECT_EQ(data.at("eventType").as_string(), "deployment_info");
  EXPECT_EQ(data.at("plan").as_string(), "p1");
  std::string ts(data.at("timestamp").as_string());
  EXPECT_EQ(ts.size(), 24u) << ts;  // 2026-01-02T03:04:05.678Z
  EXPECT_EQ(ts.back(), 'Z');
  EXPECT_EQ(reader->frames[2].id, "E.3");
  EXPECT_EQ(bus->counters().published, 3u);
}

TEST_F(ServicesEventBusTest, RefusesClientsThatDoNotAcceptEventStreams) {
  start();
  auto reader = subscribe("/v2/events", std::nullopt, "application/json");
  EXPECT_EQ(reader->head->status, 406);
  EXPECT_NE(reader->head->body.find("text/event-stream"), std::string::npos);
  EXPECT_EQ(bus->subscribers(), 0u);
}

TEST_F(ServicesEventBusTest, EventTypeParametersFilter) {
  start();
  auto reader = subscribe("/v2/events?event_type=app_terminated_event&event_type=deployment_success");
  ASSERT_TRUE(runUntil([&] { return bus->subscribers() == 1; }));
  bus->publish("status_update_event", {});
  bus->publish("deployment_success", {});
  bus->publish("deployment_info", {});
  bus->publish("app_terminated_event", {});
  ASSERT_TRUE(runUntil([&] { return reader->frames.size() == 2; }));
  EXPECT_EQ(reader->events(), (std::vector<std::string>{"deployment_success", "app_terminated_event"}));
  EXPECT_EQ(reader->frames[0].id, "E.3");  // ids count every event, filtered or not
}

TEST_F(ServicesEventBusTest, ReconnectingClientGetsEveryLaterEvent) {
  start();
  for (int i = 0; i < 5; ++i) bus->publish("status_update_event", {{"n", i}});
  auto reader = subscribe("/v2/events", "E.2");
  ASSERT_TRUE(runUntil([&] { return reader->frames.size() == 4; }));
  EXPECT_EQ(reader->frames[0].id, "E.3");
  EXPECT_EQ(reader->frames[1].id, "E.4");
  EXPECT_EQ(reader->frames[2].id, "E.5");
  EXPECT_EQ(reader->frames[3].event, "event_stream_attached");
  EXPECT_EQ(bus->counters().gapsReported, 0u);

  // Up to date: nothing replayed.
  auto current = subscribe("/v2/events?event_type=x", bus->lastId());
  bus->publish("x", {});
  ASSERT_TRUE(runUntil([&] { return current->frames.size() == 1; }));
  EXPECT_EQ(current->frames[0].event, "x");
}

TEST_F(ServicesEventBusTest, AnIdOlderThanTheRingGetsAMissedEventFirst) {
  start({.ringSize = 3});
  for (int i = 0; i < 6; ++i) bus->publish("status_update_event", {});
  auto reader = subscribe("/v2/events?event_type=status_update_event", "E.1");
  bus->publish("status_update_event", {});
  ASSERT_TRUE(runUntil([&] { return reader->frames.size() == 2; }));
  EXPECT_EQ(reader->frames[0].event, "events_missed_event");  // whatever the filter
  EXPECT_EQ(reader->frames[0].id, "E.6");                     // resuming from it misses nothing more
  EXPECT_EQ(reader->frames[0].json().at("lastEventId").as_string(), "E.1");
  EXPECT_EQ(reader->frames[1].id, "E.8");  // (E.7: the attach event, filtered out)
  EXPECT_EQ(bus->counters().gapsReported, 1u);

  // Exactly the oldest kept event's predecessor: nothing was missed.
  auto edge = subscribe("/v2/events?event_type=status_update_event", "E.5");
  ASSERT_TRUE(runUntil([&] { return edge->frames.size() == 2; }));
  EXPECT_EQ(edge->frames[0].id, "E.6");
  EXPECT_EQ(edge->frames[1].id, "E.8");
}

TEST_F(ServicesEventBusTest, IdsOfAnotherEpochOrMalformedAreGaps) {
  start();
  bus->publish("a", {});
  bus->reset("F");
  EXPECT_EQ(bus->lastId(), "F.0");
  for (std::string last : {"E.1", "garbage", "F.99", "F."}) {
    auto reader = subscribe("/v2/events", last);
    ASSERT_TRUE(runUntil([&] { return !reader->frames.empty(); })) << last;
    EXPECT_EQ(reader->frames[0].event, "events_missed_event") << last;
    EXPECT_EQ(reader->frames[0].json().at("lastEventId").as_string(), last);
  }
  EXPECT_EQ(bus->counters().gapsReported, 4u);
}

TEST_F(ServicesEventBusTest, ResetEndsStreamsWithoutDetachEvents) {
  start();
  auto reader = subscribe();
  ASSERT_TRUE(runUntil([&] { return reader->frames.size() == 1; }));
  bus->reset("F");
  ASSERT_TRUE(runUntil([&] { return reader->ended; }));
  EXPECT_EQ(bus->subscribers(), 0u);
  EXPECT_EQ(bus->counters().detached, 0u);
}

TEST_F(ServicesEventBusTest, DetachingPublishesAnEventToTheOthers) {
  start();
  auto watcher = subscribe();
  auto leaving = subscribe();
  ASSERT_TRUE(runUntil([&] { return bus->subscribers() == 2 && watcher->frames.size() == 2; }));
  leaving->stream->cancel();
  ASSERT_TRUE(runUntil([&] { return watcher->frames.size() == 3; }));
  EXPECT_EQ(watcher->frames[2].event, "event_stream_detached");
  EXPECT_TRUE(watcher->frames[2].json().contains("remoteAddress"));
  EXPECT_EQ(bus->subscribers(), 1u);
}

TEST_F(ServicesEventBusTest, IdleStreamsGetKeepaliveComments) {
  start({.keepalive = Seconds(0.02)});
  auto reader = subscribe();
  ASSERT_TRUE(runUntil([&] { return reader->comments >= 2; }));
  EXPECT_EQ(reader->frames.size(), 1u);  // comments are no events
}

TEST_F(ServicesEventBusTest, AReaderThatDoesNotKeepUpIsDropped) {
  start({.maxQueuedBytes = 64 * 1024});
  auto fast = subscribe();
  // A client that sends its request and never reads, with a tiny receive
  // buffer: its stream's queue grows until the bus drops it.
  boost::asio::ip::tcp::socket slow(io);
  slow.open(boost::asio::ip::tcp::v4());
  slow.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), endpoint.port});
  std::string request = "GET /v2/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
  boost::asio::write(slow, boost::asio::buffer(request));
  ASSERT_TRUE(runUntil([&] { return bus->subscribers() == 2; }));
  std::string big(16 * 1024, 'x');
  ASSERT_TRUE(runUntil([&] {
    // The next event once the fast reader has everything so far: it never
    // falls behind.
    if (fast->frames.size() == bus->counters().published) bus->publish("status_update_event", {{"padding", big}});
    return bus->counters().droppedSlow == 1;
  }));
  EXPECT_EQ(bus->subscribers(), 1u);
  size_t published = bus->counters().published;
  // The fast reader got everything, the detach event included.
  ASSERT_TRUE(runUntil([&] { return fast->frames.size() == published; }));
  EXPECT_EQ(fast->frames.back().event, "event_stream_detached");
}

}  // namespace
}  // namespace tepui::services
