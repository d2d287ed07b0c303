// Unit tests of the allocator's role tree: hierarchical weighted DRF between
// sibling roles (a child's allocation counts in its parent), weights set at
// start or at run time, suppression inside the tree, and roles() / weights()
// for the master's GET_ROLES and GET_WEIGHTS.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "allocator/allocator.hpp"
#include "allocator_test_util.hpp"

namespace tepui::allocator {
namespace {

using namespace test_util;  // NOLINT(build/namespaces): the shared helpers

class AllocatorRolesTest : public AllocatorTest {
 protected:
  // Every framework gives back everything it holds (as a scheduler would
  // decline all its offers), without a filter.
  void giveBackAll(const std::vector<Allocation>& offers, double now) {
    for (const auto& a : offers) decline(a, std::nullopt, now);
  }
  // One cycle over 40 identical agents for frameworks (id -> role) that
  // keep what they get: how many agents each got.
  std::map<std::string, int> splitFortyAgents(const std::map<std::string, std::string>& frameworks) {
    addAgents(40);
    for (const auto& [id, role] : frameworks) allocator->addFramework(id, multiRole({role}), {}, true);
    auto counts = countByFramework(allocator->allocate(0));
    int total = 0;
    for (const auto& [id, n] : counts) total += n;
    EXPECT_EQ(total, 40);
    return counts;
  }
  const RoleInfo* role(const std::vector<RoleInfo>& roles, const std::string& name) {
    for (const auto& r : roles) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }
};

TEST_F(AllocatorRolesTest, ChildAllocationsCountInTheirParent) {
  // Two subtrees: `a` (children a/x and a/y) against `b`. The subtrees
  // share equally, then a/x and a/y split a's half.
  auto counts = splitFortyAgents({{"fw-ax", "a/x"}, {"fw-ay", "a/y"}, {"fw-b", "b"}});
  EXPECT_NEAR(counts["fw-b"], 20, 1);
  EXPECT_NEAR(counts["fw-ax"], 10, 1);
  EXPECT_NEAR(counts["fw-ay"], 10, 1);
  auto shares = allocator->metrics().dominantShares;
  EXPECT_NEAR(shares.at("a"), 0.5, 0.03);
  EXPECT_NEAR(shares.at("a/x"), 0.25, 0.03);
  EXPECT_NEAR(shares.at("b"), 0.5, 0.03);
}

TEST_F(AllocatorRolesTest, ARoleWithFrameworksAndChildrenSharesWithThemAsASibling) {
  // `a` itself and its child a/x compete inside a's half.
  auto counts = splitFortyAgents({{"fw-a", "a"}, {"fw-ax", "a/x"}, {"fw-b", "b"}});
  EXPECT_NEAR(counts["fw-b"], 20, 1);
  EXPECT_NEAR(counts["fw-a"], 10, 1);
  EXPECT_NEAR(counts["fw-ax"], 10, 1);
}

TEST_F(AllocatorRolesTest, WeightsApplyBetweenSiblingsAtEveryLevel) {
  Options options;
  options.weights = {{"a/x", 3.0}};
  make(options);
  auto counts = splitFortyAgents({{"fw-ax", "a/x"}, {"fw-ay", "a/y"}, {"fw-b", "b"}});
  // a/x's weight splits a's half 3:1; it does not make `a` bigger than `b`.
  EXPECT_NEAR(counts["fw-b"], 20, 1);
  EXPECT_NEAR(counts["fw-ax"], 15, 1);
  EXPECT_NEAR(counts["fw-ay"], 5, 1);
}

TEST_F(AllocatorRolesTest, RuntimeWeightsShiftAContendedResourceTwoToOne) {
  addAgents(30);
  allocator->addFramework("fw-a", multiRole({"a"}), {}, true);
  allocator->addFramework("fw-b", multiRole({"b"}), {}, true);
  auto offers = allocator->allocate(0);
  auto counts = countByFramework(offers);
  EXPECT_EQ(counts["fw-a"], 15);
  EXPECT_EQ(counts["fw-b"], 15);

  allocator->updateWeights({{"a", 2.0}});
  EXPECT_EQ(allocator->weights(), (std::map<std::string, double>{{"a", 2.0}}));
  // Over many cycles in which every offer comes back, `a` holds twice what
  // `b` holds at the end of each cycle.
  std::map<std::string, int> total;
  double now = 1;
  std::vector<Allocation> held = offers;
  for (int cycle = 0; cycle < 50; ++cycle) {
    giveBackAll(held, now);
    held = allocator->allocate(now);
    for (const auto& [framework, n] : countByFramework(held)) total[framework] += n;
    now += 1;
  }
  EXPECT_NEAR(static_cast<double>(total["fw-a"]) / total["fw-b"], 2.0, 0.1);
  EXPECT_EQ(countByFramework(held), (std::map<std::string, int>{{"fw-a", 20}, {"fw-b", 10}}));
}

TEST_F(AllocatorRolesTest, SharesConvergeForFrameworksWithDifferentDemands) {
  // Agents fit one task of either kind. fw-cpu runs cpu-heavy tasks and
  // first has the cluster to itself; fw-mem (memory-heavy tasks, never
  // finishing) arrives later. fw-cpu finishes ten tasks a cycle and
  // always wants more; what frees up goes to the lower dominant share, so
  // the two shares (cpus for one, mem for the other) converge.
  addAgents(100, "cpus:1;mem:256");
  allocator->addFramework("fw-cpu", multiRole({"c"}), {}, true);
  const std::map<std::string, Resources> task = {{"fw-cpu", R("cpus:1;mem:64")}, {"fw-mem", R("cpus:0.25;mem:256")}};
  std::vector<Allocation> cpuTasks;
  std::mt19937_64 rng(5);
  double now = 0;
  auto cycle = [&] {
    for (const auto& a : allocator->allocate(now)) {
      Resources keep = task.at(a.frameworkId).allocate(a.role);
      Resources rest = a.resources - keep;
      if (!a.resources.contains(keep)) {
        rest = a.resources;  // too small for its task
      } else if (a.frameworkId == "fw-cpu") {
        cpuTasks.push_back(Allocation{a.frameworkId, a.role, a.agentId, keep});
      }
      // Leftovers nobody's task fits: refused for long.
      if (!rest.empty()) decline(Allocation{a.frameworkId, a.role, a.agentId, rest}, 1000.0, now);
    }
    now += 1;
  };
  cycle();
  EXPECT_EQ(cpuTasks.size(), 100u);
  allocator->addFramework("fw-mem", multiRole({"m"}), {}, true);
  for (int i = 0; i < 30; ++i) {
    for (int finished = 0; finished < 10 && !cpuTasks.empty(); ++finished) {
      size_t at = rng() % cpuTasks.size();
      decline(cpuTasks[at], std::nullopt, now);
      cpuTasks.erase(cpuTasks.begin() + static_cast<long>(at));
    }
    cycle();
  }
  auto shares = allocator->metrics().dominantShares;
  EXPECT_NEAR(shares.at("c"), 0.5, 0.1);
  EXPECT_NEAR(shares.at("m"), 0.5, 0.1);
}

TEST_F(AllocatorRolesTest, SuppressedRolesInTheTreeGetNothing) {
  addAgents(10);
  allocator->addFramework("fw-ax", multiRole({"a/x"}), {"a/x"}, true);
  allocator->addFramework("fw-a", multiRole({"a"}), {}, true);
  allocator->addFramework("fw-b", multiRole({"b/y"}), {}, true);
  allocator->suppressOffers("fw-b", {});
  auto counts = countByFramework(allocator->allocate(0));
  EXPECT_EQ(counts, (std::map<std::string, int>{{"fw-a", 10}}));
}

TEST_F(AllocatorRolesTest, RolesListsTheTreeWithAllocationsWeightsAndFrameworks) {
  Options options;
  options.weights = {{"eng", 2.0}};
  make(options);
  addAgents(2);
  allocator->addAgent("reserved", agentInfo("reserved"), R("cpus(ops/db):1;mem(ops/db):64"), {});
  allocator->addFramework("fw-web", multiRole({"eng/web"}), {}, true);
  allocator->addFramework("fw-eng", multiRole({"eng"}), {}, false);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 2u);

