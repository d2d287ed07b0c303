// In-process cluster tests of the scheduler-facing behaviour: launching,
// killing with a grace period, reliable updates across a scheduler
// reconnect, framework failover and its timeout, and a second subscription
// replacing the first. Real master, agents, executors and processes.
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>

#include "cluster.hpp"

namespace tepui::testing {
namespace {

using Cap = v1::FrameworkInfo::Capability;

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ClusterTest, TaskRunsInItsSandboxAndFinishes) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("sandbox"));
  s.subscribe();
  auto task = commandTask("hello", "echo hello from $MESOS_TASK_ID; pwd; echo oops >&2");
  task.mutable_command()->mutable_environment()->add_variables()->set_name("MESOS_TASK_ID");
  task.mutable_command()->mutable_environment()->mutable_variables(0)->set_value("hello");
  s.launch({task});
  EXPECT_EQ(s.waitFor("hello", v1::TASK_STARTING).source(), v1::TaskStatus::SOURCE_EXECUTOR);
  s.waitFor("hello", v1::TASK_RUNNING);
  auto finished = s.waitFor("hello", v1::TASK_FINISHED);
  EXPECT_EQ(finished.message(), "Command exited with status 0");

  // Mesos's sandbox layout, with the output in stdout and stderr.
  auto runs = cluster.workDir() / "agent-0" / "slaves" / finished.agent_id().value() / "frameworks" / s.frameworkId() /
              "executors" / "hello" / "runs";
  auto sandbox = std::filesystem::canonical(runs / "latest");
  EXPECT_EQ(readFile(sandbox / "stdout"), "hello from hello\n" + sandbox.string() + "\n");
  EXPECT_EQ(readFile(sandbox / "stderr"), "oops\n");
}

// Waits until the task's stdout in its sandbox contains `text`.
bool waitForOutput(Cluster& cluster, const TestScheduler& s, const std::string& taskId, const std::string& text) {
  auto agents = cluster.workDir() / "agent-0" / "slaves";
  for (int i = 0; i < 2000; ++i) {
    std::error_code ec;
    for (auto& agent : std::filesystem::directory_iterator(agents, ec)) {
      auto out = agent.path() / "frameworks" / s.frameworkId() / "executors" / taskId / "runs" / "latest" / "stdout";
      if (readFile(out).find(text) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

TEST(ClusterTest, KillSendsTermThenKillAfterTheGracePeriod) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("kill", {Cap::TASK_KILLING_STATE}));
  s.subscribe();
  // The task ignores SIGTERM, so only the SIGKILL after the grace ends it.
  auto task = commandTask("stubborn", "trap '' TERM; echo ready; while true; do sleep 0.05; done");
  task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(300'000'000);
  auto offer = s.launch({task});
  s.waitFor("stubborn", v1::TASK_RUNNING);
  ASSERT_TRUE(waitForOutput(cluster, s, "stubborn", "ready"));  // its trap is set
  auto start = std::chrono::steady_clock::now();
  s.run([&](auto& c) { c.kill(task.task_id(), offer.agent_id()); });
  s.waitFor("stubborn", v1::TASK_KILLING);
  auto killed = s.waitFor("stubborn", v1::TASK_KILLED);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_NE(killed.message().find("signal 9"), std::string::npos) << killed.message();
}

TEST(ClusterTest, TheKillCallsGracePeriodShortensTheTasksAndNoKillingStateWithoutTheCapability) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("kill-policy"));  // no TASK_KILLING_STATE
  s.subscribe();
  auto task = commandTask("stubborn", "trap '' TERM; echo ready; while true; do sleep 0.05; done");
  task.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(600'000'000'000);  // 10 minutes
  auto offer = s.launch({task});
  s.waitFor("stubborn", v1::TASK_RUNNING);
  ASSERT_TRUE(waitForOutput(cluster, s, "stubborn", "ready"));  // its trap is set
  s.run([&](auto& c) { c.kill(task.task_id(), offer.agent_id(), 0.2); });
  // Only SIGKILL ends it; well before the task's own 10 minutes.
  auto next = s.next(Event::UPDATE, 60s);
  ASSERT_TRUE(next.has_update());
  EXPECT_EQ(next.update().status().state(), v1::TASK_KILLED);  // no TASK_KILLING first
  EXPECT_NE(next.update().status().message().find("signal 9"), std::string::npos) << next.update().status().message();
}

TEST(ClusterTest, UnacknowledgedUpdateIsResentAfterSchedulerReconnects) {
  Cluster cluster;
  cluster.addAgent();
  auto info = frameworkInfo("reliable", {}, 3600);
  auto s = std::make_unique<TestScheduler>(cluster.masterEndpoint(), info);
  s->subscribe();
  s->launch({commandTask("t", "sleep 0.3")});
  auto starting = s->waitFor("t", v1::TASK_STARTING, /*ack=*/false);
  std::string uuid = starting.uuid();
  ASSERT_EQ(uuid.size(), 16u);

  // The scheduler goes away without acknowledging, then comes back.
  info.mutable_id()->set_value(s->frameworkId());
  s.reset();
  TestScheduler again(cluster.masterEndpoint(), info);
  again.subscribe();
  EXPECT_EQ(again.frameworkId(), info.id().value());
  auto resent = again.waitFor("t", v1::TASK_STARTING, /*ack=*/true);
  EXPECT_EQ(resent.uuid(), uuid);  // the same update, not a new one
  // Order holds: nothing after STARTING came before it was acknowledged.
  again.waitFor("t", v1::TASK_RUNNING);
  again.waitFor("t", v1::TASK_FINISHED);
}

TEST(ClusterTest, AgentResendsAnUnacknowledgedUpdate) {
  Cluster cluster;
  cluster.addAgent("cpus:2;mem:1024", [](agent::AgentFlags& f) { f.status_update_retry_interval = Seconds(0.2); });
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("retry"));
  s.subscribe();
  s.launch({commandTask("t", "true")});
  auto first = s.waitFor("t", v1::TASK_STARTING, /*ack=*/false);
  auto again = s.waitFor("t", v1::TASK_STARTING, /*ack=*/false);
  EXPECT_EQ(first.uuid(), again.uuid());
  s.acknowledge(again);
  s.waitFor("t", v1::TASK_RUNNING);
  s.waitFor("t", v1::TASK_FINISHED);
}

