// Unit tests for the resource algebra (src/common/resources.hpp): parsing of
// the text and JSON forms, validation, legacy normalisation, and the normal
// form arithmetic the allocator depends on (fixed point, range splitting and
// coalescing, reservation and allocation separation).
#include "common/resources.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace tepui {
namespace {

// Parses `text` that the test expects to be valid.
Resources R(const std::string& text, const std::string& defaultRole = "*") {
  auto parsed = Resources::parse(text, defaultRole);
  if (!parsed) {
    ADD_FAILURE() << "parse('" << text << "'): " << parsed.error().message;
    return {};
  }
  return *parsed;
}

// The error text of a parse the test expects to fail.
std::string parseError(const std::string& text) {
  auto parsed = Resources::parse(text);
  if (parsed) {
    ADD_FAILURE() << "parse('" << text << "') unexpectedly gave " << *parsed;
    return {};
  }
  return parsed.error().message;
}

v1::Resource scalarResource(const std::string& name, double value) {
  v1::Resource r;
  r.set_name(name);
  r.set_type(v1::Value::SCALAR);
  r.mutable_scalar()->set_value(value);
  return r;
}

v1::Resource rangesResource(const std::string& name, std::vector<std::pair<uint64_t, uint64_t>> ranges) {
  v1::Resource r;
  r.set_name(name);
  r.set_type(v1::Value::RANGES);
  for (auto [b, e] : ranges) {
    auto* range = r.mutable_ranges()->add_range();
    range->set_begin(b);
    range->set_end(e);
  }
  return r;
}

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

Ranges rangesOf(const v1::Resource& r) {
  Ranges out;
  for (const auto& range : r.ranges().range()) out.emplace_back(range.begin(), range.end());
  return out;
}

// ---------------------------------------------------------------------------
// Text parsing.

TEST(ResourcesParse, Scalars) {
  Resources r = R("cpus:4;mem:1024");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.cpus(), 4.0);
  EXPECT_EQ(r.mem(), 1024.0);
  EXPECT_EQ(r.disk(), std::nullopt);
  EXPECT_EQ(r.scalar("gpus"), 0.0);
  for (const auto& item : r) {
    EXPECT_EQ(item.reservations_size(), 0);
    EXPECT_FALSE(item.has_role());
  }
}

TEST(ResourcesParse, RoleMakesStaticReservation) {
  Resources r = R("cpus(web):2;mem:10");
  ASSERT_EQ(r.size(), 2u);
  const v1::Resource& cpus = r.items()[0];
  EXPECT_EQ(cpus.name(), "cpus");
  ASSERT_EQ(cpus.reservations_size(), 1);
  EXPECT_EQ(cpus.reservations(0).type(), v1::Resource::ReservationInfo::STATIC);
  EXPECT_EQ(cpus.reservations(0).role(), "web");
  EXPECT_FALSE(cpus.has_role());
  EXPECT_EQ(r.items()[1].reservations_size(), 0);
  EXPECT_EQ(Resources::reservationRole(cpus), "web");
  EXPECT_EQ(Resources::reservationRole(r.items()[1]), "*");
}

TEST(ResourcesParse, StarRoleIsUnreserved) {
  Resources r = R("cpus(*):2");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.items()[0].reservations_size(), 0);
  EXPECT_EQ(r, R("cpus:2"));
}

TEST(ResourcesParse, DefaultRole) {
  Resources r = R("cpus:2;mem(*):3;disk(db):5", "web");
  EXPECT_EQ(r.reserved("web"), R("cpus(web):2"));
  EXPECT_EQ(r.unreserved(), R("mem:3"));
  EXPECT_EQ(r.reserved("db"), R("disk(db):5"));
}

TEST(ResourcesParse, HierarchicalRole) {
  Resources r = R("cpus(eng/frontend):1");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.items()[0].reservations(0).role(), "eng/frontend");
  EXPECT_EQ(r.reserved("eng/frontend").cpus(), 1.0);
  EXPECT_TRUE(r.reserved("eng").empty());
}

TEST(ResourcesParse, RangesAndSets) {
  Resources r = R("ports:[31000-32000,1-5];disks:{b,a,b}");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r.items()[0].type(), v1::Value::RANGES);
  EXPECT_EQ(rangesOf(r.items()[0]), (Ranges{{1, 5}, {31000, 32000}}));
  EXPECT_EQ(r.items()[1].type(), v1::Value::SET);
  ASSERT_EQ(r.items()[1].set().item_size(), 2);
  EXPECT_EQ(r.items()[1].set().item(0), "a");
  EXPECT_EQ(r.items()[1].set().item(1), "b");
  EXPECT_EQ(r.ports(), (Ranges{{1, 5}, {31000, 32000}}));
}

TEST(ResourcesParse, OverlappingRangesInOneEntryCoalesce) {
  Resources r = R("ports:[10-20,15-30,31-31,40-41]");
  EXPECT_EQ(r.ports(), (Ranges{{10, 31}, {40, 41}}));
}

