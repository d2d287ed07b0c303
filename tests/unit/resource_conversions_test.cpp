// Unit tests of RESERVE, UNRESERVE, CREATE and DESTROY as conversions
// (common/resource_conversions.hpp): what each accepts, what it refuses and
// why, and what the agent's total becomes.
#include "common/resource_conversions.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tepui::conversions {
namespace {

using Field = google::protobuf::RepeatedPtrField<v1::Resource>;

Field field(const std::string& json) {
  auto parsed = Resources::parse(json);
  EXPECT_TRUE(parsed.ok()) << json;
  Field out;
  if (parsed) parsed->copyTo(&out);
  return out;
}

const char kDynamicCpus[] =
    R"([{"name":"cpus","type":"SCALAR","scalar":{"value":2},
        "reservations":[{"type":"DYNAMIC","role":"eng","principal":"ops"}]}])";
const char kRefinedCpus[] =
    R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1},
        "reservations":[{"type":"DYNAMIC","role":"eng"},{"type":"DYNAMIC","role":"eng/web"}]}])";
const char kVolume[] =
    R"([{"name":"disk","type":"SCALAR","scalar":{"value":64},
        "reservations":[{"type":"DYNAMIC","role":"eng"}],
        "disk":{"persistence":{"id":"db"},"volume":{"container_path":"data","mode":"RW"}}}])";
const char kReservedDisk[] =
    R"([{"name":"disk","type":"SCALAR","scalar":{"value":64},"reservations":[{"type":"DYNAMIC","role":"eng"}]}])";

Requester framework(const std::string& role, bool refinement = false) {
  Requester r;
  r.framework = true;
  r.principal = "ops";
  r.allocationRole = role;
  r.refinementCapable = refinement;
  return r;
}

TEST(ResourceConversionsTest, ReserveTakesTheUnreservedResourcesAndGivesThemTheRole) {
  auto c = reserve(field(kDynamicCpus), nullptr, framework("eng"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->from, *Resources::parse("cpus:2"));
  EXPECT_EQ(c->to, Resources(field(kDynamicCpus)));

  auto total = apply(*Resources::parse("cpus:4;mem:1024"), *c);
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(*total, *Resources::parse("cpus:2;mem:1024") + Resources(field(kDynamicCpus)));
  EXPECT_TRUE(isCheckpointed(*Resources(field(kDynamicCpus)).begin()));
  EXPECT_EQ(base(*total), *Resources::parse("cpus:4;mem:1024"));

  // Not enough there: the error names what is missing.
  auto short_ = apply(*Resources::parse("cpus:1"), *c);
  ASSERT_FALSE(short_.ok());
  EXPECT_NE(short_.error().message.find("cpus:1"), std::string::npos) << short_.error().message;
}

TEST(ResourceConversionsTest, ReserveRefusals) {
  auto expectRefused = [](const Result<Conversion>& c, const std::string& part) {
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find(part), std::string::npos) << c.error().message;
  };
  expectRefused(reserve(field("cpus:1"), nullptr, framework("eng")), "not dynamically reserved");
  expectRefused(reserve(field("cpus(eng):1"), nullptr, framework("eng")), "not dynamically reserved");
  expectRefused(reserve(field(kDynamicCpus), nullptr, framework("web")), "the offer is for role 'web'");
  Requester other = framework("eng");
  other.principal = "someone";
  expectRefused(reserve(field(kDynamicCpus), nullptr, other), "not the framework's principal");
  expectRefused(reserve(field(kRefinedCpus), nullptr, framework("eng/web")), "RESERVATION_REFINEMENT");
  expectRefused(reserve(field(kVolume), nullptr, framework("eng")), "persistent volume");
  expectRefused(reserve(Field(), nullptr, framework("eng")), "no resources");
  Field wrongSource = field("cpus:3");
  expectRefused(reserve(field(kDynamicCpus), &wrongSource, framework("eng")), "source");

  // The operator has no principal to match and no offer role.
  EXPECT_TRUE(reserve(field(kDynamicCpus), nullptr, Requester{}).ok());
  Field rightSource = field("cpus:2");
  EXPECT_TRUE(reserve(field(kDynamicCpus), &rightSource, Requester{}).ok());
}