TEST(ClusterTest, DisconnectedFrameworkIsRemovedAfterItsFailoverTimeout) {
  Cluster cluster;
  cluster.addAgent();
  auto s = std::make_unique<TestScheduler>(cluster.masterEndpoint(), frameworkInfo("short-lived", {}, 0.3));
  s->subscribe();
  std::string id = s->frameworkId();
  s->launch({commandTask("forever", "sleep 1000")});
  s->waitFor("forever", v1::TASK_RUNNING);
  s.reset();  // connection drops

  auto deadline = std::chrono::steady_clock::now() + 20s;
  bool removed = false;
  while (!removed && std::chrono::steady_clock::now() < deadline) {
    auto state = boost::json::parse(cluster.get("/master/state")).as_object();
    for (auto& f : state["completed_frameworks"].as_array()) removed |= f.at("id").as_string() == id;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(removed);
  // A removed framework cannot come back.
  auto info = frameworkInfo("short-lived", {}, 0.3);
  info.mutable_id()->set_value(id);
  TestScheduler again(cluster.masterEndpoint(), info);
  again.run([](auto& c) { c.subscribe(); });
  auto error = again.next(Event::ERROR);
  EXPECT_EQ(error.error().message(), "Framework has been removed");
}

TEST(ClusterTest, FrameworkKeepsItsTasksWhenItResubscribesInTime) {
  Cluster cluster;
  cluster.addAgent();
  auto info = frameworkInfo("failover", {}, 3600);
  auto s = std::make_unique<TestScheduler>(cluster.masterEndpoint(), info);
  s->subscribe();
  info.mutable_id()->set_value(s->frameworkId());
  auto offer = s->launch({commandTask("keep", "sleep 1000")});
  s->waitFor("keep", v1::TASK_RUNNING);
  s.reset();

  TestScheduler again(cluster.masterEndpoint(), info);
  again.subscribe();
  again.run([](auto& c) { c.reconcile(); });
  auto status = again.waitFor("keep", v1::TASK_RUNNING);
  EXPECT_EQ(status.reason(), v1::TaskStatus::REASON_RECONCILIATION);
  v1::TaskID id;
  id.set_value("keep");
  again.run([&](auto& c) { c.kill(id, offer.agent_id()); });
  again.waitFor("keep", v1::TASK_KILLED);
}

TEST(ClusterTest, SecondSubscriptionReplacesTheFirst) {
  Cluster cluster;
  auto info = frameworkInfo("twice", {}, 60);
  TestScheduler first(cluster.masterEndpoint(), info);
  first.subscribe();
  info.mutable_id()->set_value(first.frameworkId());
  TestScheduler second(cluster.masterEndpoint(), info);
  second.subscribe();
  EXPECT_EQ(first.next(Event::ERROR).error().message(), "Framework failed over");
}

}  // namespace
}  // namespace tepui::testing