TEST(ResourcesParse, DuplicatesAddUp) {
  Resources r = R("cpus:1;cpus:2.5;ports:[1-2];ports:[3-4]");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.cpus(), 3.5);
  EXPECT_EQ(r.ports(), (Ranges{{1, 4}}));
}

TEST(ResourcesParse, Whitespace) {
  Resources r = R("  cpus : 1 ; ; mem( web ) :  2 ;ports: [ 1 - 3 , 5-6 ] ; disks:{ a , b };");
  EXPECT_EQ(r, R("cpus:1;mem(web):2;ports:[1-3,5-6];disks:{a,b}"));
}

TEST(ResourcesParse, NewlinesSeparateLikeSemicolons) { EXPECT_EQ(R("cpus:1\nmem:2\n"), R("cpus:1;mem:2")); }

TEST(ResourcesParse, EmptyTextIsEmpty) {
  EXPECT_TRUE(R("").empty());
  EXPECT_TRUE(R("  ;  ; ").empty());
}

TEST(ResourcesParse, ZeroAndEmptyValuesDisappear) {
  EXPECT_TRUE(R("cpus:0;ports:[];disks:{}").empty());
  EXPECT_TRUE(R("cpus:0.0004").empty());  // rounds to 0 at 0.001 precision
  EXPECT_EQ(R("cpus:0.0005").cpus(), 0.001);
}

TEST(ResourcesParse, ScientificNotation) { EXPECT_EQ(R("mem:1e3").mem(), 1000.0); }

TEST(ResourcesParse, Errors) {
  EXPECT_EQ(parseError("cpus:abc"), "invalid resource 'cpus:abc': 'abc' is not a number");
  EXPECT_EQ(parseError("cpus:-1"), "invalid resource 'cpus:-1': resource 'cpus' has a negative value");
  EXPECT_NE(parseError("cpus:nan").find("not a finite number"), std::string::npos);
  EXPECT_NE(parseError("cpus:inf").find("not a finite number"), std::string::npos);
  EXPECT_NE(parseError("cpus:1e400").find("not a finite number"), std::string::npos);
  EXPECT_NE(parseError("mem:1;ports:[1-5").find("invalid resource 'ports:[1-5': unterminated"), std::string::npos);
  EXPECT_EQ(parseError("ports:[5-1]"), "invalid resource 'ports:[5-1]': invalid range '5-1': begin is greater than end");
  EXPECT_NE(parseError("ports:[1-x]").find("invalid range '1-x'"), std::string::npos);
  EXPECT_NE(parseError("ports:[7]").find("expected 'begin-end'"), std::string::npos);
  EXPECT_NE(parseError("ports:[-1-5]").find("invalid range"), std::string::npos);
  EXPECT_EQ(parseError(":5"), "invalid resource ':5': empty name");
  EXPECT_EQ(parseError("(web):5"), "invalid resource '(web):5': empty name");
  EXPECT_NE(parseError("cpus").find("expected 'name:value'"), std::string::npos);
  EXPECT_NE(parseError("cpus:").find("empty value"), std::string::npos);
  EXPECT_NE(parseError("cpus(web:1").find("missing ')'"), std::string::npos);
  EXPECT_NE(parseError("cpus(web)x:1").find("unexpected text after the role"), std::string::npos);
  EXPECT_NE(parseError("cpus():1").find("empty role"), std::string::npos);
  EXPECT_NE(parseError("cpus(-bad):1").find("invalid role '-bad'"), std::string::npos);
  EXPECT_NE(parseError("cpus(a//b):1").find("invalid role"), std::string::npos);
  EXPECT_NE(parseError("cpus(..):1").find("invalid role"), std::string::npos);
  EXPECT_NE(parseError("disks:{a,,b}").find("empty item"), std::string::npos);
  EXPECT_NE(parseError("disks:{a,b").find("unterminated set"), std::string::npos);
  EXPECT_NE(parseError("cpus:0x10").find("is not a number"), std::string::npos);
  EXPECT_NE(parseError("cpus:+1").find("is not a number"), std::string::npos);
  EXPECT_NE(parseError("cp)us:1").find("invalid name"), std::string::npos);
}

TEST(ResourcesParse, InvalidDefaultRole) {
  auto parsed = Resources::parse("cpus:1", "a b");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("invalid default role"), std::string::npos);
}

// ---------------------------------------------------------------------------
// JSON parsing.

TEST(ResourcesParseJson, Array) {
  Resources r = R(R"([
    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 4}},
    {"name": "mem", "type": "SCALAR", "scalar": {"value": 512.5}, "role": "web"},
    {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 31000, "end": 32000}, {"begin": "1", "end": 2}]}},
    {"name": "disks", "type": "SET", "set": {"item": ["b", "a"]}, "unknown_key": 7, "shared": null}
  ])");
  EXPECT_EQ(r, R("cpus:4;mem(web):512.5;ports:[1-2,31000-32000];disks:{a,b}"));
}

