// Unit tests of the hierarchical weighted DRF allocator
// (src/allocator/hierarchical_drf.hpp) through the Allocator interface, plus
// its offer filters and flat resources. Time is passed in, so no test sleeps.
#include "allocator/allocator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "allocator/flat_resources.hpp"
#include "allocator/hierarchical_drf.hpp"
#include "allocator/offer_filter.hpp"
#include "allocator_test_util.hpp"

namespace tepui::allocator {
namespace {

using namespace test_util;  // NOLINT(build/namespaces): the shared helpers

TEST_F(AllocatorTest, TwoFrameworksInOneRoleConvergeToFairShares) {
  addAgents(10);
  allocator->addFramework("fw-a", multiRole({"r"}), {}, true);
  allocator->addFramework("fw-b", multiRole({"r"}), {}, true);
  // Frameworks keep what they get (tasks launched). One cycle shares the
  // identical agents equally.
  auto offers = allocator->allocate(0);
  EXPECT_EQ(offers.size(), 10u);
  EXPECT_EQ(countByFramework(offers), (std::map<std::string, int>{{"fw-a", 5}, {"fw-b", 5}}));

  // Churn: fw-a gives back everything; it is re-offered to fw-a (the lower
  // share), so shares converge back to equal.
  for (const auto& a : offers) {
    if (a.frameworkId == "fw-a") decline(a, std::nullopt, 1);
  }
  auto again = allocator->allocate(2);
  EXPECT_EQ(countByFramework(again), (std::map<std::string, int>{{"fw-a", 5}}));
  EXPECT_DOUBLE_EQ(allocator->metrics().dominantShares.at("r"), 1.0);
}

TEST_F(AllocatorTest, WeightsShiftSharesTwoToOne) {
  Options options;
  options.weights = {{"a", 2.0}};
  make(options);
  addAgents(30);
  allocator->addFramework("fw-a", multiRole({"a"}), {}, true);
  allocator->addFramework("fw-b", multiRole({"b"}), {}, true);
  auto counts = countByFramework(allocator->allocate(0));
  EXPECT_NEAR(counts["fw-a"], 20, 1);
  EXPECT_NEAR(counts["fw-b"], 10, 1);
  EXPECT_EQ(counts["fw-a"] + counts["fw-b"], 30);

  // updateWeights turns the tables for what comes back.
  make({});
  agentCount = 0;
  addAgents(30);
  allocator->updateWeights({{"b", 2.0}});
  allocator->addFramework("fw-a", multiRole({"a"}), {}, true);
  allocator->addFramework("fw-b", multiRole({"b"}), {}, true);
  counts = countByFramework(allocator->allocate(0));
  EXPECT_NEAR(counts["fw-a"], 10, 1);
  EXPECT_NEAR(counts["fw-b"], 20, 1);
}

TEST_F(AllocatorTest, DeclinedOfferIsFilteredUntilExpiry) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R(kAgent));
  decline(offers[0], 10.0, 0);
  EXPECT_TRUE(allocator->allocate(1).empty());
  EXPECT_TRUE(allocator->allocate(9.9).empty());
  auto later = allocator->allocate(10.0);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].frameworkId, "fw");
}

TEST_F(AllocatorTest, FilterLastsAtLeastUntilTheNextAllocationRun) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  decline(offers[0], 0.001, 0);
  EXPECT_TRUE(allocator->allocate(100).empty());  // deadline passed, but first run
  EXPECT_EQ(allocator->allocate(101).size(), 1u);
}

TEST_F(AllocatorTest, ZeroOrMissingRefuseSecondsInstallsNoFilter) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  decline(offers[0], 0.0, 0);
  offers = allocator->allocate(1);
  ASSERT_EQ(offers.size(), 1u);
  decline(offers[0], std::nullopt, 1);
  EXPECT_EQ(allocator->allocate(2).size(), 1u);
}

