// Unit tests for choosing which instances to kill on scale-down
// (src/services/kill_selection.hpp, and kill_picker.hpp, which plugs it
// into convergence).
#include <gtest/gtest.h>

#include <map>

#include "services/convergence.hpp"
#include "services/kill_picker.hpp"
#include "services/kill_selection.hpp"

namespace tepui::services {
namespace {

KillCandidate instance(const std::string& id, double since, InstancePhase phase = InstancePhase::kRunning,
                       const std::string& rack = "") {
  KillCandidate candidate;
  candidate.id = id;
  candidate.since = since;
  candidate.phase = phase;
  if (phase != InstancePhase::kScheduled) {
    candidate.agent.agentId = "agent-" + id;
    candidate.agent.hostname = "host-" + id;
    if (!rack.empty()) candidate.agent.attributes["rack"] = rack;
  }
  return candidate;
}

constexpr bool kYoungestFirst = false;  // selectToKill's oldestFirst
constexpr bool kOldestFirst = true;

Constraint groupByRack() { return *parseConstraint({"rack", "GROUP_BY"}); }

TEST(ServicesKillSelection, InstancesNotRunningGoFirst) {
  const std::vector<KillCandidate> instances{instance("running", 50), instance("staging", 10, InstancePhase::kStaging),
                                             instance("scheduled", 5, InstancePhase::kScheduled),
                                             instance("unreachable", 1, InstancePhase::kUnreachable),
                                             instance("starting", 20, InstancePhase::kStarting)};
  EXPECT_EQ(selectToKill(instances, 4, kYoungestFirst, {}),
            (std::vector<std::string>{"scheduled", "unreachable", "staging", "starting"}));
}

TEST(ServicesKillSelection, AgeByKillSelection) {
  const std::vector<KillCandidate> instances{instance("old", 100), instance("young", 300), instance("middle", 200)};
  EXPECT_EQ(selectToKill(instances, 2, kYoungestFirst, {}), (std::vector<std::string>{"young", "middle"}));
  EXPECT_EQ(selectToKill(instances, 2, kOldestFirst, {}), (std::vector<std::string>{"old", "middle"}));
  EXPECT_EQ(selectToKill(instances, 9, kOldestFirst, {}), (std::vector<std::string>{"old", "middle", "young"}));
  EXPECT_TRUE(selectToKill(instances, 0, kOldestFirst, {}).empty());
}

TEST(ServicesKillSelection, GroupByKeepsTheRestBalanced) {
  // Racks a:3, b:2, c:1; the youngest instance is c's only one.
  const std::vector<KillCandidate> instances{
      instance("a1", 10, InstancePhase::kRunning, "a"), instance("a2", 11, InstancePhase::kRunning, "a"),
      instance("a3", 12, InstancePhase::kRunning, "a"), instance("b1", 13, InstancePhase::kRunning, "b"),
      instance("b2", 14, InstancePhase::kRunning, "b"), instance("c1", 99, InstancePhase::kRunning, "c")};
  const std::vector<std::string> killed = selectToKill(instances, 3, kYoungestFirst, {groupByRack()});
  // a3 (a is largest), then a and b are even at 2: the younger b2, then a2.
  EXPECT_EQ(killed, (std::vector<std::string>{"a3", "b2", "a2"}));
  // Without the constraint, age alone decides.
  EXPECT_EQ(selectToKill(instances, 1, kYoungestFirst, {}), (std::vector<std::string>{"c1"}));
}

TEST(ServicesKillSelection, AnInstanceOutsideEveryGroupGoesFirstAmongRunning) {
  const std::vector<KillCandidate> instances{instance("a1", 10, InstancePhase::kRunning, "a"),
                                             instance("a2", 11, InstancePhase::kRunning, "a"),
                                             instance("bare", 1, InstancePhase::kRunning)};
  EXPECT_EQ(selectToKill(instances, 1, kYoungestFirst, {groupByRack()}), (std::vector<std::string>{"bare"}));
}

Instance runningOn(const std::string& id, const std::string& agentId, double startedAt) {
  Instance instance;
  instance.id = id;
  instance.appId = "/web";
  instance.version = instance.configVersion = "v1";
  instance.state = v1::TASK_RUNNING;
  instance.agentId = agentId;
  instance.host = agentId + ".example.com";
  instance.stagedAt = startedAt - 1;
  instance.startedAt = startedAt;
  return instance;
}

TEST(ServicesKillPicker, InstancesBecomeCandidatesWithTheirAgentsFacts) {
  ClusterView view;
  AgentFacts known;
  known.agentId = "S1";
  known.hostname = "s1.example.com";
  known.attributes["rack"] = "a";
  view.update(known, 0);
  KillCandidate candidate = killCandidate(runningOn("i1", "S1", 50), view);
  EXPECT_EQ(candidate.phase, InstancePhase::kRunning);
  EXPECT_EQ(candidate.since, 50);
  EXPECT_EQ(candidate.agent, known);
  candidate = killCandidate(runningOn("i2", "S9", 50), view);  // an agent the view does not know
  EXPECT_EQ(candidate.agent.agentId, "S9");
  EXPECT_EQ(candidate.agent.hostname, "S9.example.com");
  EXPECT_TRUE(candidate.agent.attributes.empty());

  Instance scheduled;
  scheduled.id = "i3";
  scheduled.scheduled = true;
  EXPECT_EQ(killCandidate(scheduled, view).phase, InstancePhase::kScheduled);
  Instance unreachable = runningOn("i4", "S1", 50);
  unreachable.state = v1::TASK_UNREACHABLE;
  unreachable.unreachableSince = 70;
  EXPECT_EQ(killCandidate(unreachable, view).phase, InstancePhase::kUnreachable);
  EXPECT_EQ(killCandidate(unreachable, view).since, 70);
  Instance starting = runningOn("i5", "S1", 50);
  starting.state = v1::TASK_STARTING;
  EXPECT_EQ(killCandidate(starting, view).phase, InstancePhase::kStarting);
  starting.state = v1::TASK_STAGING;
  EXPECT_EQ(killCandidate(starting, view).phase, InstancePhase::kStaging);
}

TEST(ServicesKillPicker, ScalingDownUnderGroupByLeavesTheRacksEven) {
  // Six instances, racks a:3 b:2 c:1 (c's is the youngest); scale to 3.
  ClusterView view;
  const std::vector<std::pair<std::string, std::string>> agents{{"A1", "a"}, {"A2", "a"}, {"A3", "a"},
                                                                {"B1", "b"}, {"B2", "b"}, {"C1", "c"}};
  std::vector<Instance> instances;
  double startedAt = 10;
  for (const auto& [agentId, rack] : agents) {
    AgentFacts facts;
    facts.agentId = agentId;
    facts.hostname = agentId;
    facts.attributes["rack"] = rack;
    view.update(facts, 0);
    instances.push_back(runningOn("on-" + agentId, agentId, startedAt++));
  }
  std::vector<const Instance*> pointers;
  for (const Instance& instance : instances) pointers.push_back(&instance);
  AppGoal goal;
  goal.version = goal.configVersion = "v1";
  goal.instances = 3;
  const Convergence result = converge(goal, pointers, 100, killPicker(false, {groupByRack()}, view));
  ASSERT_EQ(result.toKill.size(), 3u);
  std::map<std::string, int> kept{{"a", 3}, {"b", 2}, {"c", 1}};
  for (const std::string& id : result.toKill) --kept[view.agent(id.substr(3))->attributes.at("rack")];
  EXPECT_EQ(kept, (std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}}));
  // Without GROUP_BY the youngest go, c's among them.
  const Convergence byAge = converge(goal, pointers, 100, killPicker(false, {}, view));
  EXPECT_EQ(byAge.toKill, (std::vector<std::string>{"on-C1", "on-B2", "on-B1"}));
}

}  // namespace
}  // namespace tepui::services