TEST(ResourcesParseJson, LeadingWhitespaceStillJson) {
  EXPECT_EQ(R(R"(  [{"name":"cpus","type":"SCALAR","scalar":{"value":"1.5"}}])"), R("cpus:1.5"));
}

TEST(ResourcesParseJson, DefaultRoleAppliesToEntriesWithoutRole) {
  Resources r = R(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1}},
                     {"name":"mem","type":"SCALAR","scalar":{"value":2},"role":"*"}])",
                  "web");
  EXPECT_EQ(r, R("cpus(web):1;mem:2"));
}

TEST(ResourcesParseJson, ReservationsAllocationAndDisk) {
  Resources r = R(R"([
    {"name": "cpus", "type": "SCALAR", "scalar": {"value": 2},
     "reservations": [{"type": "DYNAMIC", "role": "eng", "principal": "ops",
                       "labels": {"labels": [{"key": "k", "value": "v"}]}}],
     "allocation_info": {"role": "eng"}},
    {"name": "disk", "type": "SCALAR", "scalar": {"value": 1024},
     "disk": {"source": {"type": "MOUNT", "mount": {"root": "/mnt/d1"}},
              "persistence": {"id": "vol1", "principal": "ops"},
              "volume": {"container_path": "data", "mode": "RW"}},
     "revocable": {}, "provider_id": {"value": "rp1"}}
  ])");
  ASSERT_EQ(r.size(), 2u);
  const v1::Resource& cpus = r.items()[0];
  ASSERT_EQ(cpus.reservations_size(), 1);
  EXPECT_EQ(cpus.reservations(0).type(), v1::Resource::ReservationInfo::DYNAMIC);
  EXPECT_EQ(cpus.reservations(0).principal(), "ops");
  ASSERT_EQ(cpus.reservations(0).labels().labels_size(), 1);
  EXPECT_EQ(cpus.reservations(0).labels().labels(0).value(), "v");
  EXPECT_EQ(cpus.allocation_info().role(), "eng");
  const v1::Resource& disk = r.items()[1];
  EXPECT_EQ(disk.disk().source().type(), v1::Resource::DiskInfo::Source::MOUNT);
  EXPECT_EQ(disk.disk().source().mount().root(), "/mnt/d1");
  EXPECT_EQ(disk.disk().persistence().id(), "vol1");
  EXPECT_EQ(disk.disk().volume().container_path(), "data");
  EXPECT_EQ(disk.disk().volume().mode(), v1::Volume::RW);
  EXPECT_TRUE(disk.has_revocable());
  EXPECT_EQ(disk.provider_id().value(), "rp1");
  EXPECT_EQ(r.disk(), 1024.0);
}

