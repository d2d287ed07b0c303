// In-process cluster tests of MARK_AGENT_GONE: the mark is durable, the
// agent's tasks end as TASK_GONE_BY_OPERATOR (TASK_LOST without
// PARTITION_AWARE), reconciliation says so, the agent is shut down now and
// each time it tries to register again, and a master restarted on the same
// work dir still knows the agent as gone.
#include <atomic>
#include <future>

#include "operator_calls.hpp"
#include "support/eventually.hpp"

namespace tepui::testing {
namespace {

using Cap = v1::FrameworkInfo::Capability;

OperatorCall markGone(const std::string& agentId) {
  OperatorCall c = call(OperatorCall::MARK_AGENT_GONE);
  c.mutable_mark_agent_gone()->mutable_agent_id()->set_value(agentId);
  return c;
}

// Counts the SHUTDOWN events the agent receives and keeps the last reason.
struct ShutdownWatch {
  std::atomic<int> count{0};
  std::mutex mutex;
  std::string why;

  void watch(cli::InProcess<agent::Agent>& agent) {
    agent.call([this](agent::Agent& a) {
      a.onShutdown([this](const std::string& reason) {
        std::lock_guard lock(mutex);
        why = reason;
        count++;
      });
      return 0;
    });
  }
};

TEST(GoneAgentClusterTest, TasksEndGoneByOperatorAndTheAgentIsShutDownWheneverItReturns) {
  MasterWorkDir workDir("gone-test");
  master::MasterFlags flags = workDir.flags();
  std::string agentId;
  {
    Cluster cluster(flags);
    cluster.addAgent();
    ShutdownWatch shutdowns;
    shutdowns.watch(cluster.agent(0));
    TestScheduler aware(cluster.masterEndpoint(), frameworkInfo("aware", {Cap::PARTITION_AWARE}));
    TestScheduler legacy(cluster.masterEndpoint(), frameworkInfo("legacy"));
    aware.subscribe();
    aware.launch({commandTask("a", "sleep 1000")}, 3600.0);
    agentId = aware.waitFor("a", v1::TASK_RUNNING).agent_id().value();
    legacy.subscribe();
    legacy.launch({commandTask("b", "sleep 1000")}, 3600.0);
    legacy.waitFor("b", v1::TASK_RUNNING);

    // Bad calls first: no agent id, an unknown agent.
    auto missing = post(cluster, call(OperatorCall::MARK_AGENT_GONE));
    EXPECT_EQ(missing.status, 400);
    EXPECT_NE(missing.body.find("mark_agent_gone"), std::string::npos) << missing.body;
    auto unknown = post(cluster, markGone("no-such-agent"));
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("no-such-agent"), std::string::npos) << unknown.body;

    ASSERT_EQ(post(cluster, markGone(agentId)).status, 200);
    auto gone = aware.waitFor("a", v1::TASK_GONE_BY_OPERATOR);
    EXPECT_EQ(gone.reason(), v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR);
    EXPECT_EQ(gone.source(), v1::TaskStatus::SOURCE_MASTER);
    EXPECT_FALSE(gone.has_unreachable_time());
    EXPECT_EQ(legacy.waitFor("b", v1::TASK_LOST).reason(), v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR);
    EXPECT_EQ(post(cluster, markGone(agentId)).status, 200);  // already gone: nothing more to do

    // Reconciliation knows the agent as gone.
    v1::TaskID a;
    a.set_value("a");
    v1::AgentID agent;
    agent.set_value(agentId);
    aware.run([&](auto& c) { c.reconcile({{a, agent}}); });
    EXPECT_EQ(aware.waitFor("a", v1::TASK_GONE_BY_OPERATOR).reason(), v1::TaskStatus::REASON_RECONCILIATION);

    // The agent was told to shut down, and is told again each time it comes
    // back (this one keeps running and re-registering: nothing stops it).
    ASSERT_TRUE(eventually([&] { return shutdowns.count >= 2; })) << shutdowns.count;
    {
      std::lock_guard lock(shutdowns.mutex);
      EXPECT_NE(shutdowns.why.find("marked gone"), std::string::npos) << shutdowns.why;
    }
    auto agents = decoded(post(cluster, call(OperatorCall::GET_AGENTS))).get_agents();
    EXPECT_EQ(agents.agents_size(), 0);
    auto tasks = decoded(post(cluster, call(OperatorCall::GET_TASKS))).get_tasks();
    EXPECT_EQ(tasks.tasks_size(), 0);
    EXPECT_EQ(tasks.completed_tasks_size(), 2);
  }
  // The registry keeps the mark: the restarted master neither waits for the
  // agent nor forgets that it is gone.
  Cluster restarted(flags);
  EXPECT_EQ(restarted.get("/master/state").find(agentId), std::string::npos);
  EXPECT_EQ(post(restarted, markGone(agentId)).status, 200);
}

TEST(GoneAgentClusterTest, AnUnreachableAgentMarkedGoneEndsItsUnreachableTasks) {
  master::MasterFlags flags;
  flags.agent_ping_timeout = Seconds(0.2);
  flags.max_agent_ping_timeouts = 2;
  Cluster cluster(flags);
  cluster.addAgent();
  ShutdownWatch shutdowns;
  shutdowns.watch(cluster.agent(0));
  TestScheduler aware(cluster.masterEndpoint(), frameworkInfo("aware", {Cap::PARTITION_AWARE}));
  aware.subscribe();
  aware.launch({commandTask("a", "sleep 1000")});
  std::string agentId = aware.waitFor("a", v1::TASK_RUNNING).agent_id().value();

  // Freeze the agent's loop: it answers no ping, as if cut off.
  std::promise<void> release;
  auto released = release.get_future().share();
  boost::asio::post(cluster.agent(0).io(), [released] { released.wait(); });
  aware.waitFor("a", v1::TASK_UNREACHABLE);

  ASSERT_EQ(post(cluster, markGone(agentId)).status, 200);
  EXPECT_EQ(aware.waitFor("a", v1::TASK_GONE_BY_OPERATOR).reason(), v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR);

  // Back from the partition, the agent is shut down instead of re-admitted.
  release.set_value();
  ASSERT_TRUE(eventually([&] { return shutdowns.count >= 1; }));
  auto tasks = decoded(post(cluster, call(OperatorCall::GET_TASKS))).get_tasks();
  EXPECT_EQ(tasks.tasks_size(), 0);
  EXPECT_EQ(tasks.unreachable_tasks_size(), 0);
  ASSERT_EQ(tasks.completed_tasks_size(), 1);
  EXPECT_EQ(tasks.completed_tasks(0).state(), v1::TASK_GONE_BY_OPERATOR);
}

}  // namespace
}  // namespace tepui::testing
