// In-process cluster tests of the master's operator event stream
// (SUBSCRIBE) in protobuf, of its subscriber limit
// (--max_operator_event_stream_subscribers drops the oldest), of GET_STATE
// answers under many concurrent callers (each fresh: it shows what happened
// before it was asked), and of KILL_TASK. The JSON stream's order and
// completeness while tasks churn are checked end to end
// (tests/e2e/test_operator_events.py).
#include <boost/asio/executor_work_guard.hpp>

#include "http/recordio.hpp"
#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

using OperatorEvent = v1::master::Event;

// One SUBSCRIBE stream, read on its own loop thread; its events are queued.
class OperatorStream {
 public:
  OperatorStream(const http::Endpoint& master, codec::ContentType type) : type_(type), client_(io_) {
    auto request = http::apiRequest("/api/v1", call(OperatorCall::SUBSCRIBE), type);
    request.headers["Accept"] = std::string(codec::mediaType(type));
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
    boost::asio::post(io_, [this, master, request = std::move(request)]() mutable {
      stream_ = client_.openStream(master, std::move(request),
                                   http::StreamCallbacks{[this](const http::Response& head) {
                                                           std::lock_guard lock(mutex_);
                                                           status_ = head.status;
                                                           contentType_ = head.headers.count("Content-Type")
                                                                              ? head.headers.at("Content-Type")
                                                                              : "";
                                                         },
                                                         [this](std::string_view data) {
                                                           std::vector<std::string> records;
                                                           (void)decoder_.feed(data, records);
                                                           std::lock_guard lock(mutex_);
                                                           for (auto& r : records) {
                                                             OperatorEvent e;
                                                             EXPECT_TRUE(codec::decode(r, type_, &e));
                                                             events_.push_back(std::move(e));
                                                           }
                                                         },
                                                         [this](const Status&) {
                                                           std::lock_guard lock(mutex_);
                                                           ended_ = true;
                                                         }});
    });
  }
  ~OperatorStream() {
    boost::asio::post(io_, [this] { stream_.reset(); });
    io_.stop();
    thread_.join();
  }

  // The next event, waiting up to 20 s.
  std::optional<OperatorEvent> next() {
    std::optional<OperatorEvent> out;
    eventually([&] {
      std::lock_guard lock(mutex_);
      if (events_.empty()) return false;
      out = std::move(events_.front());
      events_.pop_front();
      return true;
    });
    return out;
  }
  // The next event of `type`, skipping others.
  std::optional<OperatorEvent> next(OperatorEvent::Type type) {
    for (auto e = next(); e; e = next()) {
      if (e->type() == type) return e;
    }
    return std::nullopt;
  }
  bool ended() {
    std::lock_guard lock(mutex_);
    return ended_;
  }
  std::string contentType() {
    std::lock_guard lock(mutex_);
    return contentType_;
  }

 private:
  codec::ContentType type_;
  boost::asio::io_context io_;
  http::Client client_;
  std::shared_ptr<http::ClientStream> stream_;
  http::recordio::Decoder decoder_;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<OperatorEvent> events_;
  int status_ = 0;
  std::string contentType_;
  bool ended_ = false;
};