TEST(ResourcesParseJson, Errors) {
  auto error = [](const std::string& text) {
    auto parsed = Resources::parse(text);
    return parsed ? std::string("<ok>") : parsed.error().message;
  };
  EXPECT_NE(error("[{").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(error("[1]"), "invalid resource #0: expected an object");
  EXPECT_EQ(error(R"([{"type":"SCALAR","scalar":{"value":1}}])"), "invalid resource #0: name: missing required field");
  EXPECT_EQ(error(R"([{"name":"cpus","type":"FLOAT","scalar":{"value":1}}])"),
            "invalid resource #0 ('cpus'): type: unknown value type 'FLOAT'");
  EXPECT_EQ(error(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":"x"}}])"),
            "invalid resource #0 ('cpus'): scalar.value: expected a number");
  EXPECT_EQ(error(R"([{"name":"p","type":"RANGES","ranges":{"range":[{"begin":1,"end":2},{"begin":-1,"end":2}]}}])"),
            "invalid resource #0 ('p'): ranges.range[1].begin: expected a non-negative integer");
  EXPECT_EQ(error(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":-1}}])"),
            "invalid resource #0: resource 'cpus' has a negative value");
  EXPECT_NE(error(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":"NaN"}}])").find("not a finite number"),
            std::string::npos);
  EXPECT_NE(error(R"([{"name":"cpus","type":"SCALAR"}])").find("has no scalar value"), std::string::npos);
  EXPECT_NE(error(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":1}}, {"name":"","type":"SCALAR","scalar":{"value":1}}])")
                .find("invalid resource #1"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// Arithmetic.

TEST(ResourcesArithmetic, AddAndSubtractScalars) {
  Resources a = R("cpus:2;mem:1024");
  Resources b = R("cpus:1.5;mem:24;disk:10");
  EXPECT_EQ(a + b, R("cpus:3.5;mem:1048;disk:10"));
  EXPECT_EQ((a + b) - b, a);
  Resources c = a;
  c -= R("cpus:2");
  EXPECT_EQ(c, R("mem:1024"));
  EXPECT_EQ(c.cpus(), std::nullopt);
}

TEST(ResourcesArithmetic, SubtractionSaturates) {
  EXPECT_TRUE((R("cpus:1") - R("cpus:2")).empty());
  EXPECT_EQ(R("cpus:1;mem:5") - R("gpus:3;mem:1"), R("cpus:1;mem:4"));
  EXPECT_TRUE((R("ports:[1-5]") - R("ports:[0-10]")).empty());
  EXPECT_TRUE((R("disks:{a}") - R("disks:{a,b}")).empty());
  EXPECT_TRUE((Resources() - R("cpus:1")).empty());
}

TEST(ResourcesArithmetic, SelfAliasing) {
  Resources r = R("cpus:1;ports:[1-2];disks:{a}");
  r += r;
  EXPECT_EQ(r, R("cpus:2;ports:[1-2];disks:{a}"));
  r -= r;
  EXPECT_TRUE(r.empty());
}

TEST(ResourcesArithmetic, RangesMergeWhenAdjacentOrOverlapping) {
  Resources r = R("ports:[1-3]") + R("ports:[4-5]");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(rangesOf(r.items()[0]), (Ranges{{1, 5}}));
  EXPECT_EQ(R("ports:[1-10]") + R("ports:[5-20]"), R("ports:[1-20]"));
  EXPECT_EQ(R("ports:[1-2,8-9]") + R("ports:[4-5]"), R("ports:[1-2,4-5,8-9]"));
  EXPECT_EQ(R("ports:[1-2,8-9]") + R("ports:[3-7]"), R("ports:[1-9]"));
}

TEST(ResourcesArithmetic, RangesExtremeBounds) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  Resources all(std::vector<v1::Resource>{rangesResource("ports", {{0, max}})});
  Resources high(std::vector<v1::Resource>{rangesResource("ports", {{max - 1, max}})});
  EXPECT_TRUE(all.contains(high));
  Resources left = all - high;
  EXPECT_EQ(left.ports(), (Ranges{{0, max - 2}}));
  EXPECT_EQ(left + high, all);
  Resources low = all - R("ports:[0-0]");
  EXPECT_EQ(low.ports(), (Ranges{{1, max}}));
}

TEST(ResourcesArithmetic, RangeSubtractionSplits) {
  Resources r = R("ports:[1-10]") - R("ports:[4-6]");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(rangesOf(r.items()[0]), (Ranges{{1, 3}, {7, 10}}));
  EXPECT_EQ(R("ports:[1-10]") - R("ports:[1-1,10-10]"), R("ports:[2-9]"));
  EXPECT_EQ(R("ports:[1-10,20-30]") - R("ports:[5-25]"), R("ports:[1-4,26-30]"));
  EXPECT_EQ(R("ports:[1-10,20-30]") - R("ports:[2-2,4-4,22-28,40-50]"), R("ports:[1-1,3-3,5-10,20-21,29-30]"));
  EXPECT_EQ(R("ports:[5-10]") - R("ports:[1-2,20-30]"), R("ports:[5-10]"));
  EXPECT_TRUE((R("ports:[1-10]") - R("ports:[1-10]")).empty());
}

TEST(ResourcesArithmetic, Sets) {
  EXPECT_EQ(R("disks:{a,c}") + R("disks:{b,c}"), R("disks:{a,b,c}"));
  EXPECT_EQ(R("disks:{a,b,c}") - R("disks:{b,x}"), R("disks:{a,c}"));
  EXPECT_TRUE(R("disks:{a,b,c}").contains(R("disks:{a,c}")));
  EXPECT_FALSE(R("disks:{a,b}").contains(R("disks:{a,d}")));
}

TEST(ResourcesArithmetic, Contains) {
  Resources agent = R("cpus:4;mem:1024;ports:[31000-32000]");
  EXPECT_TRUE(agent.contains(R("cpus:4;mem:1")));
  EXPECT_TRUE(agent.contains(R("ports:[31000-31000,31500-32000]")));
  EXPECT_TRUE(agent.contains(Resources()));
  EXPECT_TRUE(Resources().contains(Resources()));
  EXPECT_FALSE(agent.contains(R("cpus:4.001")));
  EXPECT_FALSE(agent.contains(R("gpus:1")));
  EXPECT_FALSE(agent.contains(R("ports:[30999-31000]")));
  EXPECT_FALSE(R("ports:[1-5,7-9]").contains(R("ports:[4-8]")));
  EXPECT_FALSE(Resources().contains(R("cpus:1")));
  // A reservation is part of the identity: unreserved does not cover reserved.
  EXPECT_FALSE(R("cpus:4").contains(R("cpus(web):1")));
  EXPECT_FALSE(R("cpus(web):4").contains(R("cpus:1")));
}

TEST(ResourcesArithmetic, EqualityIsOrderInsensitive) {
  EXPECT_EQ(R("cpus:1;mem:2;ports:[1-2]"), R("ports:[1-2];mem:2;cpus:1"));
  EXPECT_FALSE(R("cpus:1;mem:2") == R("cpus:1;mem:3"));
  EXPECT_FALSE(R("cpus:1;mem:2") == R("cpus:1"));
  EXPECT_FALSE(R("cpus:1") == R("cpus(web):1"));
  EXPECT_FALSE(R("ports:[1-2]") == R("ports:[1-3]"));
}

TEST(ResourcesArithmetic, DifferentTypesOfSameNameStayApart) {
  Resources r = R("ports:[1-2]") + R("ports:3");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.scalar("ports"), 3.0);
  EXPECT_EQ(r.ports(), (Ranges{{1, 2}}));
}

// ---------------------------------------------------------------------------
// Fixed point.

TEST(ResourcesFixedPoint, TenthsAddExactly) {
  EXPECT_EQ(R("cpus:0.1") + R("cpus:0.2"), R("cpus:0.3"));
  EXPECT_EQ((R("cpus:0.1") + R("cpus:0.2")).cpus(), 0.3);
  Resources ten;
  for (int i = 0; i < 10; ++i) ten += R("cpus:0.1");
  EXPECT_EQ(ten, R("cpus:1"));
  EXPECT_EQ(ten.toString(), "cpus:1");
}

TEST(ResourcesFixedPoint, ManySmallStepsReturnToZero) {
  const Resources step = R("cpus:0.001;mem:0.1");
  Resources total;
  for (int i = 0; i < 10000; ++i) total += step;
  EXPECT_EQ(total, R("cpus:10;mem:1000"));
  for (int i = 0; i < 10000; ++i) total -= step;
  EXPECT_TRUE(total.empty()) << total;

  Resources agent = R("cpus:1");
  for (int i = 0; i < 7; ++i) agent -= R("cpus:0.1");
  EXPECT_EQ(agent, R("cpus:0.3"));
  for (int i = 0; i < 3; ++i) agent -= R("cpus:0.1");
  EXPECT_TRUE(agent.empty()) << agent;
}

TEST(ResourcesFixedPoint, ValuesRoundToThousandths) {
  Resources r(std::vector<v1::Resource>{scalarResource("cpus", 0.12345)});
  EXPECT_EQ(r.cpus(), 0.123);
  EXPECT_TRUE(r.contains(R("cpus:0.123")));
  EXPECT_FALSE(r.contains(R("cpus:0.124")));
  EXPECT_EQ(r.toString(), "cpus:0.123");
}

// ---------------------------------------------------------------------------
// Reservations and allocation.

TEST(ResourcesReservation, ReservedAndUnreservedDoNotMerge) {
  Resources r = R("cpus(web):2") + R("cpus:2");
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.cpus(), 4.0);
  EXPECT_EQ(r.scalar("cpus"), 4.0);
  EXPECT_EQ(r.reserved("web"), R("cpus(web):2"));
  EXPECT_EQ(r.unreserved(), R("cpus:2"));
  EXPECT_TRUE(r.reserved("other").empty());
  EXPECT_TRUE(r.reserved("*").empty());
  EXPECT_EQ(r - R("cpus:2"), R("cpus(web):2"));
  EXPECT_EQ(r - R("cpus(web):1"), R("cpus(web):1;cpus:2"));
}

TEST(ResourcesReservation, DynamicLabelsAndRefinementAreIdentity) {
  v1::Resource dynamic = scalarResource("cpus", 1);
  auto* d = dynamic.add_reservations();
  d->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  d->set_role("web");
  d->set_principal("ops");
  v1::Resource labelled = dynamic;
  auto* label = labelled.mutable_reservations(0)->mutable_labels()->add_labels();
  label->set_key("k");
  label->set_value("v");
  v1::Resource refined = dynamic;
  auto* inner = refined.add_reservations();
  inner->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  inner->set_role("web/api");

  Resources r(std::vector<v1::Resource>{dynamic, labelled, refined, dynamic});
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r.cpus(), 4.0);
  EXPECT_EQ(r.reserved("web").cpus(), 3.0);
  EXPECT_EQ(r.reserved("web/api").cpus(), 1.0);
  // Static and dynamic reservations to the same role stay apart too.
  EXPECT_EQ((r + R("cpus(web):1")).size(), 4u);
  EXPECT_EQ((r + R("cpus(web):1")).toString(), "cpus(web):2;cpus(web):1;cpus(web/api):1;cpus(web):1");
}