TEST(ResourceConversionsTest, RefinementStacksOnTheParentsReservationAndUnreservePopsIt) {
  auto c = reserve(field(kRefinedCpus), nullptr, framework("eng/web", true));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(Resources::reservationRole(*c->from.begin()), "eng");
  EXPECT_EQ(Resources::reservationRole(*c->to.begin()), "eng/web");

  auto back = unreserve(field(kRefinedCpus), framework("eng/web", true));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->to, c->from);  // back to eng's reservation, not unreserved
  EXPECT_EQ(base(c->to), *Resources::parse("cpus:1"));
}

TEST(ResourceConversionsTest, UnreserveRefusesStaticReservationsAndVolumes) {
  EXPECT_FALSE(unreserve(field("cpus(eng):1"), Requester{}).ok());
  auto volume = unreserve(field(kVolume), Requester{});
  ASSERT_FALSE(volume.ok());
  EXPECT_NE(volume.error().message.find("destroy it"), std::string::npos);
  auto wrongRole = unreserve(field(kDynamicCpus), framework("web"));
  EXPECT_FALSE(wrongRole.ok());
  auto ok = unreserve(field(kDynamicCpus), framework("eng"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->to, *Resources::parse("cpus:2"));
}

TEST(ResourceConversionsTest, CreateAndDestroyVolumes) {
  auto c = create(field(kVolume), {}, framework("eng"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->from, Resources(field(kReservedDisk)));
  EXPECT_EQ(persistenceIds(c->to), std::set<std::string>{"db"});
  EXPECT_TRUE(isPersistentVolume(*c->to.begin()));
  EXPECT_EQ(base(c->to), *Resources::parse("disk:64"));

  auto d = destroy(field(kVolume));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->to, Resources(field(kReservedDisk)));
  EXPECT_FALSE(destroy(field(kReservedDisk)).ok());

  auto refused = [](const Result<Conversion>& r, const std::string& part) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().message;
  };
  refused(create(field(kVolume), {"db"}, framework("eng")), "already exists");
  // One volume of 8 MB; `reservation` is its reservations JSON ("" for none).
  auto volume = [](const std::string& id, const std::string& path, const std::string& mode,
                   const std::string& reservation = R"("reservations":[{"type":"DYNAMIC","role":"eng"}],)") {
    return field(R"([{"name":"disk","type":"SCALAR","scalar":{"value":8},)" + reservation +
                 R"("disk":{"persistence":{"id":")" + id + R"("},"volume":{"container_path":")" + path +
                 R"(","mode":")" + mode + R"("}}}])");
  };
  refused(create(volume("x", "d", "RW", ""), {}, Requester{}), "unreserved disk");
  refused(create(volume("x", "/abs", "RW"), {}, Requester{}), "absolute");
  refused(create(volume("x", "a/../../b", "RW"), {}, Requester{}), "leaves the sandbox");
  refused(create(volume("a/b", "d", "RW"), {}, Requester{}), "invalid persistence id");
  refused(create(volume("x", "d", "RO"), {}, Requester{}), "read-write");
  EXPECT_TRUE(create(volume("x", "nested/dir", "RW"), {}, Requester{}).ok());
  refused(create(field(kReservedDisk), {}, Requester{}), "not a persistent volume");
}

TEST(ResourceConversionsTest, PreRefinementFormatUsesRoleAndReservationAndRoundTrips) {
  Field offered = field(std::string(kDynamicCpus).insert(std::string(kDynamicCpus).size() - 1,
                                                         R"(,{"name":"mem","type":"SCALAR","scalar":{"value":64}})"));
  *offered.Add() = *field("disk(web):5").begin();
  *offered.Add() = *field(kRefinedCpus).begin();
  Resources before(offered);
  toPreRefinementFormat(&offered);
  ASSERT_EQ(offered.size(), 4);
  EXPECT_EQ(offered[0].role(), "eng");
  EXPECT_EQ(offered[0].reservation().principal(), "ops");
  EXPECT_EQ(offered[0].reservations_size(), 0);
  EXPECT_FALSE(offered[1].has_reservation());  // unreserved: untouched
  EXPECT_EQ(offered[1].reservations_size(), 0);
  EXPECT_EQ(offered[2].role(), "web");  // static: a role, no reservation
  EXPECT_FALSE(offered[2].has_reservation());
  EXPECT_EQ(offered[3].reservations_size(), 2);  // refined: no such form
  // What such a framework sends back means the same resources.
  EXPECT_EQ(Resources(offered), before);
}

}  // namespace
}  // namespace tepui::conversions