  auto roles = allocator->roles();
  std::vector<std::string> names;
  for (const auto& r : roles) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"eng", "eng/web", "ops", "ops/db"}));
  const RoleInfo* eng = role(roles, "eng");
  const RoleInfo* web = role(roles, "eng/web");
  ASSERT_TRUE(eng && web);
  EXPECT_EQ(eng->weight, 2.0);
  EXPECT_EQ(eng->frameworks, (std::set<std::string>{"fw-eng"}));
  EXPECT_TRUE(eng->allocated.empty());
  EXPECT_EQ(eng->subtreeAllocated.at("cpus"), 8.0);
  EXPECT_EQ(web->allocated.at("cpus"), 8.0);
  EXPECT_EQ(web->frameworks, (std::set<std::string>{"fw-web"}));

  // Roles go away with their last framework, allocation and reservation.
  giveBackAll(offers, 1);
  allocator->removeFramework("fw-web");
  allocator->removeFramework("fw-eng");
  allocator->removeAgent("reserved");
  EXPECT_TRUE(allocator->roles().empty());
}

TEST_F(AllocatorRolesTest, UpdateWeightsReplacesOnlyTheGivenRoles) {
  Options options;
  options.weights = {{"a", 2.0}, {"b", 3.0}};
  make(options);
  allocator->updateWeights({{"b", 0.5}, {"c/d", 4.0}});
  EXPECT_EQ(allocator->weights(), (std::map<std::string, double>{{"a", 2.0}, {"b", 0.5}, {"c/d", 4.0}}));
}

}  // namespace
}  // namespace tepui::allocator