TEST(ResourcesReservation, AllocationInfo) {
  Resources offered = R("cpus:2;mem:100");
  Resources a = offered.allocate("a");
  for (const auto& item : a) EXPECT_EQ(item.allocation_info().role(), "a");
  EXPECT_FALSE(a == offered);
  EXPECT_EQ(a.cpus(), 2.0);

  Resources b = R("cpus:1").allocate("b");
  Resources both = a + b;
  EXPECT_EQ(both.size(), 3u);  // cpus for a and for b stay apart
  EXPECT_EQ(both.allocatedTo("a"), a);
  EXPECT_EQ(both.allocatedTo("b"), b);
  EXPECT_TRUE(both.allocatedTo("c").empty());
  EXPECT_TRUE(offered.allocatedTo("a").empty());
  EXPECT_EQ(both.withoutAllocation(), R("cpus:3;mem:100"));
  EXPECT_EQ(both.allocate("c"), R("cpus:3;mem:100").allocate("c"));

  EXPECT_TRUE(both.contains(R("cpus:1").allocate("a")));
  EXPECT_FALSE(both.contains(R("cpus:1")));
  EXPECT_FALSE(both.contains(R("cpus:1.5").allocate("b")));
  EXPECT_EQ(both - R("cpus:2").allocate("a"), R("mem:100").allocate("a") + b);
}