TEST_F(AllocatorTest, FilterDoesNotBlockADifferentFramework) {
  addAgents(1);
  allocator->addFramework("fw-a", multiRole({"r"}), {}, true);
  allocator->addFramework("fw-b", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-a");  // tie broken by name
  decline(offers[0], 1000.0, 0);
  offers = allocator->allocate(1);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-b");
}

TEST_F(AllocatorTest, FilterBlocksOnlySubsetsOfTheRefusedResources) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  // It launches a task on cpus:1;mem:128 and refuses the rest for long.
  Resources task = R("cpus:1;mem:128").allocate("r");
  allocator->recoverResources("fw", offers[0].agentId, offers[0].resources - task, 1000.0, 0);
  EXPECT_TRUE(allocator->allocate(1).empty());
  // The task ends: the whole agent is now more than was refused.
  allocator->recoverResources("fw", offers[0].agentId, task, std::nullopt, 2);
  offers = allocator->allocate(3);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R(kAgent));
}

TEST_F(AllocatorTest, ReviveClearsFilters) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  decline(offers[0], 1000.0, 0);
  EXPECT_TRUE(allocator->allocate(1).empty());
  allocator->reviveOffers("fw", {}, 2);
  EXPECT_EQ(allocator->allocate(3).size(), 1u);
}

TEST_F(AllocatorTest, ReviveOfOneRoleClearsOnlyThatRolesFilters) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"a", "b"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "a");
  decline(offers[0], 1000.0, 0);
  offers = allocator->allocate(1);  // role "a" refused it; "b" did not
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "b");
  decline(offers[0], 1000.0, 1);
  EXPECT_TRUE(allocator->allocate(2).empty());
  allocator->reviveOffers("fw", {"b"}, 3);
  offers = allocator->allocate(4);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "b");
}

TEST_F(AllocatorTest, SuppressStopsOffersAndReviveRestoresThem) {
  addAgents(2);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  allocator->suppressOffers("fw", {});
  EXPECT_TRUE(allocator->allocate(0).empty());
  allocator->reviveOffers("fw", {"r"}, 1);
  EXPECT_EQ(allocator->allocate(2).size(), 2u);
}

TEST_F(AllocatorTest, SuppressedRolesAtSubscriptionGetNothing) {
  addAgents(2);
  allocator->addFramework("fw", multiRole({"a", "b"}), {"a"}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 2u);
  for (const auto& o : offers) EXPECT_EQ(o.role, "b");
}

TEST_F(AllocatorTest, ReservedResourcesGoOnlyToTheirRole) {
  addAgents(1, "cpus:4;mem:1024;cpus(web):2;mem(web):512");
  allocator->addFramework("fw-other", multiRole({"other"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R("cpus:4;mem:1024"));
  EXPECT_TRUE(allocator->allocate(1).empty());  // the reservation waits for "web"

  allocator->addFramework("fw-web", multiRole({"web"}), {}, true);
  offers = allocator->allocate(2);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-web");
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R("cpus(web):2;mem(web):512"));
}

TEST_F(AllocatorTest, RoleWithReservationGetsThemWithUnreservedResources) {
  addAgents(1, "cpus:4;mem:1024;cpus(web):2;mem(web):512");
  allocator->addFramework("fw-web", multiRole({"web"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R("cpus:4;mem:1024;cpus(web):2;mem(web):512"));
  for (const auto& r : offers[0].resources) EXPECT_EQ(r.allocation_info().role(), "web");
}

TEST_F(AllocatorTest, MinAllocatableBlocksTinyLeftovers) {
  // Another framework holds almost everything: cpus:0.005;mem:24 is left,
  // below both "cpus:0.01" and "mem:32".
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  allocator->addAgent("agent", agentInfo("h"), R("cpus:4;mem:1024"), {{"holder", R("cpus:3.995;mem:1000")}});
  EXPECT_TRUE(allocator->allocate(0).empty());
  allocator->recoverResources("holder", "agent", R("mem:8").allocate("*"), std::nullopt, 1);
  auto offers = allocator->allocate(2);  // mem:32 passes the second entry
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R("cpus:0.005;mem:32"));
}

TEST_F(AllocatorTest, EmptyMinAllocatableAllowsAnyNonEmptyOffer) {
  Options options;
  options.minAllocatable = {};
  make(options);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  allocator->addAgent("agent", agentInfo("h"), R("cpus:4;mem:1024;ports:[1-2]"), {{"holder", R("cpus:4;mem:1024")}});
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R("ports:[1-2]"));
}

TEST_F(AllocatorTest, RemoveAgentCleansUp) {
  addAgents(2);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 2u);
  decline(offers[1], 1000.0, 0);
  allocator->removeAgent(offers[0].agentId);
  allocator->removeAgent(offers[1].agentId);
  Metrics m = allocator->metrics();
  EXPECT_TRUE(m.total.empty());
  EXPECT_TRUE(m.allocated.empty());
  // Late recovery for a removed agent is ignored.
  decline(offers[0], 1000.0, 1);
  EXPECT_TRUE(allocator->metrics().allocated.empty());
  // The same agent id comes back: it has no allocations and no filters.
  allocator->addAgent(offers[1].agentId, agentInfo("h"), R(kAgent), {});
  EXPECT_EQ(allocator->allocate(2).size(), 1u);
}

