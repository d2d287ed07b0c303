// Unit tests of reservations in the allocator: resources converted in place
// by RESERVE / UNRESERVE (updateAllocation) follow into the agent's total,
// quota consumption and later offers; GPU agents go only to frameworks that
// can use GPUs.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "allocator/allocator.hpp"
#include "allocator_test_util.hpp"

namespace tepui::allocator {
namespace {

using namespace test_util;  // NOLINT(build/namespaces): the shared helpers

class AllocatorReservationTest : public AllocatorTest {};

TEST_F(AllocatorReservationTest, ReserveOfOfferedResourcesMakesThemTheRoles) {
  allocator->addAgent("a1", agentInfo("a1"), R("cpus:4;mem:1024"), {});
  allocator->addFramework("fw-web", multiRole({"web"}), {}, true);
  auto offers = allocator->allocate(0);
  ASSERT_EQ(offers.size(), 1u);

  // ACCEPT with RESERVE of part of the offer: still allocated to fw-web,
  // now reserved in the agent's total.
  Resources from = R("cpus:2;mem:512").allocate("web");
  Resources to = R("cpus(web):2;mem(web):512").allocate("web");
  ASSERT_TRUE(allocator->updateAllocation("fw-web", "a1", from, to));
  EXPECT_EQ(allocator->consumedQuota("web"), (std::map<std::string, double>{{"cpus", 4}, {"mem", 1024}}));
  EXPECT_EQ(allocator->roles().size(), 1u);
  // Only 2 unreserved cpus are held now: converting 3 is refused.
  EXPECT_FALSE(
      allocator->updateAllocation("fw-web", "a1", R("cpus:3").allocate("web"), R("cpus(web):3").allocate("web")));

  // Everything comes back; the reserved part is offered only to `web`.
  decline(Allocation{"fw-web", "web", "a1", R("cpus:2;mem:512;cpus(web):2;mem(web):512").allocate("web")}, std::nullopt,
          1);
  allocator->suppressOffers("fw-web", {});
  allocator->addFramework("fw-other", multiRole({"other"}), {}, true);
  auto other = allocator->allocate(2);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].frameworkId, "fw-other");
  EXPECT_EQ(other[0].resources.withoutAllocation(), R("cpus:2;mem:512"));
  EXPECT_EQ(allocator->consumedQuota("web"), (std::map<std::string, double>{{"cpus", 2}, {"mem", 512}}));

  allocator->reviveOffers("fw-web", {}, 3);
  auto web = allocator->allocate(3);
  ASSERT_EQ(web.size(), 1u);
  EXPECT_EQ(web[0].frameworkId, "fw-web");
  EXPECT_EQ(web[0].resources.withoutAllocation(), R("cpus(web):2;mem(web):512"));

  // UNRESERVE returns them to "*": once recovered, anyone may have them.
  ASSERT_TRUE(allocator->updateAllocation("fw-web", "a1", web[0].resources, R("cpus:2;mem:512").allocate("web")));
  EXPECT_EQ(allocator->consumedQuota("web"), (std::map<std::string, double>{{"cpus", 2}, {"mem", 512}}));
  allocator->recoverResources("fw-web", "a1", R("cpus:2;mem:512").allocate("web"), std::nullopt, 4);
  EXPECT_TRUE(allocator->consumedQuota("web").empty());
  allocator->suppressOffers("fw-web", {});
  auto unreserved = allocator->allocate(5);
  ASSERT_EQ(unreserved.size(), 1u);
  EXPECT_EQ(unreserved[0].frameworkId, "fw-other");
  EXPECT_EQ(unreserved[0].resources.withoutAllocation(), R("cpus:2;mem:512"));
  EXPECT_DOUBLE_EQ(allocator->metrics().total.at("cpus"), 4);
}

TEST_F(AllocatorReservationTest, GpuAgentsGoOnlyToFrameworksThatCanUseGpus) {
  allocator->addAgent("gpu", agentInfo("gpu"), R("cpus:4;mem:1024;gpus:1"), {});
  allocator->addFramework("fw-plain", multiRole({"a"}), {}, true);
  EXPECT_TRUE(allocator->allocate(0).empty());
  auto info = multiRole({"b"});
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::GPU_RESOURCES);
  allocator->addFramework("fw-gpu", info, {}, true);
  auto offers = allocator->allocate(1);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-gpu");
}

// `amount` cpus reserved (statically) to eng, then dynamically to each of
// `refinements` in turn.
Resources reservedCpus(double amount, const std::vector<std::string>& refinements = {}) {
  std::string stack = R"({"type":"STATIC","role":"eng"})";
  for (const std::string& role : refinements) stack += R"(,{"type":"DYNAMIC","role":")" + role + R"("})";
  return R(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":)" + std::to_string(amount) + R"(},"reservations":[)" +
           stack + "]}]");
}

TEST_F(AllocatorReservationTest, AReservationIsOfferedToItsRoleAndDescendantsOnly) {
  allocator->addAgent("a1", agentInfo("a1"), reservedCpus(2) + R("mem(eng):64"), {});
  // A sibling of eng and eng's parent-level neighbour get nothing.
  allocator->addFramework("fw-ops", multiRole({"ops"}), {}, true);
  allocator->addFramework("fw-engineering", multiRole({"engineering"}), {}, true);
  EXPECT_TRUE(allocator->allocate(0).empty());

  // A framework of eng/web (a descendant) is offered eng's reservation.
  allocator->addFramework("fw-web", multiRole({"eng/web"}), {}, true);
  auto offers = allocator->allocate(1);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-web");
  EXPECT_EQ(offers[0].role, "eng/web");
  EXPECT_EQ(offers[0].resources.withoutAllocation(), reservedCpus(2) + R("mem(eng):64"));
}

TEST_F(AllocatorReservationTest, RefinedReservationsGoOnlyToFrameworksThatCanHaveThem) {
  // 2 cpus refined to eng/web; 1 cpu and some memory reserved to eng.
  allocator->addAgent("a1", agentInfo("a1"), reservedCpus(2, {"eng/web"}) + reservedCpus(1) + R("mem(eng):64"), {});
  allocator->addFramework("fw-plain", multiRole({"eng/web"}), {}, true);
  auto plain = allocator->allocate(0);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].resources.withoutAllocation(), reservedCpus(1) + R("mem(eng):64"));

  auto capable = multiRole({"eng/web"});
  capable.add_capabilities()->set_type(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  allocator->addFramework("fw-capable", capable, {}, true);
  auto refined = allocator->allocate(1);
  ASSERT_EQ(refined.size(), 1u);
  EXPECT_EQ(refined[0].frameworkId, "fw-capable");
  EXPECT_EQ(refined[0].resources.withoutAllocation(), reservedCpus(2, {"eng/web"}));

  // Given back, everything goes to the capable framework in one offer.
  decline(plain[0], std::nullopt, 2);
  decline(refined[0], std::nullopt, 2);
  allocator->suppressOffers("fw-plain", {});
  auto all = allocator->allocate(3);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].frameworkId, "fw-capable");
  EXPECT_EQ(all[0].resources.withoutAllocation(), reservedCpus(2, {"eng/web"}) + reservedCpus(1) + R("mem(eng):64"));
}

}  // namespace
}  // namespace tepui::allocator