TEST(ResourcesReservation, DiskRevocableAndProviderAreIdentity) {
  v1::Resource plain = scalarResource("disk", 100);
  v1::Resource volume = plain;
  volume.mutable_disk()->mutable_persistence()->set_id("v1");
  volume.mutable_disk()->mutable_volume()->set_container_path("data");
  v1::Resource otherVolume = volume;
  otherVolume.mutable_disk()->mutable_persistence()->set_id("v2");
  v1::Resource revocable = plain;
  revocable.mutable_revocable();
  v1::Resource provided = plain;
  provided.mutable_provider_id()->set_value("rp");

  Resources r(std::vector<v1::Resource>{plain, volume, otherVolume, revocable, provided, volume});
  EXPECT_EQ(r.size(), 5u);
  EXPECT_EQ(r.disk(), 600.0);
  Resources justVolume(std::vector<v1::Resource>{volume});
  EXPECT_TRUE(r.contains(justVolume));
  EXPECT_EQ((r - justVolume - justVolume).size(), 4u);
}

TEST(ResourcesReservation, ScalarsAndPortsSumOverIdentities) {
  Resources r = R("cpus:1;cpus(web):2;mem:3;ports:[1-3];ports(web):[4-6,10-11]") + R("gpus:1").allocate("x");
  auto scalars = r.scalars();
  EXPECT_EQ(scalars.size(), 3u);
  EXPECT_EQ(scalars["cpus"], 3.0);
  EXPECT_EQ(scalars["mem"], 3.0);
  EXPECT_EQ(scalars["gpus"], 1.0);
  EXPECT_EQ(r.ports(), (Ranges{{1, 6}, {10, 11}}));
}

// ---------------------------------------------------------------------------
// Text form.

TEST(ResourcesToString, Format) {
  EXPECT_EQ(R("cpus:0.5;mem:1024").toString(), "cpus:0.5;mem:1024");
  EXPECT_EQ(R("ports:[31000-32000]").toString(), "ports:[31000-32000]");
  EXPECT_EQ(R("ports:[5-9,1-2]").toString(), "ports:[1-2,5-9]");
  EXPECT_EQ(R("disks:{b,a}").toString(), "disks:{a,b}");
  EXPECT_EQ(R("cpus(web):2.25;mem:1").toString(), "cpus(web):2.25;mem:1");
  EXPECT_EQ(R("mem:1000000").toString(), "mem:1000000");
  EXPECT_EQ(Resources().toString(), "");
  std::ostringstream stream;
  stream << R("cpus:1");
  EXPECT_EQ(stream.str(), "cpus:1");
}

TEST(ResourcesToString, RoundTrips) {
  for (const char* text : {"cpus:0.5;mem:1024", "cpus:4;mem(web):1024;ports:[31000-32000];disks:{a,b}",
                           "cpus(eng/fe):0.125;ports(x):[1-2,5-9,100-100];disk:65536.001", ""}) {
    Resources r = R(text);
    EXPECT_EQ(R(r.toString()), r) << text;
    EXPECT_EQ(r.toString(), text);
  }
}

// ---------------------------------------------------------------------------
// validate() and normalize().

TEST(ResourcesValidate, AcceptsWellFormed) {
  EXPECT_EQ(Resources::validate(scalarResource("cpus", 0)), std::nullopt);
  EXPECT_EQ(Resources::validate(rangesResource("ports", {{1, 1}, {5, 9}})), std::nullopt);
  v1::Resource legacy = scalarResource("cpus", 1);
  legacy.set_role("web");
  legacy.mutable_reservation()->set_principal("ops");
  EXPECT_EQ(Resources::validate(legacy), std::nullopt);
  v1::Resource refined = scalarResource("cpus", 1);
  auto* outer = refined.add_reservations();
  outer->set_type(v1::Resource::ReservationInfo::STATIC);
  outer->set_role("eng");
  auto* inner = refined.add_reservations();
  inner->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  inner->set_role("eng/fe");
  EXPECT_EQ(Resources::validate(refined), std::nullopt);
  v1::Resource volume = scalarResource("disk", 10);
  volume.mutable_disk()->mutable_persistence()->set_id("v");
  volume.mutable_shared();
  EXPECT_EQ(Resources::validate(volume), std::nullopt);
}