TEST_F(AllocatorTest, RemoveFrameworkCleansUp) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  allocator->removeFramework("fw");
  EXPECT_TRUE(allocator->metrics().allocated.empty());
  EXPECT_TRUE(allocator->metrics().dominantShares.empty());  // role "r" is gone
  decline(offers[0], 1000.0, 1);                             // late: ignored, no filter
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  EXPECT_EQ(allocator->allocate(2).size(), 1u);
}

TEST_F(AllocatorTest, MultiRoleFrameworkGetsAllocationRolePerRole) {
  addAgents(4);
  allocator->addFramework("fw", multiRole({"a", "b"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 4u);
  std::map<std::string, int> byRole;
  for (const auto& o : offers) {
    ++byRole[o.role];
    for (const auto& r : o.resources) EXPECT_EQ(r.allocation_info().role(), o.role);
  }
  EXPECT_EQ(byRole, (std::map<std::string, int>{{"a", 2}, {"b", 2}}));
}

TEST_F(AllocatorTest, LegacyFrameworkUsesItsSingleRole) {
  addAgents(1);
  allocator->addFramework("fw", legacyRole("legacy"), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "legacy");
  // Roles without MULTI_ROLE are ignored; no role at all means "*".
  v1::FrameworkInfo info;
  info.set_user("u");
  info.set_name("f2");
  info.add_roles("ignored");
  allocator->addFramework("fw2", info, {}, true);
  allocator->removeFramework("fw");
  offers = allocator->allocate(1);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "*");
}

TEST_F(AllocatorTest, InactiveAgentAndFrameworkGetNothing) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, false);
  EXPECT_TRUE(allocator->allocate(0).empty());
  allocator->activateFramework("fw");
  allocator->deactivateAgent("agent-0");
  EXPECT_TRUE(allocator->allocate(1).empty());
  allocator->activateAgent("agent-0");
  EXPECT_EQ(allocator->allocate(2).size(), 1u);
}

TEST_F(AllocatorTest, DeactivatedFrameworkLosesOffersAndFilters) {
  addAgents(2);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  decline(offers[0], 1000.0, 0);
  allocator->deactivateFramework("fw");
  EXPECT_TRUE(allocator->allocate(1).empty());
  allocator->activateFramework("fw");
  EXPECT_EQ(allocator->allocate(2).size(), 1u);  // the refusal went with the old instance
}

TEST_F(AllocatorTest, UsedResourcesOfUnknownFrameworkCountAndCanBeRecovered) {
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  allocator->addAgent("agent", agentInfo("h"), R("cpus:4;mem:1024"), {{"ghost", R("cpus:4;mem:1024").allocate("old")}});
  EXPECT_DOUBLE_EQ(allocator->metrics().allocated.at("cpus"), 4);
  EXPECT_DOUBLE_EQ(allocator->metrics().dominantShares.at("old"), 1.0);
  EXPECT_TRUE(allocator->allocate(0).empty());
  allocator->recoverResources("ghost", "agent", R("cpus:4;mem:1024").allocate("old"), 1000.0, 1);
  EXPECT_TRUE(allocator->metrics().allocated.empty());
  auto offers = allocator->allocate(2);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw");
}

