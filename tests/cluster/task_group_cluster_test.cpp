// In-process cluster tests of task groups (LAUNCH_GROUP) run by the default
// executor (`tepui executor default`, real processes): the tasks of a group
// start together in one executor with a sandbox each inside the shared one;
// one failing member (or one failing its health check) takes the others
// down; a KILL for one member kills the group; invalid groups are refused as a whole with TASK_ERROR.
#include <fstream>
#include <sstream>

#include "cluster.hpp"

namespace tepui::testing {
namespace {

using Cap = v1::FrameworkInfo::Capability;

std::vector<v1::TaskState> states(const std::vector<v1::TaskStatus>& updates) {
  std::vector<v1::TaskState> out;
  for (auto& u : updates) out.push_back(u.state());
  return out;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The executor sandbox of `executorId` on the cluster's first agent.
std::filesystem::path executorSandbox(Cluster& cluster, const std::string& frameworkId, const std::string& executorId) {
  auto agent = cluster.workDir() / "agent-0" / "slaves" / cluster.agent(0)->id();
  return agent / "frameworks" / frameworkId / "executors" / executorId / "runs" / "latest";
}

TEST(TaskGroupClusterTest, TasksOfAGroupRunTogetherEachInItsOwnSandbox) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("groups"));
  s.subscribe();
  s.launchGroup(defaultExecutor("pod"),
                {commandTask("web", "echo web in $(basename $MESOS_SANDBOX); echo shared >../../from-web; sleep 0.3"),
                 commandTask("side", "echo side in $(basename $MESOS_SANDBOX) >&2; sleep 0.3")});
  auto seen = s.untilTerminal({"web", "side"});
  for (auto& id : {"web", "side"}) {
    EXPECT_EQ(states(seen[id]), (std::vector{v1::TASK_STARTING, v1::TASK_RUNNING, v1::TASK_FINISHED})) << id;
    ASSERT_FALSE(seen[id].empty());
    EXPECT_EQ(seen[id].back().executor_id().value(), "pod");
    EXPECT_EQ(seen[id].back().source(), v1::TaskStatus::SOURCE_EXECUTOR);
  }
  auto sandbox = executorSandbox(cluster, s.frameworkId(), "pod");
  EXPECT_EQ(slurp(sandbox / "tasks" / "web" / "stdout"), "web in web\n");
  EXPECT_EQ(slurp(sandbox / "tasks" / "side" / "stderr"), "side in side\n");
  EXPECT_EQ(slurp(sandbox / "from-web"), "shared\n");

  // The master shows both tasks finished under the group's executor.
  auto state = cluster.get("/master/state");
  EXPECT_NE(state.find("\"executor_id\":\"pod\""), std::string::npos) << state;
}

TEST(TaskGroupClusterTest, WhenOneTaskFailsTheOthersAreKilled) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("groups"));
  s.subscribe();
  s.launchGroup(defaultExecutor("pod"), {commandTask("bad", "sleep 0.5; exit 3"), commandTask("long", "sleep 1000"),
                                         commandTask("longer", "sleep 1000")});
  auto seen = s.untilTerminal({"bad", "long", "longer"});
  ASSERT_FALSE(seen["bad"].empty());
  EXPECT_EQ(seen["bad"].back().state(), v1::TASK_FAILED);
  EXPECT_EQ(seen["bad"].back().message(), "Command exited with status 3");
  for (auto& id : {"long", "longer"}) {
    ASSERT_FALSE(seen[id].empty());
    EXPECT_EQ(seen[id].back().state(), v1::TASK_KILLED) << id;
    EXPECT_NE(seen[id].back().message().find("task bad of its group ended"), std::string::npos)
        << seen[id].back().message();
  }
  // The executor ends with its last task; the framework hears of it.
  auto failure = s.next(Event::FAILURE);
  EXPECT_EQ(failure.failure().executor_id().value(), "pod");
}

