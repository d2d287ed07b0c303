// Unit tests for matching an instance's resource needs against an offer
// (src/services/offer_match.hpp, host_ports.hpp): roles and reservations,
// random and required host ports, the reasons an offer does not match, and
// several instances from one offer.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/resources.hpp"
#include "services/offer_match.hpp"

namespace tepui::services {
namespace {

Resources R(const std::string& text) {
  auto parsed = Resources::parse(text);
  if (!parsed) ADD_FAILURE() << "Resources::parse('" << text << "'): " << parsed.error().message;
  return parsed ? *parsed : Resources();
}

// An offer of `text` (Mesos's resource text, "cpus(web):1" reserved)
// allocated to `role`.
v1::Offer offerOf(const std::string& text, const std::string& role = "web") {
  v1::Offer offer;
  offer.mutable_id()->set_value("O1");
  offer.mutable_agent_id()->set_value("S1");
  offer.set_hostname("host1");
  R(text).allocate(role).copyTo(offer.mutable_resources());
  return offer;
}

ResourceNeeds needs(double cpus, double mem, size_t ports = 0) {
  ResourceNeeds needs;
  needs.cpus = cpus;
  needs.mem = mem;
  needs.ports.resize(ports);
  needs.role = "web";
  return needs;
}

std::vector<uint64_t> portsIn(const std::vector<v1::Resource>& resources) {
  std::vector<uint64_t> ports;
  for (const auto& resource : resources) {
    if (resource.name() != "ports") continue;
    for (const auto& range : resource.ranges().range()) {
      EXPECT_EQ(range.begin(), range.end()) << "ports are single-port ranges";
      ports.push_back(range.begin());
    }
  }
  return ports;
}

TEST(ServicesOfferMatch, TakesWhatTheInstanceNeedsAsOffered) {
  std::mt19937_64 random(1);
  OfferMatch match =
      matchOffer(offerOf("cpus:4;mem:1024;disk:100;ports:[31000-31009]"), needs(1.5, 128, 2), Resources(), random);
  ASSERT_TRUE(match.matched());
  Resources taken(match.resources);
  EXPECT_DOUBLE_EQ(taken.scalar("cpus"), 1.5);
  EXPECT_DOUBLE_EQ(taken.scalar("mem"), 128);
  EXPECT_DOUBLE_EQ(taken.scalar("disk"), 0);
  for (const auto& resource : match.resources) EXPECT_EQ(resource.allocation_info().role(), "web");
  ASSERT_EQ(match.hostPorts.size(), 2u);
  EXPECT_NE(match.hostPorts[0], match.hostPorts[1]);
  for (uint64_t port : match.hostPorts) {
    EXPECT_GE(port, 31000u);
    EXPECT_LE(port, 31009u);
  }
  EXPECT_EQ(portsIn(match.resources), match.hostPorts);
  EXPECT_TRUE(Resources(offerOf("cpus:4;mem:1024;disk:100;ports:[31000-31009]").resources()).contains(taken));
}

TEST(ServicesOfferMatch, NamesEveryResourceThatFallsShort) {
  std::mt19937_64 random(1);
  ResourceNeeds big = needs(8, 4096, 3);
  big.disk = 200;
  big.gpus = 1;
  OfferMatch match = matchOffer(offerOf("cpus:4;mem:1024;disk:100;ports:[31000-31001]"), big, Resources(), random);
  EXPECT_FALSE(match.matched());
  EXPECT_EQ(match.reasons,
            (std::vector<NoMatchReason>{NoMatchReason::kInsufficientCpus, NoMatchReason::kInsufficientMemory,
                                        NoMatchReason::kInsufficientDisk, NoMatchReason::kInsufficientGpus,
                                        NoMatchReason::kInsufficientPorts}));
  EXPECT_TRUE(match.resources.empty());
  EXPECT_TRUE(match.hostPorts.empty());
  std::vector<std::string> names;
  for (NoMatchReason reason : match.reasons) names.push_back(noMatchReasonName(reason));
  EXPECT_EQ(names, (std::vector<std::string>{"InsufficientCpus", "InsufficientMemory", "InsufficientDisk",
                                             "InsufficientGpus", "InsufficientPorts"}));
  EXPECT_STREQ(noMatchReasonName(NoMatchReason::kUnfulfilledConstraint), "UnfulfilledConstraint");
}

TEST(ServicesOfferMatch, AnOfferForAnotherRoleIsUnfulfilledRole) {
  std::mt19937_64 random(1);
  OfferMatch match = matchOffer(offerOf("cpus:4;mem:1024", "batch"), needs(1, 128), Resources(), random);
  EXPECT_EQ(match.reasons, std::vector<NoMatchReason>{NoMatchReason::kUnfulfilledRole});
  // Only resources reserved to the role accepted, and none offered.
  ResourceNeeds reservedOnly = needs(1, 128);
  reservedOnly.acceptedResourceRoles = {"web"};
  match = matchOffer(offerOf("cpus:4;mem:1024"), reservedOnly, Resources(), random);
  EXPECT_EQ(match.reasons, std::vector<NoMatchReason>{NoMatchReason::kUnfulfilledRole});
}

TEST(ServicesOfferMatch, ReservedResourcesGoFirstAndKeepTheirReservation) {
  std::mt19937_64 random(1);
  OfferMatch match = matchOffer(offerOf("cpus:3;cpus(web):1;mem(web):512"), needs(2, 128), Resources(), random);
  ASSERT_TRUE(match.matched());
  Resources taken(match.resources);
  EXPECT_DOUBLE_EQ(taken.reserved("web").scalar("cpus"), 1);
  EXPECT_DOUBLE_EQ(taken.unreserved().scalar("cpus"), 1);
  EXPECT_DOUBLE_EQ(taken.reserved("web").scalar("mem"), 128);
  for (const auto& resource : match.resources) {
    if (Resources::reservationRole(resource) == "web") {
      ASSERT_EQ(resource.reservations_size(), 1);
      EXPECT_EQ(resource.reservations(0).type(), v1::Resource::ReservationInfo::STATIC);
    }
  }
  // acceptedResourceRoles ["*"]: the reservation is left alone.
  ResourceNeeds unreservedOnly = needs(2, 0);
  unreservedOnly.acceptedResourceRoles = {"*"};
  match = matchOffer(offerOf("cpus:3;cpus(web):1"), unreservedOnly, Resources(), random);
  ASSERT_TRUE(match.matched());
  EXPECT_DOUBLE_EQ(Resources(match.resources).unreserved().scalar("cpus"), 2);
  unreservedOnly.cpus = 4;
  match = matchOffer(offerOf("cpus:3;cpus(web):1"), unreservedOnly, Resources(), random);
  EXPECT_EQ(match.reasons, std::vector<NoMatchReason>{NoMatchReason::kInsufficientCpus});
}

TEST(ServicesOfferMatch, LeavesLabelledReservationsAndVolumesAlone) {
  std::mt19937_64 random(1);
  v1::Offer offer = offerOf("cpus:1;mem:128");
  v1::Resource labelled = offer.resources(0);
  labelled.set_name("cpus");
  labelled.set_type(v1::Value::SCALAR);
  labelled.mutable_scalar()->set_value(4);
  auto* reservation = labelled.add_reservations();
  reservation->set_type(v1::Resource::ReservationInfo::DYNAMIC);
  reservation->set_role("web");
  auto* label = reservation->mutable_labels()->add_labels();
  label->set_key("marathon_task_id");
  label->set_value("other");
  *offer.add_resources() = labelled;
  std::mt19937_64 seeded(1);
  OfferMatch match = matchOffer(offer, needs(2, 64), Resources(), seeded);
  EXPECT_EQ(match.reasons, std::vector<NoMatchReason>{NoMatchReason::kInsufficientCpus});
  EXPECT_TRUE(matchOffer(offer, needs(1, 64), Resources(), random).matched());
}

TEST(ServicesOfferMatch, RequiredPortsAreTakenLiterally) {
  std::mt19937_64 random(1);
  ResourceNeeds required = needs(0.1, 16);
  required.requirePorts = true;
  required.ports = {{31005, "http"}, {0, "admin"}};
  OfferMatch match = matchOffer(offerOf("cpus:1;mem:128;ports:[31000-31009]"), required, Resources(), random);
  ASSERT_TRUE(match.matched());
  ASSERT_EQ(match.hostPorts.size(), 2u);
  EXPECT_EQ(match.hostPorts[0], 31005u);
  EXPECT_NE(match.hostPorts[1], 31005u);
  EXPECT_GE(match.hostPorts[1], 31000u);
  EXPECT_LE(match.hostPorts[1], 31009u);

  required.ports = {{8080, "http"}};
  match = matchOffer(offerOf("cpus:1;mem:128;ports:[31000-31009]"), required, Resources(), random);
  EXPECT_EQ(match.reasons, std::vector<NoMatchReason>{NoMatchReason::kInsufficientPorts});
  // Without requirePorts the number is a service port: any host port does.
  required.requirePorts = false;
  match = matchOffer(offerOf("cpus:1;mem:128;ports:[31000-31009]"), required, Resources(), random);
  ASSERT_TRUE(match.matched());
  EXPECT_GE(match.hostPorts[0], 31000u);
  EXPECT_LE(match.hostPorts[0], 31009u);
}

TEST(ServicesOfferMatch, RandomPortsAreSpreadOverTheOfferedRanges) {
  std::mt19937_64 random(42);
  std::set<uint64_t> seen;
  for (int i = 0; i < 200; ++i) {
    OfferMatch match =
        matchOffer(offerOf("cpus:1;mem:128;ports:[31000-31009,32000-32009]"), needs(0.1, 16, 1), Resources(), random);
    ASSERT_TRUE(match.matched());
    seen.insert(match.hostPorts[0]);
  }
  // 200 draws over 20 ports: every port comes up, in both ranges.
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_TRUE(seen.contains(32009));
}

TEST(ServicesOfferMatch, PortsOfOneTaskAreDistinct) {
  std::mt19937_64 random(3);
  OfferMatch match = matchOffer(offerOf("cpus:1;mem:128;ports:[31000-31004]"), needs(0.1, 16, 5), Resources(), random);
  ASSERT_TRUE(match.matched());
  EXPECT_EQ(std::set<uint64_t>(match.hostPorts.begin(), match.hostPorts.end()).size(), 5u);
  match = matchOffer(offerOf("cpus:1;mem:128;ports:[31000-31004]"), needs(0.1, 16, 6), Resources(), random);
  EXPECT_EQ(match.reasons, std::vector<NoMatchReason>{NoMatchReason::kInsufficientPorts});
}

TEST(ServicesOfferMatch, SeveralInstancesFromOneOffer) {
  std::mt19937_64 random(5);
  const v1::Offer offer = offerOf("cpus:4;mem:1024;ports:[31000-31003]");
  Resources taken;
  std::set<uint64_t> ports;
  for (int i = 0; i < 4; ++i) {
    OfferMatch match = matchOffer(offer, needs(1, 256, 1), taken, random);
    ASSERT_TRUE(match.matched()) << "instance " << i;
    taken += Resources(match.resources);
    ports.insert(match.hostPorts[0]);
  }
  EXPECT_EQ(ports, (std::set<uint64_t>{31000, 31001, 31002, 31003}));
  EXPECT_TRUE(Resources(offer.resources()).contains(taken));
  OfferMatch fifth = matchOffer(offer, needs(1, 256, 1), taken, random);
  EXPECT_EQ(fifth.reasons,
            (std::vector<NoMatchReason>{NoMatchReason::kInsufficientCpus, NoMatchReason::kInsufficientMemory,
                                        NoMatchReason::kInsufficientPorts}));
}

TEST(ServicesOfferMatch, FractionsAddUpInThousandths) {
  std::mt19937_64 random(1);
  const v1::Offer offer = offerOf("cpus:0.3;mem:128");
  Resources taken;
  for (int i = 0; i < 3; ++i) {
    OfferMatch match = matchOffer(offer, needs(0.1, 0), taken, random);
    ASSERT_TRUE(match.matched()) << "instance " << i;
    taken += Resources(match.resources);
  }
  EXPECT_FALSE(matchOffer(offer, needs(0.1, 0), taken, random).matched());
}

// Random offers and needs: whatever matches takes exactly what was asked,
// only from usable resources, never more than offered, and no host port
// twice.
TEST(ServicesOfferMatch, RandomOffersNeverGiveMoreThanOfferedOrAPortTwice) {
  std::mt19937_64 random(2024);
  auto uniform = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  int matches = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::string roles[] = {"*", "web", "db"};
    std::string text;
    for (size_t r = 0; r < std::size(roles); ++r) {
      const std::string& role = roles[r];
      const std::string suffix = role == "*" ? "" : "(" + role + ")";
      const int base = 31000 + 1000 * static_cast<int>(r) + 100 * uniform(0, 9);  // an agent's roles never share a port
      text += "cpus" + suffix + ":" + std::to_string(uniform(0, 40) / 10.0) + ";mem" + suffix + ":" +
              std::to_string(uniform(0, 2048)) + ";ports" + suffix + ":[" + std::to_string(base) + "-" +
              std::to_string(base + uniform(0, 6)) + "];";
    }
    const v1::Offer offer = offerOf(text.substr(0, text.size() - 1), uniform(0, 3) == 0 ? "db" : "web");
    ResourceNeeds wanted = needs(uniform(1, 15) / 10.0, uniform(0, 512), static_cast<size_t>(uniform(0, 3)));
    if (uniform(0, 2) == 0) wanted.acceptedResourceRoles = {uniform(0, 1) == 0 ? "*" : "web"};
    std::set<std::string> accepted(wanted.acceptedResourceRoles.begin(), wanted.acceptedResourceRoles.end());
    if (accepted.empty()) accepted = {"*", "web"};

    Resources taken;
    std::set<uint64_t> ports;
    for (int instance = 0; instance < 50; ++instance) {
      OfferMatch match = matchOffer(offer, wanted, taken, random);
      if (!match.matched()) break;
      const Resources got(match.resources);
      EXPECT_NEAR(got.scalar("cpus"), wanted.cpus, 1e-9) << "trial " << trial;
      EXPECT_NEAR(got.scalar("mem"), wanted.mem, 1e-9) << "trial " << trial;
      for (const v1::Resource& resource : match.resources) {
        EXPECT_EQ(resource.allocation_info().role(), "web");
        EXPECT_TRUE(accepted.contains(Resources::reservationRole(resource))) << resource.DebugString();
      }
      std::vector<uint64_t> inResources = portsIn(match.resources), chosen = match.hostPorts;
      std::sort(inResources.begin(), inResources.end());
      std::sort(chosen.begin(), chosen.end());
      EXPECT_EQ(inResources, chosen);
      for (uint64_t port : match.hostPorts) EXPECT_TRUE(ports.insert(port).second) << "port " << port << " twice";
      taken += got;
      ++matches;
      ASSERT_TRUE(Resources(offer.resources()).contains(taken)) << "trial " << trial << ": took " << taken;
    }
  }
  EXPECT_GT(matches, 300);  // the property was checked on many matches, not vacuously
}

}  // namespace
}  // namespace tepui::services