TEST_F(AllocatorTest, RemovedRoleKeepsItsAllocationUntilRecovered) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"a"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  allocator->updateFramework("fw", multiRole({"b"}), {});
  EXPECT_DOUBLE_EQ(allocator->metrics().dominantShares.at("a"), 1.0);
  EXPECT_TRUE(allocator->allocate(1).empty());
  decline(offers[0], 1000.0, 2);  // role "a" is no longer its: no filter
  EXPECT_EQ(allocator->metrics().dominantShares.count("a"), 0u);
  offers = allocator->allocate(3);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "b");
}

TEST_F(AllocatorTest, RecoverWithoutAllocationInfoMatchesWhatIsHeld) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  allocator->recoverResources("fw", offers[0].agentId, offers[0].resources.withoutAllocation(), std::nullopt, 1);
  EXPECT_TRUE(allocator->metrics().allocated.empty());
  EXPECT_EQ(allocator->allocate(2).size(), 1u);
}

TEST_F(AllocatorTest, RecoveringMoreThanHeldIsHarmless) {
  addAgents(1);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  auto offers = allocator->allocate(0);
  decline(offers[0], std::nullopt, 1);
  decline(offers[0], std::nullopt, 1);  // twice
  allocator->recoverResources("nobody", offers[0].agentId, offers[0].resources, 5.0, 1);
  allocator->recoverResources("fw", "no-agent", offers[0].resources, 5.0, 1);
  offers = allocator->allocate(2);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R(kAgent));
  EXPECT_DOUBLE_EQ(allocator->metrics().allocated.at("cpus"), 4);
}

TEST_F(AllocatorTest, MetricsTrackRunsTotalsAndAllocations) {
  addAgents(2);
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  allocator->allocate(0);
  allocator->allocate(1);
  Metrics m = allocator->metrics();
  EXPECT_EQ(m.allocationRuns, 2u);
  EXPECT_GE(m.lastAllocationRunMs, 0);
  EXPECT_DOUBLE_EQ(m.total.at("cpus"), 8);
  EXPECT_DOUBLE_EQ(m.allocated.at("mem"), 2048);
  EXPECT_DOUBLE_EQ(m.dominantShares.at("r"), 1.0);
}

TEST_F(AllocatorTest, FairSharingExcludedResourcesDoNotCount) {
  Options options;
  options.fairSharingExcluded = {"gpus"};
  make(options);
  allocator->addAgent("agent", agentInfo("h"), R("cpus:10;mem:1000;gpus:1"), {{"x", R("gpus:1;cpus:1").allocate("r")}});
  EXPECT_DOUBLE_EQ(allocator->metrics().dominantShares.at("r"), 0.1);
}

