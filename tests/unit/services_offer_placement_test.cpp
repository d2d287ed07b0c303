// Unit tests for placing instances on offers with constraints and
// resources together (src/services/offer_placement.hpp), with the seed
// documents' apps: [["hostname","UNIQUE"]] and [["rack_id","GROUP_BY"]].
#include <gtest/gtest.h>

#include <map>

#include "common/resources.hpp"
#include "services/offer_placement.hpp"

namespace tepui::services {
namespace {

// Nothing taken from the offer yet (a fresh one per call).
Resources& fresh() {
  static Resources taken;
  taken = Resources();
  return taken;
}

v1::Offer offerOn(const std::string& host, const std::string& rack, const std::string& role = "web") {
  v1::Offer offer;
  offer.mutable_id()->set_value("O-" + host);
  offer.mutable_agent_id()->set_value("S-" + host);
  offer.set_hostname(host);
  auto* attribute = offer.add_attributes();
  attribute->set_name("rack_id");
  attribute->set_type(v1::Value::TEXT);
  attribute->mutable_text()->set_value(rack);
  auto resources = Resources::parse("cpus:8;mem:8192;ports:[31000-31099]");
  EXPECT_TRUE(resources.ok());
  resources->allocate(role).copyTo(offer.mutable_resources());
  return offer;
}

ResourceNeeds small() {
  ResourceNeeds needs;
  needs.cpus = 1;
  needs.mem = 128;
  needs.ports = {{0, "http"}};
  needs.role = "web";
  return needs;
}

std::vector<Constraint> constraints(const std::vector<std::vector<std::string>>& arrays) {
  std::vector<Constraint> parsed;
  for (const auto& array : arrays) {
    auto constraint = parseConstraint(array);
    EXPECT_TRUE(constraint.ok());
    if (constraint) parsed.push_back(*constraint);
  }
  return parsed;
}

TEST(ServicesOfferPlacement, UniqueHostnamePutsOneInstancePerOffer) {
  const auto unique = constraints({{"hostname", "UNIQUE"}});
  std::mt19937_64 random(1);
  ClusterView view;
  std::vector<AgentFacts> placed;
  for (const std::string host : {"h1", "h2", "h3"}) {
    const v1::Offer offer = offerOn(host, "r1");
    view.update(agentFacts(offer), 0);
    OfferPlacement placement = placeOnOffer(offer, small(), unique, placed, view, 3 - placed.size(), fresh(), random);
    ASSERT_EQ(placement.launches.size(), 1u) << host;
    placed.push_back(agentFacts(offer));
    if (placed.size() < 3) {
      EXPECT_EQ(placement.reasons, std::vector<NoMatchReason>{NoMatchReason::kUnfulfilledConstraint});
      EXPECT_EQ(placement.unmetConstraint, 0u);
    }
  }
  // A second look at h1 takes nothing more.
  OfferPlacement again = placeOnOffer(offerOn("h1", "r1"), small(), unique, placed, view, 1, fresh(), random);
  EXPECT_TRUE(again.launches.empty());
  EXPECT_EQ(again.reasons, std::vector<NoMatchReason>{NoMatchReason::kUnfulfilledConstraint});
}

TEST(ServicesOfferPlacement, WithoutConstraintsResourcesDecide) {
  std::mt19937_64 random(1);
  ResourceNeeds needs = small();
  needs.cpus = 3;
  OfferPlacement placement = placeOnOffer(offerOn("h1", "r1"), needs, {}, {}, ClusterView(), 10, fresh(), random);
  ASSERT_EQ(placement.launches.size(), 2u);  // 8 cpus hold two of 3
  EXPECT_EQ(placement.reasons, std::vector<NoMatchReason>{NoMatchReason::kInsufficientCpus});
  EXPECT_NE(placement.launches[0].hostPorts, placement.launches[1].hostPorts);
  EXPECT_TRUE(placeOnOffer(offerOn("h1", "r1"), needs, {}, {}, ClusterView(), 2, fresh(), random).reasons.empty());
}

TEST(ServicesOfferPlacement, WhatOneAppTookIsNotThereForTheNext) {
  std::mt19937_64 random(1);
  ResourceNeeds needs = small();
  needs.cpus = 3;
  const v1::Offer offer = offerOn("h1", "r1");
  Resources taken;
  ASSERT_EQ(placeOnOffer(offer, needs, {}, {}, ClusterView(), 1, taken, random).launches.size(), 1u);
  EXPECT_EQ(taken.scalar("cpus"), 3);
  // A second app on the same offer: 5 cpus left hold one more of 3.
  OfferPlacement second = placeOnOffer(offer, needs, {}, {}, ClusterView(), 5, taken, random);
  EXPECT_EQ(second.launches.size(), 1u);
  EXPECT_EQ(taken.scalar("cpus"), 6);
}

TEST(ServicesOfferPlacement, AnotherRoleComesBeforeConstraints) {
  std::mt19937_64 random(1);
  const auto like = constraints({{"rack_id", "LIKE", "r9"}});
  OfferPlacement placement =
      placeOnOffer(offerOn("h1", "r1", "batch"), small(), like, {}, ClusterView(), 1, fresh(), random);
  EXPECT_EQ(placement.reasons, std::vector<NoMatchReason>{NoMatchReason::kUnfulfilledRole});
  placement = placeOnOffer(offerOn("h1", "r1"), small(), like, {}, ClusterView(), 1, fresh(), random);
  EXPECT_EQ(placement.reasons, std::vector<NoMatchReason>{NoMatchReason::kUnfulfilledConstraint});
}

TEST(ServicesOfferPlacement, GroupByRackEvenWhenOffersComeRackByRack) {
  const auto groupBy = constraints({{"rack_id", "GROUP_BY"}});
  std::vector<v1::Offer> offers;
  for (const std::string rack : {"a", "b", "c"}) {
    for (const std::string n : {"0", "1"}) offers.push_back(offerOn(rack + n, rack));
  }
  ClusterView view;  // from the master's agent list, before any offer
  for (const v1::Offer& offer : offers) view.update(agentFacts(offer), 0);
  std::mt19937_64 random(1);
  std::vector<AgentFacts> placed;
  const size_t instances = 9;
  for (int round = 0; round < 5 && placed.size() < instances; ++round) {
    for (const v1::Offer& offer : offers) {  // every offer can hold all nine
      OfferPlacement placement =
          placeOnOffer(offer, small(), groupBy, placed, view, instances - placed.size(), fresh(), random);
      for (size_t i = 0; i < placement.launches.size(); ++i) placed.push_back(agentFacts(offer));
    }
  }
  std::map<std::string, size_t> perRack;
  for (const AgentFacts& facts : placed) ++perRack[facts.attributes.at("rack_id")];
  EXPECT_EQ(perRack, (std::map<std::string, size_t>{{"a", 3}, {"b", 3}, {"c", 3}}));
}

}  // namespace
}  // namespace tepui::services
