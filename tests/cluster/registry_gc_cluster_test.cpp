// The registry forgets unreachable agents past --registry_max_agent_age:
// afterwards reconciliation knows the task as TASK_UNKNOWN, and the agent,
// once back, is admitted again with its task.
#include <boost/json.hpp>

#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

using Cap = v1::FrameworkInfo::Capability;

TEST(RegistryGcClusterTest, AnUnreachableAgentIsForgottenAfterTheMaxAgeAndAdmittedWhenItReturns) {
  MasterWorkDir workDir("registry-gc-test");
  master::MasterFlags flags = workDir.flags();
  flags.agent_ping_timeout = Seconds(0.2);
  flags.max_agent_ping_timeouts = 2;
  flags.registry_max_agent_age = Seconds(0.5);
  flags.registry_gc_interval = Seconds(0.1);
  Cluster cluster(flags);
  cluster.addAgent();
  TestScheduler aware(cluster.masterEndpoint(), frameworkInfo("aware", {Cap::PARTITION_AWARE}));
  aware.subscribe();
  aware.launch({commandTask("a", "sleep 1000")});
  v1::AgentID agentId = aware.waitFor("a", v1::TASK_RUNNING).agent_id();

  // Freeze the agent's loop: it answers no ping, as if cut off.
  std::promise<void> release;
  auto released = release.get_future().share();
  boost::asio::post(cluster.agent(0).io(), [released] { released.wait(); });
  aware.waitFor("a", v1::TASK_UNREACHABLE);
  auto unreachableAgents = [&] {
    return boost::json::parse(cluster.get("/master/state")).as_object().at("unreachable_slaves").as_int64();
  };
  EXPECT_EQ(unreachableAgents(), 1);
  ASSERT_TRUE(eventually([&] { return unreachableAgents() == 0; }));

  v1::TaskID taskId;
  taskId.set_value("a");
  aware.run([&](auto& c) { c.reconcile({{taskId, agentId}}); });
  auto answer = aware.waitFor("a", v1::TASK_UNKNOWN);
  EXPECT_EQ(answer.reason(), v1::TaskStatus::REASON_RECONCILIATION);

  release.set_value();
  EXPECT_EQ(aware.waitFor("a", v1::TASK_RUNNING).agent_id().value(), agentId.value());
}

}  // namespace
}  // namespace tepui::testing
