// In-process cluster tests of the agent's side of the executor lifecycle,
// with custom executors that are plain shell commands: an executor that
// never subscribes is killed after --executor_registration_timeout and its
// task fails; a subscription (the test's own, pretending to be the
// executor) gets HEARTBEAT events every --executor_heartbeat_interval, an
// ERROR when a second subscription replaces it, and SHUTDOWN, after which
// the agent waits the executor's shutdown grace period before it kills it.
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <fstream>

#include "cluster.hpp"
#include "common/codec.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"
#include "http/recordio.hpp"
#include "tepui/v1/executor.pb.h"

namespace tepui::testing {
namespace {

using ExecutorEvent = v1::executor::Event;
using Clock = std::chrono::steady_clock;
const char* kResources = "cpus:4;mem:4096;disk:1024;ports:[31000-31100]";

// A subscription to an agent's executor API as executor `executorId`,
// retried until the agent knows the executor, on a loop thread of its own.
// Events are queued for the test with the time they arrived.
class ExecutorSubscription {
 public:
  ExecutorSubscription(http::Endpoint agent, const std::string& frameworkId, const std::string& executorId)
      : agent_(std::move(agent)) {
    call_.set_type(v1::executor::Call::SUBSCRIBE);
    call_.mutable_framework_id()->set_value(frameworkId);
    call_.mutable_executor_id()->set_value(executorId);
    call_.mutable_subscribe();
    thread_ = std::thread([this] {
      auto guard = boost::asio::make_work_guard(io_);
      io_.run();
    });
    boost::asio::post(io_, [this] { open(); });
  }
  ~ExecutorSubscription() {
    boost::asio::post(io_, [this] {
      retry_.cancel();
      if (stream_) stream_->cancel();
      client_.shutdown();
      io_.stop();
    });
    thread_.join();
  }

  // The next event of type `type`, skipping others, or nothing.
  std::optional<std::pair<ExecutorEvent, Clock::time_point>> next(ExecutorEvent::Type type,
                                                                  std::chrono::milliseconds timeout = 20s) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto event = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (event && event->first.type() == type) return event;
    }
    return std::nullopt;
  }

  // True once the agent has ended the stream.
  bool ended(std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return ended_; });
  }

  // The next event and when it arrived, or nothing after `timeout`.
  std::optional<std::pair<ExecutorEvent, Clock::time_point>> next(std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [this] { return !events_.empty(); })) return std::nullopt;
    auto event = std::move(events_.front());
    events_.pop_front();
    return event;
  }

 private:
  void open() {
    decoder_ = http::recordio::Decoder();
    http::StreamCallbacks callbacks;
    callbacks.onHead = [this](const http::Response& head) { accepted_ = head.status == 200; };
    callbacks.onData = [this](std::string_view data) {
      std::vector<std::string> records;
      if (!decoder_.feed(data, records)) return;
      std::lock_guard lock(mutex_);
      for (const auto& record : records) {
        ExecutorEvent event;
        if (codec::decode(record, codec::ContentType::JSON, &event)) events_.emplace_back(event, Clock::now());
      }
      cv_.notify_all();
    };
    callbacks.onEnd = [this](const Status&) {
      if (accepted_) {
        std::lock_guard lock(mutex_);
        ended_ = true;
        cv_.notify_all();
        return;
      }
      // Refused (the executor is not known yet): again.
      retry_.expires_after(100ms);
      retry_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) open();
      });
    };
    stream_ = client_.openStream(agent_, http::apiRequest("/api/v1/executor", call_, codec::ContentType::JSON, true),
                                 std::move(callbacks));
  }

  http::Endpoint agent_;
  v1::executor::Call call_;
  boost::asio::io_context io_;
  http::Client client_{io_};
  boost::asio::steady_timer retry_{io_};
  std::shared_ptr<http::ClientStream> stream_;
  http::recordio::Decoder decoder_;
  bool accepted_ = false;
  bool ended_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<ExecutorEvent, Clock::time_point>> events_;
};

class ExecutorClusterTest : public ::testing::Test {
 protected:
  // One agent with `tweak`ed flags, and a framework that launched `task`.
  TestScheduler& launch(std::function<void(agent::AgentFlags&)> tweak, const v1::TaskInfo& task) {
    cluster_.addAgent(kResources, std::move(tweak));
    scheduler_.emplace(cluster_.masterEndpoint(), frameworkInfo("executors"));
    scheduler_->subscribe();
    scheduler_->launch({task});
    return *scheduler_;
  }

  Cluster cluster_;
  std::optional<TestScheduler> scheduler_;
};