TEST(ResourcesValidate, Errors) {
  auto error = [](const v1::Resource& r) {
    auto e = Resources::validate(r);
    return e ? e->message : std::string("<valid>");
  };
  EXPECT_EQ(error(scalarResource("", 1)), "resource has an empty name");
  EXPECT_EQ(error(scalarResource("cpus", -1)), "resource 'cpus' has a negative value");
  EXPECT_EQ(error(scalarResource("cpus", std::nan(""))), "resource 'cpus' value is not a finite number");
  EXPECT_EQ(error(scalarResource("cpus", HUGE_VAL)), "resource 'cpus' value is not a finite number");

  v1::Resource noValue;
  noValue.set_name("cpus");
  noValue.set_type(v1::Value::SCALAR);
  EXPECT_EQ(error(noValue), "resource 'cpus' of type SCALAR has no scalar value");
  v1::Resource mixed = scalarResource("cpus", 1);
  mixed.mutable_set()->add_item("x");
  EXPECT_NE(error(mixed).find("also has"), std::string::npos);
  v1::Resource wrongType = rangesResource("ports", {{1, 2}});
  wrongType.set_type(v1::Value::SET);
  EXPECT_EQ(error(wrongType), "resource 'ports' of type SET has no set value");

  EXPECT_EQ(error(rangesResource("ports", {{1, 2}, {9, 3}})),
            "resource 'ports' has an invalid range 9-3: begin is greater than end");
  v1::Resource emptyItem;
  emptyItem.set_name("disks");
  emptyItem.set_type(v1::Value::SET);
  emptyItem.mutable_set()->add_item("");
  EXPECT_EQ(error(emptyItem), "resource 'disks' has an empty set item");
  v1::Resource text;
  text.set_name("t");
  text.set_type(v1::Value::TEXT);
  EXPECT_EQ(error(text), "resource 't' has unsupported type TEXT");

  v1::Resource starDynamic = scalarResource("cpus", 1);
  starDynamic.mutable_reservation()->set_principal("ops");
  EXPECT_NE(error(starDynamic).find("no role to reserve to"), std::string::npos);
  v1::Resource badRole = scalarResource("cpus", 1);
  badRole.set_role("a b");
  EXPECT_NE(error(badRole).find("invalid role 'a b'"), std::string::npos);

  v1::Resource both = scalarResource("cpus", 1);
  both.set_role("web");
  both.add_reservations()->set_role("web");
  both.mutable_reservations(0)->set_type(v1::Resource::ReservationInfo::STATIC);
  EXPECT_NE(error(both).find("both the legacy 'role' and 'reservations'"), std::string::npos);

  v1::Resource untyped = scalarResource("cpus", 1);
  untyped.add_reservations()->set_role("web");
  EXPECT_NE(error(untyped).find("without a type"), std::string::npos);
  v1::Resource star = scalarResource("cpus", 1);
  star.add_reservations()->set_role("*");
  star.mutable_reservations(0)->set_type(v1::Resource::ReservationInfo::STATIC);
  EXPECT_NE(error(star).find("role '*'"), std::string::npos);
  v1::Resource noRole = scalarResource("cpus", 1);
  noRole.add_reservations()->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  EXPECT_NE(error(noRole).find("without a role"), std::string::npos);

  v1::Resource notRefining = scalarResource("cpus", 1);
  for (const char* role : {"eng", "ops"}) {
    auto* r = notRefining.add_reservations();
    r->set_type(v1::Resource::ReservationInfo::DYNAMIC);
    r->set_role(role);
  }
  EXPECT_NE(error(notRefining).find("not a descendant of 'eng'"), std::string::npos);
  v1::Resource staticOnDynamic = scalarResource("cpus", 1);
  staticOnDynamic.add_reservations()->set_role("eng");
  staticOnDynamic.mutable_reservations(0)->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  staticOnDynamic.add_reservations()->set_role("eng/a");
  staticOnDynamic.mutable_reservations(1)->set_type(v1::Resource::ReservationInfo::STATIC);
  EXPECT_NE(error(staticOnDynamic).find("STATIC reservation #1 refining a DYNAMIC one"), std::string::npos);

  v1::Resource diskOnCpus = scalarResource("cpus", 1);
  diskOnCpus.mutable_disk();
  EXPECT_NE(error(diskOnCpus).find("not a 'disk' resource"), std::string::npos);
  v1::Resource sharedPlain = scalarResource("disk", 1);
  sharedPlain.mutable_shared();
  EXPECT_NE(error(sharedPlain).find("not a persistent volume"), std::string::npos);
}