TEST_F(AllocatorTest, SameSeedGivesSameOffers) {
  auto run = [&](uint64_t seed) {
    Options options;
    options.seed = seed;
    make(options);
    agentCount = 0;
    addAgents(20);
    for (int i = 0; i < 7; ++i) allocator->addFramework("fw-" + std::to_string(i), multiRole({"r"}), {}, true);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& a : allocator->allocate(0)) out.emplace_back(a.frameworkId, a.agentId);
    return out;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

// Random operations; after each, the allocations the test believes are
// outstanding must fit every agent, and every cycle must respect the
// one-allocation-per-(framework, role, agent) and allocation_info contracts.
TEST_F(AllocatorTest, NoResourceIsEverInTwoAllocationsAtOnce) {
  Options options;
  options.seed = 42;
  make(options);
  std::mt19937_64 rng(1234);
  const std::vector<std::string> shapes = {kAgent, "cpus:2;mem:512;cpus(web):1;mem(web):256",
                                           "cpus:8;mem:2048;disk(db):100;ports:[100-200,300-400]"};
  std::map<std::string, Resources> totals;                         // agent -> total
  std::map<std::tuple<std::string, std::string>, Resources> held;  // (agent, framework) -> held
  std::set<std::string> frameworks;
  const std::vector<std::vector<std::string>> roleChoices = {{"*"},       {"web"},           {"db", "web"}, {"x"},
                                                             {"eng/web"}, {"eng", "eng/db"}, {"eng/db/x"}};
  int nextAgent = 0;
  int nextFramework = 0;
  int allocations = 0;
  double now = 0;

  auto check = [&](const std::string& when) {
    std::map<std::string, Resources> sums;
    for (const auto& [key, resources] : held) sums[std::get<0>(key)] += resources.withoutAllocation();
    for (const auto& [agent, sum] : sums) {
      ASSERT_TRUE(totals.at(agent).contains(sum))
          << when << ": agent " << agent << " has " << totals.at(agent) << " but " << sum << " is allocated";
    }
  };

  for (int step = 0; step < 3000; ++step) {
    now += 0.5;
    int op = static_cast<int>(rng() % 100);
    if (op < 8 || totals.empty()) {
      std::string id = "agent-" + std::to_string(nextAgent++);
      totals[id] = R(shapes[rng() % shapes.size()]);
      allocator->addAgent(id, agentInfo(id), totals[id], {});
    } else if (op < 12 || frameworks.empty()) {
      std::string id = "fw-" + std::to_string(nextFramework++);
      frameworks.insert(id);
      allocator->addFramework(id, multiRole(roleChoices[rng() % roleChoices.size()]), {}, true);
    } else if (op < 14) {
      auto it = std::next(totals.begin(), static_cast<long>(rng() % totals.size()));
      allocator->removeAgent(it->first);
      std::erase_if(held, [&](const auto& e) { return std::get<0>(e.first) == it->first; });
      totals.erase(it);
    } else if (op < 16) {
      auto it = std::next(frameworks.begin(), static_cast<long>(rng() % frameworks.size()));
      allocator->removeFramework(*it);
      std::erase_if(held, [&](const auto& e) { return std::get<1>(e.first) == *it; });
      frameworks.erase(it);
    } else if (op < 19) {
      const std::string& fw = *std::next(frameworks.begin(), static_cast<long>(rng() % frameworks.size()));
      if (rng() % 2) {
        allocator->suppressOffers(fw, {});
      } else {
        allocator->reviveOffers(fw, {}, now);
      }
    } else if (op < 21) {
      const std::string& fw = *std::next(frameworks.begin(), static_cast<long>(rng() % frameworks.size()));
      allocator->updateFramework(fw, multiRole(roleChoices[rng() % roleChoices.size()]), {});
    } else if (op < 22) {
      // Quota cuts offers: what is left must stay consistent.
      const std::vector<std::string> quotaRoles = {"web", "eng", "eng/db", "x"};
      std::string role = quotaRoles[rng() % quotaRoles.size()];
      double cpus = static_cast<double>(rng() % 8) / 2;
      if (rng() % 3 == 0) {
        allocator->updateQuota({{role, {}, {}}});
      } else {
        allocator->updateQuota({{role, {{"cpus", cpus / 2}}, {{"cpus", cpus}, {"mem", 700}}}});
      }
    } else if (op < 60 && !held.empty()) {
      // Give back all or half of something, with or without a filter.
      auto it = std::next(held.begin(), static_cast<long>(rng() % held.size()));
      Resources back = it->second;
      if (rng() % 2) {
        Resources half;
        for (const auto& r : it->second) {
          if (r.type() == v1::Value::SCALAR) {
            v1::Resource copy = r;
            copy.mutable_scalar()->set_value(r.scalar().value() / 2);
            half += Resources(std::vector<v1::Resource>{copy});
          }
        }
        back = half;
      }
      std::optional<double> refuse;
      if (rng() % 2) refuse = static_cast<double>(rng() % 5);
      allocator->recoverResources(std::get<1>(it->first), std::get<0>(it->first), back, refuse, now);
      it->second -= back;
      if (it->second.empty()) held.erase(it);
    } else {
      auto offers = allocator->allocate(now);
      std::set<std::tuple<std::string, std::string, std::string>> seen;
      for (const auto& a : offers) {
        ASSERT_TRUE(seen.emplace(a.frameworkId, a.role, a.agentId).second) << "two allocations for one triple";
        ASSERT_TRUE(frameworks.contains(a.frameworkId));
        ASSERT_FALSE(a.resources.empty());
        for (const auto& r : a.resources) {
          ASSERT_EQ(r.allocation_info().role(), a.role);
          std::string owner = Resources::reservationRole(r);
          ASSERT_TRUE(owner == "*" || owner == a.role) << "reservation of " << owner << " offered to " << a.role;
        }
        held[{a.agentId, a.frameworkId}] += a.resources;
        ++allocations;
      }
    }
    check("step " + std::to_string(step));
    Metrics m = allocator->metrics();
    for (const auto& [name, value] : m.allocated) {
      ASSERT_LE(value, m.total[name] + 1e-9) << name << " at step " << step;
    }
  }
  // The walk did real work: offers were made, including reserved ones.
  EXPECT_GT(allocations, 500);
}

// The settled-agent shortcuts (skip an unchanged agent, or ask only the
// newly eligible frameworks; under quota, skip while no room grew) are an
// optimisation: with the same operations, an allocator without them must
// make exactly the same offers.
TEST_F(AllocatorTest, ShortcutsMakeTheSameOffersAsAFullWalk) {
  Options options;
  options.seed = 7;
  HierarchicalDRF fast(options);
  HierarchicalDRF full(options, /*shortcuts=*/false);
  auto both = [&](auto&& op) {
    op(static_cast<Allocator&>(fast));
    op(static_cast<Allocator&>(full));
  };
  std::mt19937_64 rng(99);
  const std::vector<std::string> shapes = {kAgent, "cpus:2;mem:512;cpus(web):1;mem(web):256",
                                           "cpus:8;mem:2048;disk(db):100"};
  const std::vector<std::vector<std::string>> roleChoices = {{"*"},       {"web"},           {"db", "web"}, {"x"},
                                                             {"eng/web"}, {"eng", "eng/db"}, {"eng/db/x"}};
  std::vector<std::string> agents;
  std::vector<std::string> frameworks;
  std::vector<Allocation> outstanding;
  double now = 0;
  int cycles = 0;
  int offers = 0;
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };

  for (int step = 0; step < 4000; ++step) {
    now += 0.25;
    int op = static_cast<int>(rng() % 100);
    if (op < 5 || agents.empty()) {
      std::string id = "agent-" + std::to_string(step);
      Resources total = R(shapes[rng() % shapes.size()]);
      agents.push_back(id);
      both([&](Allocator& a) { a.addAgent(id, agentInfo(id), total, {}); });
    } else if (op < 9 || frameworks.empty()) {
      std::string id = "fw-" + std::to_string(step);
      auto info = multiRole(roleChoices[rng() % roleChoices.size()]);
      bool active = rng() % 4 != 0;
      frameworks.push_back(id);
      both([&](Allocator& a) { a.addFramework(id, info, {}, active); });
    } else if (op < 11) {
      std::string id = pick(agents);
      bool deactivate = rng() % 2;  // drawn once: both must see the same operation
      both([&](Allocator& a) { deactivate ? a.deactivateAgent(id) : a.activateAgent(id); });
    } else if (op < 15) {
      std::string id = pick(frameworks);
      bool activate = rng() % 2;
      both([&](Allocator& a) { activate ? a.activateFramework(id) : a.deactivateFramework(id); });
    } else if (op < 20) {
      std::string id = pick(frameworks);
      std::set<std::string> roles;
      if (rng() % 2) roles.insert(rng() % 2 ? "web" : "db");
      bool revive = rng() % 3 != 0;
      both([&](Allocator& a) { revive ? a.reviveOffers(id, roles, now) : a.suppressOffers(id, roles); });
    } else if (op < 22) {
      std::string id = pick(frameworks);
      auto info = multiRole(roleChoices[rng() % roleChoices.size()]);
      both([&](Allocator& a) { a.updateFramework(id, info, {}); });
    } else if (op < 23) {
      std::map<std::string, double> weights = {{pick({"*", "web", "db", "x", "eng", "eng/db"}), 0.5 + (rng() % 4)}};
      both([&](Allocator& a) { a.updateWeights(weights); });
    } else if (op < 24) {
      // Quota on some role: guarantees, limits, both, or none (removed).
      QuotaConfig config{pick({"web", "db", "x", "eng", "eng/db"}), {}, {}};
      int kind = static_cast<int>(rng() % 4);
      double cpus = static_cast<double>(rng() % 12);
      if (kind & 1) config.guarantees = {{"cpus", cpus}, {"mem", 256 * cpus}};
      if (kind & 2) config.limits = {{"cpus", cpus + 2}};
      both([&](Allocator& a) { a.updateQuota({config}); });
    } else if (op < 60 && !outstanding.empty()) {
      size_t i = rng() % outstanding.size();
      Allocation a = outstanding[i];
      outstanding.erase(outstanding.begin() + static_cast<long>(i));
      std::optional<double> refuse;
      if (rng() % 3 != 0) refuse = static_cast<double>(rng() % 8);
      both([&](Allocator& x) { x.recoverResources(a.frameworkId, a.agentId, a.resources, refuse, now); });
    } else {
      auto fromFast = fast.allocate(now);
      auto fromFull = full.allocate(now);
      auto key = [](const std::vector<Allocation>& v) {
        std::set<std::tuple<std::string, std::string, std::string, std::string>> out;
        for (const auto& a : v) out.emplace(a.frameworkId, a.role, a.agentId, a.resources.toString());
        return out;
      };
      ASSERT_EQ(key(fromFast), key(fromFull)) << "cycle at step " << step;
      ++cycles;
      offers += static_cast<int>(fromFast.size());
      for (auto& a : fromFast) {
        // Some offers turn into tasks that are never given back.
        if (rng() % 4 != 0) outstanding.push_back(std::move(a));
      }
    }
  }
  EXPECT_GT(cycles, 500);
  EXPECT_GT(offers, 500);
}

