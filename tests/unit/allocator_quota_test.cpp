// Unit tests of quota in the allocator (Mesos 1.9+ QuotaConfig semantics):
// guarantees met while others want everything, limits never exceeded and
// counted over a role's subtree, removal, and consumedQuota().
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "allocator/allocator.hpp"
#include "allocator_test_util.hpp"

namespace tepui::allocator {
namespace {

using namespace test_util;  // NOLINT(build/namespaces): the shared helpers

class AllocatorQuotaTest : public AllocatorTest {
 protected:
  // Sum of a scalar over allocations (of the given frameworks, or all).
  static double sum(const std::vector<Allocation>& allocations, const std::string& name,
                    const std::set<std::string>& frameworks = {}) {
    double total = 0;
    for (const auto& a : allocations) {
      if (!frameworks.empty() && !frameworks.contains(a.frameworkId)) continue;
      auto scalars = a.resources.scalars();
      if (auto it = scalars.find(name); it != scalars.end()) total += it->second;
    }
    return total;
  }
  double consumed(const std::string& role, const std::string& name) {
    auto c = allocator->consumedQuota(role);
    auto it = c.find(name);
    return it == c.end() ? 0 : it->second;
  }
};

TEST_F(AllocatorQuotaTest, AGuaranteeIsMetWhileOthersWantEverything) {
  addAgents(10, "cpus:4;mem:1024");
  allocator->updateQuota({{"g", {{"cpus", 12}, {"mem", 3072}}, {}}});
  // A greedy framework that keeps everything: it may not take what `g` is
  // guaranteed, even though nobody in `g` is asking yet.
  allocator->addFramework("fw-greedy", multiRole({"b"}), {}, true);
  auto greedy = allocator->allocate(0);
  EXPECT_DOUBLE_EQ(sum(greedy, "cpus"), 28);
  EXPECT_DOUBLE_EQ(sum(greedy, "mem"), 7 * 1024);
  EXPECT_TRUE(allocator->allocate(1).empty());

  allocator->addFramework("fw-g", multiRole({"g/x"}), {}, true);
  auto guaranteed = allocator->allocate(2);
  EXPECT_DOUBLE_EQ(sum(guaranteed, "cpus", {"fw-g"}), 12);
  EXPECT_DOUBLE_EQ(consumed("g", "cpus"), 12);
  EXPECT_DOUBLE_EQ(consumed("g/x", "mem"), 3072);
}

TEST_F(AllocatorQuotaTest, GuaranteedRolesAreServedFirst) {
  // Both arrive together: stage 1 serves `g` up to its guarantee before
  // fair sharing splits the rest.
  addAgents(10, "cpus:4;mem:1024");
  allocator->updateQuota({{"g", {{"cpus", 24}}, {}}});
  allocator->addFramework("fw-b", multiRole({"b"}), {}, true);
  allocator->addFramework("fw-g", multiRole({"g"}), {}, true);
  auto offers = allocator->allocate(0);
  EXPECT_GE(sum(offers, "cpus", {"fw-g"}), 24);
  EXPECT_DOUBLE_EQ(sum(offers, "cpus"), 40);
}

TEST_F(AllocatorQuotaTest, ALimitIsNeverExceededOverManyCycles) {
  addAgents(10, "cpus:4;mem:1024;ports:[31000-32000]");
  // The limit is on the parent; the frameworks are in it and in a child,
  // whose allocations count toward it.
  allocator->updateQuota({{"l", {}, {{"cpus", 10}}}});
  allocator->addFramework("fw-l", multiRole({"l"}), {}, true);
  allocator->addFramework("fw-child", multiRole({"l/child"}), {}, true);
  allocator->addFramework("fw-other", multiRole({"o"}), {}, true);
  std::mt19937_64 rng(3);
  std::vector<Allocation> held;
  double now = 0;
  for (int cycle = 0; cycle < 100; ++cycle) {
    for (auto& a : allocator->allocate(now)) held.push_back(std::move(a));
    double limited = sum(held, "cpus", {"fw-l", "fw-child"});
    ASSERT_LE(limited, 10 + 1e-9) << "cycle " << cycle;
    ASSERT_DOUBLE_EQ(consumed("l", "cpus"), limited);
    // Give some back: the others churn, the limited ones come back for more.
    for (size_t i = 0; i < held.size();) {
      if (rng() % 3 == 0) {
        decline(held[i], std::nullopt, now);
        held.erase(held.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
    now += 1;
  }
  EXPECT_GT(consumed("l/child", "cpus"), 0);
}

TEST_F(AllocatorQuotaTest, OffersAreCutToFitALimit) {
  addAgents(1, "cpus:4;mem:1024;ports:[31000-32000]");
  allocator->updateQuota({{"l", {}, {{"cpus", 2.5}}}});
  allocator->addFramework("fw", multiRole({"l/a"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources.withoutAllocation(), R("cpus:2.5;mem:1024;ports:[31000-32000]"));
  // The rest stays available to others.
  allocator->addFramework("fw-other", multiRole({"o"}), {}, true);
  auto rest = allocator->allocate(1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].resources.withoutAllocation(), R("cpus:1.5"));
}

TEST_F(AllocatorQuotaTest, RemovingAQuotaLiftsTheLimit) {
  addAgents(4, "cpus:4;mem:1024");
  allocator->updateQuota({{"r", {}, {{"cpus", 4}}}});
  allocator->addFramework("fw", multiRole({"r"}), {}, true);
  EXPECT_DOUBLE_EQ(sum(allocator->allocate(0), "cpus"), 4);
  EXPECT_TRUE(allocator->allocate(1).empty());
  ASSERT_EQ(allocator->quotas().size(), 1u);
  EXPECT_EQ(allocator->quotas()[0].limits, (std::map<std::string, double>{{"cpus", 4}}));

  allocator->updateQuota({{"r", {}, {}}});
  EXPECT_TRUE(allocator->quotas().empty());
  EXPECT_DOUBLE_EQ(sum(allocator->allocate(2), "cpus"), 12);
}

TEST_F(AllocatorQuotaTest, ConsumedQuotaCountsReservationsAndUnreservedAllocations) {
  allocator->addAgent("a1", agentInfo("a1"), R("cpus:4;mem:1024;cpus(r/x):2;mem(r/x):128"), {});
  // Reservations count whether allocated or not, in the role and its
  // ancestors.
  EXPECT_DOUBLE_EQ(consumed("r/x", "cpus"), 2);
  EXPECT_DOUBLE_EQ(consumed("r", "cpus"), 2);
  allocator->addFramework("fw", multiRole({"r/y"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);
  // Offered counts as allocated.
  EXPECT_DOUBLE_EQ(consumed("r/y", "cpus"), 4);
  EXPECT_DOUBLE_EQ(consumed("r", "cpus"), 6);
  EXPECT_DOUBLE_EQ(consumed("r", "mem"), 1152);
  decline(offers[0], std::nullopt, 1);
  EXPECT_DOUBLE_EQ(consumed("r", "cpus"), 2);
  allocator->removeAgent("a1");
  EXPECT_TRUE(allocator->consumedQuota("r").empty());
}

TEST_F(AllocatorQuotaTest, UpdateQuotaIsAtomicAndKeepsOtherRoles) {
  allocator->updateQuota({{"a", {{"cpus", 1}}, {{"cpus", 2}}}, {"b", {}, {{"mem", 64}}}});
  allocator->updateQuota({{"a", {}, {}}, {"c", {{"gpus", 1}}, {}}});
  auto quotas = allocator->quotas();
  ASSERT_EQ(quotas.size(), 2u);
  EXPECT_EQ(quotas[0].role, "b");
  EXPECT_EQ(quotas[1].role, "c");
  EXPECT_EQ(quotas[1].guarantees, (std::map<std::string, double>{{"gpus", 1}}));
}

}  // namespace
}  // namespace tepui::allocator