TEST(OperatorEventsClusterTest, TheProtobufStreamOpensWithTheStateThenCarriesTheTasksChanges) {
  Cluster cluster;
  ASSERT_TRUE(cluster.agentRegistered(cluster.addAgent()));
  OperatorStream stream(cluster.masterEndpoint(), codec::ContentType::PROTOBUF);
  auto subscribed = stream.next();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(stream.contentType(), "application/x-protobuf");
  ASSERT_EQ(subscribed->type(), OperatorEvent::SUBSCRIBED);
  EXPECT_EQ(subscribed->subscribed().heartbeat_interval_seconds(), 15);
  EXPECT_EQ(subscribed->subscribed().get_state().get_agents().agents_size(), 1);
  EXPECT_EQ(stream.next()->type(), OperatorEvent::HEARTBEAT);

  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("watched"));
  s.subscribe();
  auto added = stream.next(OperatorEvent::FRAMEWORK_ADDED);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->framework_added().framework().framework_info().id().value(), s.frameworkId());
  EXPECT_TRUE(added->framework_added().framework().active());
  s.launch({commandTask("seen", "sleep 1000")});
  auto task = stream.next(OperatorEvent::TASK_ADDED);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->task_added().task().task_id().value(), "seen");
  EXPECT_EQ(task->task_added().task().state(), v1::TASK_STAGING);
  s.waitFor("seen", v1::TASK_RUNNING);
  std::optional<OperatorEvent> update;
  do {
    update = stream.next(OperatorEvent::TASK_UPDATED);
  } while (update && update->task_updated().state() != v1::TASK_RUNNING);
  ASSERT_TRUE(update);
  EXPECT_EQ(update->task_updated().framework_id().value(), s.frameworkId());
  EXPECT_EQ(update->task_updated().status().task_id().value(), "seen");

  // KILL_TASK: the framework sees its task killed, as the stream does.
  OperatorCall kill = call(OperatorCall::KILL_TASK);
  kill.mutable_kill_task()->mutable_task_id()->set_value("seen");
  EXPECT_EQ(post(cluster, kill).status, 200);
  s.waitFor("seen", v1::TASK_KILLED);
  do {
    update = stream.next(OperatorEvent::TASK_UPDATED);
  } while (update && update->task_updated().state() != v1::TASK_KILLED);
  ASSERT_TRUE(update);
  kill.mutable_kill_task()->mutable_framework_id()->set_value("no-such-framework");
  auto refused = post(cluster, kill);
  EXPECT_EQ(refused.status, 404);
  EXPECT_NE(refused.body.find("no-such-framework"), std::string::npos) << refused.body;
  EXPECT_EQ(post(cluster, call(OperatorCall::KILL_TASK)).status, 400);  // no kill_task
}

TEST(OperatorEventsClusterTest, BeyondTheSubscriberLimitTheOldestStreamIsDropped) {
  master::MasterFlags flags;
  flags.max_operator_event_stream_subscribers = 2;
  Cluster cluster(flags);
  OperatorStream first(cluster.masterEndpoint(), codec::ContentType::JSON);
  ASSERT_EQ(first.next()->type(), OperatorEvent::SUBSCRIBED);
  OperatorStream second(cluster.masterEndpoint(), codec::ContentType::JSON);
  ASSERT_EQ(second.next()->type(), OperatorEvent::SUBSCRIBED);
  EXPECT_FALSE(first.ended());
  OperatorStream third(cluster.masterEndpoint(), codec::ContentType::JSON);
  ASSERT_EQ(third.next()->type(), OperatorEvent::SUBSCRIBED);
  EXPECT_TRUE(eventually([&] { return first.ended(); }));
  EXPECT_FALSE(second.ended());
  // The others still hear of changes.
  ASSERT_TRUE(cluster.agentRegistered(cluster.addAgent()));
  EXPECT_TRUE(second.next(OperatorEvent::AGENT_ADDED));
  EXPECT_TRUE(third.next(OperatorEvent::AGENT_ADDED));
}

TEST(OperatorEventsClusterTest, ConcurrentGetStateCallsEachSeeWhatHappenedBeforeThem) {
  Cluster cluster;
  ASSERT_TRUE(cluster.agentRegistered(cluster.addAgent()));
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("polled"));
  s.subscribe();
  std::atomic<bool> stop = false;
  std::atomic<int> answered = 0, bad = 0;
  std::vector<std::thread> pollers;
  for (int i = 0; i < 8; ++i) {
    pollers.emplace_back([&, i] {
      auto type = i % 2 ? codec::ContentType::PROTOBUF : codec::ContentType::JSON;
      while (!stop) {
        auto r = post(cluster, call(OperatorCall::GET_STATE), type, std::string(codec::mediaType(type)));
        OperatorResponse decodedState;
        if (r.status != 200 || !codec::decode(r.body, type, &decodedState) ||
            decodedState.get_state().get_frameworks().frameworks_size() != 1) {
          bad++;
        }
        answered++;
      }
    });
  }
  // While they poll: each launch is visible to the next call made after it.
  for (int i = 0; i < 5; ++i) {
    std::string id = "t" + std::to_string(i);
    s.launch({commandTask(id, "sleep 1000")}, 0.0);
    s.waitFor(id, v1::TASK_RUNNING);
    auto state = decoded(post(cluster, call(OperatorCall::GET_STATE))).get_state();
    EXPECT_EQ(state.get_tasks().tasks_size(), i + 1);
  }
  stop = true;
  for (auto& t : pollers) t.join();
  EXPECT_GT(answered.load(), 8);
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace tepui::testing
