// The framework link against a scripted master: a real HTTP server on
// loopback that answers SUBSCRIBE with whatever events a test writes
// (the one fake here, for what a real master does not do on demand: fall
// silent, send ERROR, end a stream under an unacknowledged update).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "common/codec.hpp"
#include "frameworks/framework_link.hpp"
#include "http/recordio.hpp"
#include "http/server.hpp"
#include "support/run_loop.hpp"

namespace tepui::frameworks {
namespace {

using namespace std::chrono_literals;
using Call = v1::scheduler::Call;
using Event = v1::scheduler::Event;

class ScriptedMaster {
 public:
  explicit ScriptedMaster(boost::asio::io_context& io) : server_(io) {
    server_.route("/api/v1/scheduler", [this](http::Request& r, http::Responder p) {
      Call call;
      if (!codec::decode(r.body, codec::ContentType::PROTOBUF, &call)) {
        return p.respond(http::Response::text(400, "bad call"));
      }
      calls.push_back(call);
      if (call.type() != Call::SUBSCRIBE) return p.respond(http::Response::empty(202));
      http::Response head = http::Response::empty(200);
      head.headers["Content-Type"] = std::string(codec::mediaType(codec::ContentType::PROTOBUF));
      head.headers["Mesos-Stream-Id"] = "stream-" + std::to_string(calls.size());
      stream = p.stream(std::move(head));
      Event subscribed;
      subscribed.set_type(Event::SUBSCRIBED);
      subscribed.mutable_subscribed()->mutable_framework_id()->set_value("fw-1");
      subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(heartbeatSeconds);
      send(subscribed);
    });
    EXPECT_TRUE(server_.listen("127.0.0.1", 0).ok());
  }

  void send(const Event& event) {
    if (stream) stream->write(http::recordio::encode(codec::encode(event, codec::ContentType::PROTOBUF)));
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }
  size_t count(Call::Type type) const {
    return std::count_if(calls.begin(), calls.end(), [&](const Call& c) { return c.type() == type; });
  }
  void stop() { server_.stop(); }

  double heartbeatSeconds = 15;
  std::vector<Call> calls;
  std::shared_ptr<http::Stream> stream;

 private:
  http::Server server_;
};

class FrameworkLinkTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (link) link->stop();
    master.stop();
  }
  void start() {
    FrameworkLinkOptions options;
    options.master = master.address();
    options.info.set_name("scripted");
    options.info.set_user("nobody");
    options.minBackoff = Seconds(0.01);
    options.maxBackoff = Seconds(0.05);
    link = std::make_unique<FrameworkLink>(io, options, "");
    link->callbacks().onError = [this](const std::string& why) { error = why; };
    ASSERT_TRUE(link->start().ok());
  }
  bool runUntil(const std::function<bool()>& done) { return testing::runLoopUntil(io, done, 10s); }

  boost::asio::io_context io;
  ScriptedMaster master{io};
  std::unique_ptr<FrameworkLink> link;
  std::optional<std::string> error;
};

TEST_F(FrameworkLinkTest, ASilentStreamIsTakenForDeadAndSubscribedAgainWithTheId) {
  master.heartbeatSeconds = 0.02;  // and then nothing, not even heartbeats
  start();
  ASSERT_TRUE(runUntil([&] { return master.count(Call::SUBSCRIBE) >= 2; }));
  EXPECT_FALSE(master.calls.front().subscribe().framework_info().has_id());
  const Call& again = master.calls.back();
  EXPECT_EQ(again.subscribe().framework_info().id().value(), "fw-1");
  EXPECT_GE(link->counters().disconnections, 1u);
  const auto& info = again.subscribe().framework_info();
  EXPECT_TRUE(info.checkpoint());
  ASSERT_EQ(info.capabilities_size(), 2);
  EXPECT_EQ(info.capabilities(0).type(), v1::FrameworkInfo::Capability::PARTITION_AWARE);
  EXPECT_EQ(info.capabilities(1).type(), v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
}

TEST_F(FrameworkLinkTest, AnAckFromAnEndedStreamIsNotSent) {
  std::vector<FrameworkLink::Ack> acks;
  start();
  link->callbacks().onUpdate = [&](const v1::TaskStatus&, FrameworkLink::Ack ack) { acks.push_back(ack); };
  ASSERT_TRUE(runUntil([&] { return link->subscribed(); }));
  Event update;
  update.set_type(Event::UPDATE);
  auto* status = update.mutable_update()->mutable_status();
  status->mutable_task_id()->set_value("t1");
  status->mutable_agent_id()->set_value("a1");
  status->set_state(v1::TASK_RUNNING);
  status->set_uuid("0123456789abcdef");
  master.send(update);
  ASSERT_TRUE(runUntil([&] { return acks.size() == 1; }));
  EXPECT_EQ(master.count(Call::ACKNOWLEDGE), 0u);  // not until the caller says so

  master.stream->close();  // the stream ends under the unacknowledged update
  ASSERT_TRUE(runUntil([&] { return master.count(Call::SUBSCRIBE) == 2 && link->subscribed(); }));
  acks[0]();  // too late: the master sends the update again
  master.send(update);
  ASSERT_TRUE(runUntil([&] { return acks.size() == 2; }));
  acks[1]();
  ASSERT_TRUE(runUntil([&] { return master.count(Call::ACKNOWLEDGE) == 1; }));
  EXPECT_EQ(link->counters().acknowledgements, 1u);
  // Each subscription: one implicit reconciliation (no task was listed).
  EXPECT_EQ(master.count(Call::RECONCILE), 2u);
}

TEST_F(FrameworkLinkTest, AnErrorEventStopsTheLink) {
  start();
  ASSERT_TRUE(runUntil([&] { return link->subscribed(); }));
  Event refusal;
  refusal.set_type(Event::ERROR);
  refusal.mutable_error()->set_message("Framework has been removed");
  master.send(refusal);
  ASSERT_TRUE(runUntil([&] { return error.has_value(); }));
  EXPECT_NE(error->find("Framework has been removed"), std::string::npos);
  EXPECT_FALSE(link->subscribed());
  master.stream->close();
  EXPECT_FALSE(testing::runLoopUntil(
      io, [&] { return master.count(Call::SUBSCRIBE) > 1; }, 200ms));
}

}  // namespace
}  // namespace tepui::frameworks