TEST(AllocatorFlatResourcesTest, SubsetMatchesResourcesContains) {
  ResourceKeys keys;
  const std::vector<std::string> texts = {"",
                                          "cpus:1",
                                          "cpus:2;mem:100",
                                          "cpus:2;mem:100;ports:[10-20]",
                                          "ports:[10-15]",
                                          "ports:[10-15,30-40]",
                                          "cpus(web):1",
                                          "cpus:1;cpus(web):1",
                                          "disks:{a,b}",
                                          "disks:{a}"};
  for (const auto& a : texts) {
    for (const auto& b : texts) {
      Resources ra = a.empty() ? Resources() : R(a);
      Resources rb = b.empty() ? Resources() : R(b);
      EXPECT_EQ(FlatResources(ra, keys).isSubsetOf(FlatResources(rb, keys)), rb.contains(ra)) << a << " in " << b;
    }
  }
}

TEST(AllocatorOfferFilterTest, LiveUntilDeadlineAndTheNextRun) {
  ResourceKeys keys;
  FlatResources all(R(kAgent), keys);
  FlatResources part(R("cpus:1"), keys);
  OfferFilters filters;
  filters.install(/*agent*/ 1, /*framework*/ 2, /*role*/ 3, all, /*deadline*/ 10, /*run*/ 5);
  AgentFilters* f = filters.forAgent(1);
  ASSERT_NE(f, nullptr);
  // The last argument is the agent's generation; distinct ones force the
  // subset test instead of the cached answer.
  EXPECT_TRUE(f->blocks(2, 3, &all, nullptr, 0, 6, 1));
  EXPECT_TRUE(f->blocks(2, 3, &part, nullptr, 0, 6, 2));
  EXPECT_TRUE(f->blocks(2, 3, nullptr, &part, 0, 6, 3));
  EXPECT_FALSE(f->blocks(2, 4, &all, nullptr, 0, 6, 4));  // other role
  EXPECT_FALSE(f->blocks(9, 3, &all, nullptr, 0, 6, 5));  // other framework
  EXPECT_TRUE(f->blocks(2, 3, &all, nullptr, 50, 6, 6));  // run 6 follows install
  EXPECT_FALSE(f->blocks(2, 3, &all, nullptr, 50, 7, 7));
  filters.install(1, 5, 3, part, 10, 5);
  EXPECT_FALSE(filters.forAgent(1)->blocks(5, 3, &all, nullptr, 0, 6, 8));  // more than refused
  EXPECT_FALSE(filters.forAgent(1)->blocks(5, 3, &part, &all, 0, 6, 9));
  EXPECT_TRUE(filters.forAgent(1)->blocks(5, 3, &part, nullptr, 0, 6, 10));
  EXPECT_TRUE(filters.forAgent(1)->blocks(5, 3, &part, nullptr, 0, 6, 10));  // cached
  EXPECT_EQ(filters.forAgent(7), nullptr);
  filters.expire(1, 50, 7);
  EXPECT_EQ(filters.forAgent(1), nullptr);
  EXPECT_EQ(filters.size(), 0u);
}