TEST(ResourcesValidate, RepeatedReturnsFirstError) {
  google::protobuf::RepeatedPtrField<v1::Resource> list;
  *list.Add() = scalarResource("cpus", 1);
  EXPECT_EQ(Resources::validate(list), std::nullopt);
  *list.Add() = scalarResource("mem", -5);
  *list.Add() = scalarResource("", 1);
  auto e = Resources::validate(list);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "resource 'mem' has a negative value");
}

TEST(ResourcesNormalize, LegacyRole) {
  v1::Resource r = scalarResource("cpus", 1);
  r.set_role("web");
  v1::Resource n = Resources::normalize(r);
  EXPECT_FALSE(n.has_role());
  EXPECT_FALSE(n.has_reservation());
  ASSERT_EQ(n.reservations_size(), 1);
  EXPECT_EQ(n.reservations(0).type(), v1::Resource::ReservationInfo::STATIC);
  EXPECT_EQ(n.reservations(0).role(), "web");
  EXPECT_EQ(Resources::reservationRole(r), "web");
  EXPECT_EQ(Resources::reservationRole(n), "web");
}

TEST(ResourcesNormalize, LegacyDynamicReservation) {
  v1::Resource r = scalarResource("cpus", 1);
  r.set_role("web");
  r.mutable_reservation()->set_principal("ops");
  auto* label = r.mutable_reservation()->mutable_labels()->add_labels();
  label->set_key("k");
  v1::Resource n = Resources::normalize(r);
  EXPECT_FALSE(n.has_role());
  EXPECT_FALSE(n.has_reservation());
  ASSERT_EQ(n.reservations_size(), 1);
  EXPECT_EQ(n.reservations(0).type(), v1::Resource::ReservationInfo::DYNAMIC);
  EXPECT_EQ(n.reservations(0).role(), "web");
  EXPECT_EQ(n.reservations(0).principal(), "ops");
  EXPECT_EQ(n.reservations(0).labels().labels(0).key(), "k");
}

TEST(ResourcesNormalize, StarRoleAndNewFormUntouched) {
  v1::Resource star = scalarResource("cpus", 1);
  star.set_role("*");
  v1::Resource n = Resources::normalize(star);
  EXPECT_FALSE(n.has_role());
  EXPECT_EQ(n.reservations_size(), 0);

  v1::Resource modern = scalarResource("cpus", 1);
  modern.add_reservations()->set_role("web");
  modern.mutable_reservations(0)->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  EXPECT_EQ(Resources::normalize(modern).SerializeAsString(), modern.SerializeAsString());
}

TEST(ResourcesNormalize, ConstructionNormalizesAndMerges) {
  v1::Resource legacy = scalarResource("cpus", 1);
  legacy.set_role("web");
  v1::Resource modern = scalarResource("cpus", 2);
  auto* reservation = modern.add_reservations();
  reservation->set_type(v1::Resource::ReservationInfo::STATIC);
  reservation->set_role("web");
  google::protobuf::RepeatedPtrField<v1::Resource> list;
  *list.Add() = legacy;
  *list.Add() = modern;
  Resources r(list);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r.items()[0].has_role());
  EXPECT_EQ(r, R("cpus(web):3"));
}

TEST(ResourcesConstruct, DropsEmptyAndUnusableEntries) {
  v1::Resource text;
  text.set_name("t");
  text.set_type(v1::Value::TEXT);
  Resources r(std::vector<v1::Resource>{scalarResource("cpus", -1), scalarResource("mem", std::nan("")),
                                        scalarResource("", 1), rangesResource("ports", {{5, 1}}), text,
                                        scalarResource("gpus", 0), scalarResource("disk", 3)});
  EXPECT_EQ(r, R("disk:3"));
}

TEST(ResourcesConstruct, CanonicalisesRangesAndSets) {
  v1::Resource set;
  set.set_name("disks");
  set.set_type(v1::Value::SET);
  for (const char* item : {"c", "a", "c", "b"}) set.mutable_set()->add_item(item);
  Resources r(std::vector<v1::Resource>{rangesResource("ports", {{9, 10}, {1, 3}, {2, 5}, {6, 6}}), set});
  EXPECT_EQ(r.toString(), "ports:[1-6,9-10];disks:{a,b,c}");
}

TEST(ResourcesConstruct, CopyToRoundTrips) {
  Resources r = R("cpus:1;mem(web):2;ports:[1-3]").allocate("web");
  google::protobuf::RepeatedPtrField<v1::Resource> list;
  *list.Add() = scalarResource("junk", 1);  // replaced, not appended to
  r.copyTo(&list);
  EXPECT_EQ(list.size(), 3);
  EXPECT_EQ(Resources(list), r);
}

}  // namespace
}  // namespace tepui