TEST(TaskGroupClusterTest, AMemberFailingItsHealthCheckIsKilledWithItsGroup) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("groups"));
  s.subscribe();
  // Healthy while the file `up` is in its own sandbox, which it removes.
  auto probed = commandTask("probed", "touch up; sleep 1; rm up; exec sleep 1000");
  auto* check = probed.mutable_health_check();
  check->set_type(v1::HealthCheck::COMMAND);
  check->mutable_command()->set_value("test -f up");
  check->set_delay_seconds(0);
  check->set_interval_seconds(0.1);
  check->set_grace_period_seconds(15);
  check->set_consecutive_failures(2);
  s.launchGroup(defaultExecutor("pod"), {probed, commandTask("sibling", "sleep 1000")});
  auto seen = s.untilTerminal({"probed", "sibling"});

  std::vector<bool> health;
  for (auto& u : seen["probed"]) {
    if (u.reason() == v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED) health.push_back(u.healthy());
  }
  EXPECT_EQ(health, (std::vector{true, false}));
  ASSERT_FALSE(seen["probed"].empty());
  EXPECT_EQ(seen["probed"].back().state(), v1::TASK_KILLED);
  EXPECT_NE(seen["probed"].back().message().find("failed 2 consecutive health checks"), std::string::npos)
      << seen["probed"].back().message();
  ASSERT_FALSE(seen["sibling"].empty());
  EXPECT_EQ(seen["sibling"].back().state(), v1::TASK_KILLED);
  EXPECT_FALSE(seen["sibling"].back().has_healthy());  // it has no health check
}

TEST(TaskGroupClusterTest, KillingOneTaskKillsItsGroupWithTaskKillingFirst) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("groups", {Cap::TASK_KILLING_STATE}));
  s.subscribe();
  s.launchGroup(defaultExecutor("pod"), {commandTask("a", "sleep 1000"), commandTask("b", "sleep 1000")});
  s.waitFor("a", v1::TASK_RUNNING);
  v1::TaskID a;
  a.set_value("a");
  s.run([&](auto& c) { c.kill(a); });
  auto seen = s.untilTerminal({"a", "b"});
  for (auto& id : {"a", "b"}) {
    auto st = states(seen[id]);
    ASSERT_GE(st.size(), 2u) << id;
    EXPECT_EQ(st[st.size() - 2], v1::TASK_KILLING) << id;
    EXPECT_EQ(st.back(), v1::TASK_KILLED) << id;
  }
}

TEST(TaskGroupClusterTest, AnInvalidGroupIsRefusedAsAWhole) {
  Cluster cluster;
  cluster.addAgent("cpus:2;mem:1024");
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("groups"));
  s.subscribe();
  // Offers that arrive among the TASK_ERRORs are kept for the next group.
  std::optional<v1::Offer> offer;
  auto expectRefused = [&](v1::ExecutorInfo executor, std::vector<v1::TaskInfo> tasks, const std::string& why) {
    if (!offer) offer = s.next(Event::OFFERS).offers().offers(0);
    s.launchGroupOn(*offer, std::move(executor), tasks, 0.0);
    offer.reset();
    for (size_t i = 0; i < tasks.size();) {
      auto e = s.next({Event::UPDATE, Event::OFFERS});
      if (e.type() == Event::OFFERS) {
        offer = e.offers().offers(0);
        continue;
      }
      auto st = e.update().status();
      EXPECT_EQ(st.state(), v1::TASK_ERROR) << why;
      EXPECT_EQ(st.reason(), v1::TaskStatus::REASON_TASK_GROUP_INVALID) << why;
      EXPECT_NE(st.message().find(why), std::string::npos) << st.message();
      ++i;
    }
  };
  auto withCommand = defaultExecutor("pod");
  withCommand.mutable_command()->set_value("true");
  expectRefused(withCommand, {commandTask("x", "true")}, "a DEFAULT executor must not have a 'command'");
  auto nested = commandTask("y", "true");
  *nested.mutable_executor() = defaultExecutor("other");
  expectRefused(defaultExecutor("pod"), {commandTask("x", "true"), nested}, "must not set 'executor'");
  expectRefused(defaultExecutor("pod"), {commandTask("x", "true"), commandTask("x", "true")}, "appears more than once");
  expectRefused(defaultExecutor("pod"), {commandTask("x", "true", 1.5), commandTask("z", "true", 1.5)},
                "Task group uses more resources");
  expectRefused(defaultExecutor("pod"), {},
                "");  // no task, so no update; the offer comes back

  // Nothing of the refused groups was started, and the master still works.
  if (!offer) offer = s.next(Event::OFFERS).offers().offers(0);
  s.launchGroupOn(*offer, defaultExecutor("pod"), {commandTask("ok", "true")});
  s.waitFor("ok", v1::TASK_FINISHED);
}

}  // namespace
}  // namespace tepui::testing
