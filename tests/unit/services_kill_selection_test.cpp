// Unit tests for choosing which instances to kill on scale-down
// (src/services/kill_selection.hpp).
#include <gtest/gtest.h>

#include <map>

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

Constraint groupByRack() { return *parseConstraint({"rack", "GROUP_BY"}); }

TEST(ServicesKillSelection, InstancesNotRunningGoFirst) {
  const std::vector<KillCandidate> instances{instance("running", 50), instance("staging", 10, InstancePhase::kStaging),
                                             instance("scheduled", 5, InstancePhase::kScheduled),
                                             instance("unreachable", 1, InstancePhase::kUnreachable),
                                             instance("starting", 20, InstancePhase::kStarting)};
  EXPECT_EQ(selectToKill(instances, 4, KillSelection::kYoungestFirst, {}),
            (std::vector<std::string>{"scheduled", "unreachable", "staging", "starting"}));
}

TEST(ServicesKillSelection, AgeByKillSelection) {
  const std::vector<KillCandidate> instances{instance("old", 100), instance("young", 300), instance("middle", 200)};
  EXPECT_EQ(selectToKill(instances, 2, KillSelection::kYoungestFirst, {}),
            (std::vector<std::string>{"young", "middle"}));
  EXPECT_EQ(selectToKill(instances, 2, KillSelection::kOldestFirst, {}), (std::vector<std::string>{"old", "middle"}));
  EXPECT_EQ(selectToKill(instances, 9, KillSelection::kOldestFirst, {}),
            (std::vector<std::string>{"old", "middle", "young"}));
  EXPECT_TRUE(selectToKill(instances, 0, KillSelection::kOldestFirst, {}).empty());
}

TEST(ServicesKillSelection, GroupByKeepsTheRestBalanced) {
  // Racks a:3, b:2, c:1; the youngest instance is c's only one.
  const std::vector<KillCandidate> instances{
      instance("a1", 10, InstancePhase::kRunning, "a"), instance("a2", 11, InstancePhase::kRunning, "a"),
      instance("a3", 12, InstancePhase::kRunning, "a"), instance("b1", 13, InstancePhase::kRunning, "b"),
      instance("b2", 14, InstancePhase::kRunning, "b"), instance("c1", 99, InstancePhase::kRunning, "c")};
  const std::vector<std::string> killed = selectToKill(instances, 3, KillSelection::kYoungestFirst, {groupByRack()});
  // a3 (a is largest), then a and b are even at 2: the younger b2, then a2.
  EXPECT_EQ(killed, (std::vector<std::string>{"a3", "b2", "a2"}));
  // Without the constraint, age alone decides.
  EXPECT_EQ(selectToKill(instances, 1, KillSelection::kYoungestFirst, {}), (std::vector<std::string>{"c1"}));
}

TEST(ServicesKillSelection, AnInstanceOutsideEveryGroupGoesFirstAmongRunning) {
  const std::vector<KillCandidate> instances{instance("a1", 10, InstancePhase::kRunning, "a"),
                                             instance("a2", 11, InstancePhase::kRunning, "a"),
                                             instance("bare", 1, InstancePhase::kRunning)};
  EXPECT_EQ(selectToKill(instances, 1, KillSelection::kYoungestFirst, {groupByRack()}),
            (std::vector<std::string>{"bare"}));
}

}  // namespace
}  // namespace tepui::services