TEST(AllocatorOfferFilterTest, RemovalByFrameworkRoleAndAgent) {
  ResourceKeys keys;
  FlatResources all(R(kAgent), keys);
  OfferFilters filters;
  for (uint32_t agent = 0; agent < 100; ++agent) {
    for (uint32_t fw = 0; fw < 3; ++fw) {
      filters.install(agent, fw, 0, all, 1000, 0);
      filters.install(agent, fw, 1, all, 1000, 0);
      filters.install(agent, fw, 1, all, 1000, 0);  // dominated: replaced
    }
  }
  EXPECT_EQ(filters.size(), 600u);
  filters.removeFramework(0, 1);
  EXPECT_EQ(filters.size(), 500u);
  filters.removeFramework(0);
  EXPECT_EQ(filters.size(), 400u);
  filters.removeAgent(5);
  EXPECT_EQ(filters.size(), 396u);
  EXPECT_FALSE(filters.forAgent(6)->blocks(0, 0, &all, nullptr, 0, 1, 0));
  EXPECT_TRUE(filters.forAgent(6)->blocks(1, 1, &all, nullptr, 0, 1, 0));
}

// Refusals installed one or a few at a time (sorted into place) or in large
// batches (sorted and merged), with dominated ones dropped, must block
// exactly what the plain list of every refusal installed blocks.
TEST(AllocatorOfferFilterTest, SettlingKeepsWhatEveryRefusalBlocks) {
  ResourceKeys keys;
  const std::vector<FlatResources> shapes = {FlatResources(R(kAgent), keys), FlatResources(R("cpus:1;mem:10"), keys),
                                             FlatResources(R("cpus:2"), keys),
                                             FlatResources(R("ports:[31000-31005]"), keys)};
  struct Installed {
    uint32_t framework, role;
    size_t shape;
    double deadline;
    uint64_t run;
  };
  std::mt19937_64 rng(5);
  OfferFilters filters;
  std::vector<Installed> all;
  uint64_t run = 1;
  uint64_t generation = 0;
  for (int round = 0; round < 300; ++round) {
    // Mostly a few refusals between two looks, sometimes a burst.
    size_t count = rng() % 10 == 0 ? 9 + rng() % 30 : 1 + rng() % 3;
    for (size_t i = 0; i < count; ++i) {
      Installed r{static_cast<uint32_t>(rng() % 6), static_cast<uint32_t>(rng() % 2), rng() % shapes.size(),
                  static_cast<double>(rng() % 40), run};
      filters.install(0, r.framework, r.role, shapes[r.shape], r.deadline, r.run);
      all.push_back(r);
    }
    ++run;
    const double now = static_cast<double>(round % 40);
    AgentFilters* agent = filters.forAgent(0);
    ASSERT_NE(agent, nullptr);
    for (uint32_t framework = 0; framework < 6; ++framework) {
      for (uint32_t role = 0; role < 2; ++role) {
        for (size_t offer = 0; offer < shapes.size(); ++offer) {
          bool expected = std::any_of(all.begin(), all.end(), [&](const Installed& r) {
            bool live = now < r.deadline || run <= r.run + 1;
            return r.framework == framework && r.role == role && live && shapes[offer].isSubsetOf(shapes[r.shape]);
          });
          // A fresh generation each time: no cached answer.
          ASSERT_EQ(agent->blocks(framework, role, &shapes[offer], nullptr, now, run, ++generation), expected)
              << "round " << round << " framework " << framework << " role " << role << " offer " << offer;
        }
      }
    }
  }
  // Dominated ones were dropped along the way.
  EXPECT_LT(filters.forAgent(0)->size(), all.size());
}

}  // namespace
}  // namespace tepui::allocator