TEST_F(ExecutorClusterTest, ExecutorThatNeverSubscribesIsKilledAndItsTaskFails) {
  auto& s = launch([](agent::AgentFlags& f) { f.executor_registration_timeout = Seconds(0.5); },
                   customExecutorTask("task", "silent", "echo $$ > executor.pid; exec sleep 1000"));

  auto status = s.waitFor("task", v1::TASK_FAILED);
  EXPECT_EQ(status.reason(), v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT);
  EXPECT_EQ(status.source(), v1::TaskStatus::SOURCE_AGENT);
  EXPECT_EQ(status.executor_id().value(), "silent");
  EXPECT_EQ(status.message(), "Executor did not subscribe within 500ms");
  auto failure = s.next(Event::FAILURE).failure();
  EXPECT_EQ(failure.executor_id().value(), "silent");
  ASSERT_TRUE(failure.has_status());
  EXPECT_TRUE(WIFSIGNALED(failure.status()) && WTERMSIG(failure.status()) == SIGKILL) << failure.status();

  // The executor's process is gone (killed and reaped).
  auto sandbox = cluster_.workDir() / "agent-0" / "slaves" / cluster_.agent(0)->id() / "frameworks" / s.frameworkId() /
                 "executors" / "silent" / "runs" / "latest";
  pid_t pid = 0;
  std::ifstream(sandbox / "executor.pid") >> pid;
  ASSERT_GT(pid, 0);
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ExecutorClusterTest, SubscribedExecutorGetsHeartbeatsEveryInterval) {
  // The executor's command never subscribes: the test does, in its place.
  auto& s = launch([](agent::AgentFlags& f) { f.executor_heartbeat_interval = Seconds(0.2); },
                   customExecutorTask("task", "pretend", "sleep 30"));
  ExecutorSubscription subscription({"127.0.0.1", cluster_.agent(0)->port()}, s.frameworkId(), "pretend");

  auto subscribed = subscription.next();
  ASSERT_TRUE(subscribed);
  EXPECT_EQ(subscribed->first.type(), ExecutorEvent::SUBSCRIBED);
  auto launch = subscription.next();
  ASSERT_TRUE(launch);
  EXPECT_EQ(launch->first.type(), ExecutorEvent::LAUNCH);
  EXPECT_EQ(launch->first.launch().task().task_id().value(), "task");
  Clock::time_point third;
  for (int beats = 1; beats <= 3; ++beats) {
    auto heartbeat = subscription.next();
    ASSERT_TRUE(heartbeat) << "heartbeat " << beats << " never came";
    EXPECT_EQ(heartbeat->first.type(), ExecutorEvent::HEARTBEAT);
    third = heartbeat->second;
  }
  // Paced by the interval (three take 600 ms), not sent in a burst.
  EXPECT_GE(third - subscribed->second, 300ms);
}

TEST_F(ExecutorClusterTest, ASecondSubscriptionEndsTheFirstWithAnError) {
  auto& s = launch({}, customExecutorTask("task", "twice", "sleep 30"));
  http::Endpoint agent{"127.0.0.1", cluster_.agent(0)->port()};
  ExecutorSubscription first(agent, s.frameworkId(), "twice");
  ASSERT_TRUE(first.next(ExecutorEvent::LAUNCH));

  ExecutorSubscription second(agent, s.frameworkId(), "twice");
  ASSERT_TRUE(second.next(ExecutorEvent::SUBSCRIBED));
  auto error = first.next(ExecutorEvent::ERROR);
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->first.error().message().empty());
  EXPECT_TRUE(first.ended());
}

TEST_F(ExecutorClusterTest, ShutdownWaitsTheGracePeriodThenKillsTheExecutor) {
  // The executor ignores SIGTERM: only the agent's SIGKILL ends it.
  auto task =
      customExecutorTask("task", "stubborn", "echo $$ > executor.pid; trap '' TERM; while :; do sleep 0.05; done");
  task.mutable_executor()->mutable_shutdown_grace_period()->set_nanoseconds(1'000'000'000);
  auto& s = launch({}, task);
  ExecutorSubscription subscription({"127.0.0.1", cluster_.agent(0)->port()}, s.frameworkId(), "stubborn");
  ASSERT_TRUE(subscription.next(ExecutorEvent::LAUNCH));
  auto sandbox = cluster_.workDir() / "agent-0" / "slaves" / cluster_.agent(0)->id() / "frameworks" / s.frameworkId() /
                 "executors" / "stubborn" / "runs" / "latest";
  // The test subscribed in the executor's place: its shell may not have
  // written its pid yet.
  pid_t pid = 0;
  for (auto deadline = Clock::now() + 20s; pid <= 0 && Clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    std::ifstream(sandbox / "executor.pid") >> pid;
  }
  ASSERT_GT(pid, 0);

  v1::AgentID agentId;
  agentId.set_value(cluster_.agent(0)->id());
  s.run([&](auto& c) { c.shutdown(task.executor().executor_id(), agentId); });
  auto shutdown = subscription.next(ExecutorEvent::SHUTDOWN);
  ASSERT_TRUE(shutdown);
  // Within the grace period the executor is left to end by itself.
  std::this_thread::sleep_until(shutdown->second + 300ms);
  EXPECT_EQ(::kill(pid, 0), 0) << "killed before its grace period";

  auto killed = s.waitFor("task", v1::TASK_KILLED);
  EXPECT_EQ(killed.source(), v1::TaskStatus::SOURCE_AGENT);
  auto failure = s.next(Event::FAILURE).failure();
  EXPECT_GE(Clock::now() - shutdown->second, 900ms);  // not before the grace period
  ASSERT_TRUE(failure.has_status());
  EXPECT_TRUE(WIFSIGNALED(failure.status()) && WTERMSIG(failure.status()) == SIGKILL) << failure.status();
  EXPECT_EQ(::kill(pid, 0), -1);
}

}  // namespace
}  // namespace tepui::testing
