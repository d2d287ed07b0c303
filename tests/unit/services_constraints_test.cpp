// Unit tests for Marathon-compatible constraints: parsing
// (src/services/constraints.hpp), agent facts and their text form
// (agent_facts.hpp) and placement decisions (placement.hpp), including
// GROUP_BY spreading evenly whatever order offers arrive in.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "services/agent_facts.hpp"
#include "services/constraints.hpp"
#include "services/placement.hpp"

namespace tepui::services {
namespace {

Constraint C(const std::vector<std::string>& parts) {
  auto parsed = parseConstraint(parts);
  if (!parsed) {
    ADD_FAILURE() << "parseConstraint: " << parsed.error().message;
    return *parseConstraint({"hostname", "UNIQUE"});
  }
  return *parsed;
}

std::string parseError(const std::vector<std::string>& parts) {
  auto parsed = parseConstraint(parts);
  return parsed ? std::string("<ok>") : parsed.error().message;
}

AgentFacts agent(const std::string& host, std::map<std::string, std::string> attributes = {}) {
  AgentFacts facts;
  facts.agentId = "agent-" + host;
  facts.hostname = host;
  facts.attributes = std::move(attributes);
  return facts;
}

v1::Attribute scalarAttribute(const std::string& name, double value) {
  v1::Attribute attribute;
  attribute.set_name(name);
  attribute.set_type(v1::Value::SCALAR);
  attribute.mutable_scalar()->set_value(value);
  return attribute;
}

TEST(ServicesConstraintsParse, EveryOperatorWithItsValues) {
  EXPECT_EQ(C({"hostname", "UNIQUE"}).op(), ConstraintOperator::kUnique);
  EXPECT_FALSE(C({"rack", "CLUSTER"}).expected().has_value());
  EXPECT_EQ(C({"rack", "CLUSTER", "a"}).expected(), "a");
  EXPECT_FALSE(C({"rack", "GROUP_BY"}).count().has_value());
  EXPECT_EQ(C({"rack", "GROUP_BY", "3"}).count(), 3);
  EXPECT_FALSE(C({"rack", "GROUP_BY", ""}).count().has_value());
  EXPECT_FALSE(C({"rack", "CLUSTER", ""}).expected().has_value());
  EXPECT_EQ(C({"rack", "MAX_PER", "2"}).count(), 2);
  EXPECT_EQ(C({"rack", "LIKE", "r[0-9]+"}).op(), ConstraintOperator::kLike);
  EXPECT_EQ(C({"rack", "UNLIKE", "r[0-9]+"}).op(), ConstraintOperator::kUnlike);
  EXPECT_EQ(C({"cores", "IS", "4.0"}).expected(), "4");  // scalars written as attributes are
  EXPECT_EQ(C({"cores", "IS", "0.5000"}).expected(), "0.5");
  EXPECT_EQ(C({"os", "IS", "linux"}).expected(), "linux");  // text as is
  EXPECT_EQ(C({"rack", "MAX_PER", "2"}).toArray(), (std::vector<std::string>{"rack", "MAX_PER", "2"}));
  EXPECT_EQ(C({"@hostname", "UNIQUE"}).toArray(), (std::vector<std::string>{"@hostname", "UNIQUE"}));
}

TEST(ServicesConstraintsParse, BadConstraintsNameTheProblem) {
  EXPECT_EQ(parseError({"hostname"}),
            "a constraint is [field, operator] or [field, operator, value], not 1 element(s)");
  EXPECT_NE(parseError({"a", "UNIQUE", "b", "c"}).find("not 4 element(s)"), std::string::npos);
  EXPECT_EQ(parseError({"", "UNIQUE"}), "the constraint's field is empty");
  EXPECT_EQ(parseError({"rack", "SPREAD"}),
            "unknown constraint operator 'SPREAD' (expected UNIQUE, CLUSTER, GROUP_BY, MAX_PER, LIKE, UNLIKE or IS)");
  EXPECT_NE(parseError({"rack", "unique"}).find("unknown constraint operator 'unique'"), std::string::npos);
  EXPECT_EQ(parseError({"hostname", "UNIQUE", "x"}), "UNIQUE takes no value, got 'x'");
  EXPECT_EQ(parseError({"rack", "MAX_PER"}), "MAX_PER needs a value: the most instances per value of rack");
  EXPECT_EQ(parseError({"rack", "MAX_PER", "two"}), "MAX_PER's value must be an integer >= 1, got 'two'");
  EXPECT_EQ(parseError({"rack", "MAX_PER", "0"}), "MAX_PER's value must be an integer >= 1, got '0'");
  EXPECT_EQ(parseError({"rack", "GROUP_BY", "0"}), "GROUP_BY's value must be an integer >= 1, got '0'");
  EXPECT_EQ(parseError({"rack", "GROUP_BY", "2.5"}), "GROUP_BY's value must be an integer >= 1, got '2.5'");
  EXPECT_EQ(parseError({"rack", "GROUP_BY", "99999999999"}),
            "GROUP_BY's value must be an integer >= 1, got '99999999999'");
  EXPECT_EQ(parseError({"rack", "LIKE"}), "LIKE needs a regular expression as its value");
  EXPECT_EQ(parseError({"rack", "UNLIKE", ""}), "UNLIKE needs a regular expression as its value");
  EXPECT_NE(parseError({"rack", "LIKE", "r[0-9"}).find("LIKE's value 'r[0-9' is not a valid regular expression"),
            std::string::npos);
  EXPECT_EQ(parseError({"rack", "IS"}), "IS needs a value to compare with");
}

TEST(ServicesConstraintsParse, AnAppsListNamesEachBadOneByIndex) {
  ParsedConstraints parsed =
      parseConstraints({{"hostname", "UNIQUE"}, {"rack", "NEAR"}, {"rack", "GROUP_BY", "3"}, {"rack", "MAX_PER"}});
  ASSERT_EQ(parsed.constraints.size(), 2u);
  EXPECT_EQ(parsed.constraints[1].count(), 3);
  ASSERT_EQ(parsed.problems.size(), 2u);
  EXPECT_EQ(parsed.problems[0].first, 1u);
  EXPECT_NE(parsed.problems[0].second.find("unknown constraint operator 'NEAR'"), std::string::npos);
  EXPECT_EQ(parsed.problems[1].first, 3u);
  EXPECT_EQ(parsed.problems[1].second, "MAX_PER needs a value: the most instances per value of rack");
  EXPECT_TRUE(parseConstraints({}).constraints.empty());
}

TEST(ServicesAgentFacts, ScalarsAreRoundedToThreeDecimalsHalfEven) {
  EXPECT_EQ(constraintScalarText(2.0), "2");
  EXPECT_EQ(constraintScalarText(1.5), "1.5");
  EXPECT_EQ(constraintScalarText(0.125), "0.125");
  EXPECT_EQ(constraintScalarText(1.0005), "1");  // just below the tie in binary
  EXPECT_EQ(constraintScalarText(1.00051), "1.001");
  EXPECT_EQ(constraintScalarText(1.1005), "1.101");  // just above the tie in binary
  EXPECT_EQ(constraintScalarText(0.0625), "0.062");  // an exact tie goes to the even digit
  EXPECT_EQ(constraintScalarText(0.1875), "0.188");
  EXPECT_EQ(constraintScalarText(1024), "1024");
  EXPECT_EQ(constraintText(scalarAttribute("cores", 3.14159)), "3.142");
}

TEST(ServicesAgentFacts, RangesAndSetsAreSorted) {
  v1::Attribute ranges;
  ranges.set_name("ports");
  ranges.set_type(v1::Value::RANGES);
  auto* r1 = ranges.mutable_ranges()->add_range();
  r1->set_begin(300);
  r1->set_end(400);
  auto* r2 = ranges.mutable_ranges()->add_range();
  r2->set_begin(100);
  r2->set_end(200);
  EXPECT_EQ(constraintText(ranges), "[100-200,300-400]");

  v1::Attribute set;
  set.set_name("tags");
  set.set_type(v1::Value::SET);
  set.mutable_set()->add_item("b");
  set.mutable_set()->add_item("a");
  EXPECT_EQ(constraintText(set), "{a,b}");
}

TEST(ServicesAgentFacts, FromAnOfferWithAndWithoutAFaultDomain) {
  v1::Offer offer;
  offer.mutable_agent_id()->set_value("S1");
  offer.set_hostname("host1");
  v1::Attribute rack;
  rack.set_name("rack_id");
  rack.set_type(v1::Value::TEXT);
  rack.mutable_text()->set_value("r1");
  *offer.add_attributes() = rack;
  *offer.add_attributes() = scalarAttribute("zone", 7);
  AgentFacts facts = agentFacts(offer);
  EXPECT_EQ(facts.agentId, "S1");
  EXPECT_EQ(facts.hostname, "host1");
  EXPECT_EQ(fieldValue(facts, "hostname"), "host1");
  EXPECT_EQ(fieldValue(facts, "@hostname"), "host1");
  EXPECT_EQ(fieldValue(facts, "rack_id"), "r1");
  EXPECT_EQ(fieldValue(facts, "@zone"), "7");  // no fault domain: the "zone" attribute
  EXPECT_EQ(fieldValue(facts, "@region"), std::nullopt);
  EXPECT_EQ(fieldValue(facts, "missing"), std::nullopt);

  auto* domain = offer.mutable_domain()->mutable_fault_domain();
  domain->mutable_region()->set_name("eu");
  domain->mutable_zone()->set_name("eu-1");
  facts = agentFacts(offer);
  EXPECT_EQ(fieldValue(facts, "@region"), "eu");
  EXPECT_EQ(fieldValue(facts, "@zone"), "eu-1");
  EXPECT_EQ(fieldValue(facts, "zone"), "7");  // the attribute itself is still there

  v1::AgentInfo info;
  info.mutable_id()->set_value("S2");
  info.set_hostname("host2");
  *info.add_attributes() = rack;
  EXPECT_EQ(agentFacts(info).attributes.at("rack_id"), "r1");
  EXPECT_EQ(agentFacts(info).agentId, "S2");
}

TEST(ServicesPlacement, UniqueOnHostname) {
  std::vector<Constraint> constraints{C({"hostname", "UNIQUE"})};
  ClusterView view;
  std::vector<AgentFacts> placed{agent("h1")};
  EXPECT_FALSE(acceptsPlacement(constraints, agent("h1"), placed, view));
  EXPECT_TRUE(acceptsPlacement(constraints, agent("h2"), placed, view));
  EXPECT_TRUE(acceptsPlacement(constraints, agent("h1"), {}, view));
}

TEST(ServicesPlacement, UniqueOnAnAttribute) {
  std::vector<Constraint> constraints{C({"rack", "UNIQUE"})};
  ClusterView view;
  std::vector<AgentFacts> placed{agent("h1", {{"rack", "a"}}), agent("h2")};
  EXPECT_FALSE(acceptsPlacement(constraints, agent("h3", {{"rack", "a"}}), placed, view));
  EXPECT_TRUE(acceptsPlacement(constraints, agent("h3", {{"rack", "b"}}), placed, view));
}

TEST(ServicesPlacement, ClusterWithAndWithoutAValue) {
  ClusterView view;
  std::vector<Constraint> fixed{C({"rack", "CLUSTER", "a"})};
  EXPECT_TRUE(acceptsPlacement(fixed, agent("h1", {{"rack", "a"}}), {}, view));
  EXPECT_FALSE(acceptsPlacement(fixed, agent("h1", {{"rack", "b"}}), {}, view));

  std::vector<Constraint> free{C({"rack", "CLUSTER"})};
  EXPECT_TRUE(acceptsPlacement(free, agent("h1", {{"rack", "b"}}), {}, view));  // the first fixes it
  std::vector<AgentFacts> placed{agent("h1", {{"rack", "b"}})};
  EXPECT_TRUE(acceptsPlacement(free, agent("h2", {{"rack", "b"}}), placed, view));
  EXPECT_FALSE(acceptsPlacement(free, agent("h2", {{"rack", "a"}}), placed, view));

  std::vector<Constraint> onHost{C({"hostname", "CLUSTER", "h1"})};
  EXPECT_TRUE(acceptsPlacement(onHost, agent("h1"), {}, view));
  EXPECT_FALSE(acceptsPlacement(onHost, agent("h2"), {}, view));
}

TEST(ServicesPlacement, MaxPer) {
  std::vector<Constraint> constraints{C({"rack", "MAX_PER", "2"})};
  ClusterView view;
  std::vector<AgentFacts> placed{agent("h1", {{"rack", "a"}})};
  EXPECT_TRUE(acceptsPlacement(constraints, agent("h2", {{"rack", "a"}}), placed, view));
  placed.push_back(agent("h2", {{"rack", "a"}}));
  EXPECT_FALSE(acceptsPlacement(constraints, agent("h3", {{"rack", "a"}}), placed, view));
  EXPECT_TRUE(acceptsPlacement(constraints, agent("h3", {{"rack", "b"}}), placed, view));
}

TEST(ServicesPlacement, LikeAndUnlikeMatchTheWholeValue) {
  ClusterView view;
  std::vector<Constraint> like{C({"rack", "LIKE", "rack-[12]"})};
  EXPECT_TRUE(acceptsPlacement(like, agent("h", {{"rack", "rack-1"}}), {}, view));
  EXPECT_FALSE(acceptsPlacement(like, agent("h", {{"rack", "rack-3"}}), {}, view));
  EXPECT_FALSE(acceptsPlacement(like, agent("h", {{"rack", "rack-12"}}), {}, view));  // not a search
  std::vector<Constraint> unlike{C({"hostname", "UNLIKE", "db.*"})};
  EXPECT_FALSE(acceptsPlacement(unlike, agent("db1"), {}, view));
  EXPECT_TRUE(acceptsPlacement(unlike, agent("web1"), {}, view));
  std::vector<Constraint> onScalar{C({"cores", "LIKE", "[4-8]"})};
  EXPECT_TRUE(acceptsPlacement(onScalar, agent("h", {{"cores", "4"}}), {}, view));
}

TEST(ServicesPlacement, ARunawayPatternDoesNotMatchRatherThanHang) {
  ClusterView view;
  std::vector<Constraint> like{C({"rack", "LIKE", "(a+)+b"})};
  std::vector<Constraint> unlike{C({"rack", "UNLIKE", "(a+)+b"})};
  const AgentFacts agentWithLongValue = agent("h", {{"rack", std::string(64, 'a')}});
  EXPECT_FALSE(acceptsPlacement(like, agentWithLongValue, {}, view));
  EXPECT_TRUE(acceptsPlacement(unlike, agentWithLongValue, {}, view));
  EXPECT_TRUE(acceptsPlacement(like, agent("h", {{"rack", "aaab"}}), {}, view));
}

TEST(ServicesPlacement, IsComparesTextAndScalarsAsWritten) {
  ClusterView view;
  std::vector<Constraint> is{C({"cores", "IS", "4.000"})};
  v1::Offer offer;
  offer.set_hostname("h");
  *offer.add_attributes() = scalarAttribute("cores", 4);
  EXPECT_TRUE(acceptsPlacement(is, agentFacts(offer), {}, view));
  offer.mutable_attributes(0)->mutable_scalar()->set_value(4.5);
  EXPECT_FALSE(acceptsPlacement(is, agentFacts(offer), {}, view));
  std::vector<Constraint> text{C({"os", "IS", "linux"})};
  EXPECT_TRUE(acceptsPlacement(text, agent("h", {{"os", "linux"}}), {}, view));
  EXPECT_FALSE(acceptsPlacement(text, agent("h", {{"os", "linux2"}}), {}, view));
}

TEST(ServicesPlacement, AnAgentLackingTheAttributeMatchesOnlyUnlike) {
  ClusterView view;
  const AgentFacts bare = agent("h1");
  for (const auto& parts : std::vector<std::vector<std::string>>{{"rack", "UNIQUE"},
                                                                 {"rack", "CLUSTER"},
                                                                 {"rack", "CLUSTER", "a"},
                                                                 {"rack", "GROUP_BY"},
                                                                 {"rack", "MAX_PER", "5"},
                                                                 {"rack", "LIKE", ".*"},
                                                                 {"rack", "IS", "a"},
                                                                 {"@region", "UNIQUE"},
                                                                 {"@zone", "LIKE", ".*"}}) {
    EXPECT_FALSE(acceptsPlacement({C(parts)}, bare, {}, view)) << parts[0] << " " << parts[1];
  }
  EXPECT_TRUE(acceptsPlacement({C({"rack", "UNLIKE", "a"})}, bare, {}, view));
  EXPECT_TRUE(acceptsPlacement({C({"rack", "UNLIKE", ".*"})}, bare, {}, view));
}

TEST(ServicesPlacement, ReportsTheFirstUnmetConstraint) {
  ClusterView view;
  std::vector<Constraint> constraints{C({"rack", "LIKE", "a|b"}), C({"hostname", "UNIQUE"}),
                                      C({"rack", "MAX_PER", "1"})};
  std::vector<AgentFacts> placed{agent("h1", {{"rack", "a"}})};
  EXPECT_EQ(firstUnmetConstraint(constraints, agent("h2", {{"rack", "c"}}), placed, view), 0u);
  EXPECT_EQ(firstUnmetConstraint(constraints, agent("h1", {{"rack", "a"}}), placed, view), 1u);
  EXPECT_EQ(firstUnmetConstraint(constraints, agent("h2", {{"rack", "a"}}), placed, view), 2u);
  EXPECT_EQ(firstUnmetConstraint(constraints, agent("h2", {{"rack", "b"}}), placed, view), std::nullopt);
}

// Places `instances` instances by offering `offerOrder`'s agents over and
// over, each taking as many instances as the constraints let it, and
// checks after every placement that the groups stay even.
std::map<std::string, size_t> placeAll(const std::vector<Constraint>& constraints,
                                       const std::vector<AgentFacts>& agents, const std::vector<size_t>& offerOrder,
                                       size_t instances, const std::string& field) {
  ClusterView view;
  for (const AgentFacts& facts : agents) view.update(facts, 0);
  std::vector<AgentFacts> placed;
  for (size_t round = 0; round < instances && placed.size() < instances; ++round) {
    for (size_t index : offerOrder) {
      while (placed.size() < instances && acceptsPlacement(constraints, agents[index], placed, view)) {
        placed.push_back(agents[index]);
      }
    }
  }
  std::map<std::string, size_t> counts;
  for (const AgentFacts& facts : placed) ++counts[*fieldValue(facts, field)];
  return counts;
}

std::vector<AgentFacts> racks(const std::vector<std::string>& names, size_t agentsPerRack) {
  std::vector<AgentFacts> agents;
  for (const std::string& rack : names) {
    for (size_t i = 0; i < agentsPerRack; ++i)
      agents.push_back(agent(rack + "-" + std::to_string(i), {{"rack_id", rack}}));
  }
  return agents;
}

TEST(ServicesPlacement, GroupBySpreadsEvenlyWhenOffersArriveRackByRack) {
  // The seed's [["rack_id","GROUP_BY"]] over three racks: every offer of
  // rack a comes first, then b's, then c's, each able to take everything.
  std::vector<Constraint> constraints{C({"rack_id", "GROUP_BY"})};
  const std::vector<AgentFacts> agents = racks({"a", "b", "c"}, 2);
  const std::vector<size_t> rackByRack{0, 1, 2, 3, 4, 5};
  EXPECT_EQ(placeAll(constraints, agents, rackByRack, 6, "rack_id"),
            (std::map<std::string, size_t>{{"a", 2}, {"b", 2}, {"c", 2}}));
  // Rack a offers again and again before b and c offer at all: it takes
  // one instance, not all of them.
  ClusterView view;
  for (const AgentFacts& facts : agents) view.update(facts, 0);
  std::vector<AgentFacts> placed;
  for (int offer = 0; offer < 10; ++offer) {
    if (acceptsPlacement(constraints, agents[offer % 2], placed, view)) placed.push_back(agents[offer % 2]);
  }
  EXPECT_EQ(placed.size(), 1u);

  const std::map<std::string, size_t> seven = placeAll(constraints, agents, {5, 4, 3, 2, 1, 0}, 7, "rack_id");
  ASSERT_EQ(seven.size(), 3u);  // the seventh goes to any one rack
  for (const auto& [rack, count] : seven) EXPECT_TRUE(count == 2 || count == 3) << rack << ": " << count;
  EXPECT_EQ(seven.at("a") + seven.at("b") + seven.at("c"), 7u);
}

TEST(ServicesPlacement, GroupByStaysEvenAfterEveryPlacementInAnyOrder) {
  std::vector<Constraint> constraints{C({"rack_id", "GROUP_BY"})};
  const std::vector<AgentFacts> agents = racks({"a", "b", "c"}, 3);
  std::vector<size_t> order(agents.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937 random(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::shuffle(order.begin(), order.end(), random);
    ClusterView view;
    for (const AgentFacts& facts : agents) view.update(facts, 0);
    std::vector<AgentFacts> placed;
    std::map<std::string, size_t> counts;
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t index : order) {  // each agent offers twice, one instance per offer at most
        if (!acceptsPlacement(constraints, agents[index], placed, view)) continue;
        placed.push_back(agents[index]);
        ++counts[agents[index].attributes.at("rack_id")];
        size_t most = 0, fewest = placed.size();
        for (const std::string rack : {"a", "b", "c"}) {
          most = std::max(most, counts[rack]);
          fewest = std::min(fewest, counts[rack]);
        }
        ASSERT_LE(most - fewest, 1u) << "trial " << trial;
      }
    }
  }
}

TEST(ServicesPlacement, GroupByWithACountUsesThatManyGroups) {
  std::vector<Constraint> constraints{C({"rack_id", "GROUP_BY", "2"})};
  const std::vector<AgentFacts> agents = racks({"a", "b", "c"}, 2);
  const std::map<std::string, size_t> counts = placeAll(constraints, agents, {0, 1, 2, 3, 4, 5}, 5, "rack_id");
  EXPECT_EQ(counts, (std::map<std::string, size_t>{{"a", 3}, {"b", 2}}));
  // A count above the groups there are spreads over those there are.
  std::vector<Constraint> many{C({"rack_id", "GROUP_BY", "5"})};
  EXPECT_EQ(placeAll(many, agents, {0, 1, 2, 3, 4, 5}, 6, "rack_id"),
            (std::map<std::string, size_t>{{"a", 2}, {"b", 2}, {"c", 2}}));
}

TEST(ServicesPlacement, GroupByCountsOnlyGroupsTheAppMayUse) {
  // Rack c is known but excluded by LIKE: a and b must not wait for it.
  std::vector<Constraint> constraints{C({"rack_id", "GROUP_BY"}), C({"rack_id", "LIKE", "a|b"})};
  const std::vector<AgentFacts> agents = racks({"a", "b", "c"}, 2);
  EXPECT_EQ(placeAll(constraints, agents, {0, 1, 2, 3, 4, 5}, 6, "rack_id"),
            (std::map<std::string, size_t>{{"a", 3}, {"b", 3}}));
  std::vector<Constraint> notC{C({"rack_id", "GROUP_BY"}), C({"rack_id", "UNLIKE", "c"})};
  EXPECT_EQ(placeAll(notC, agents, {4, 5, 0, 1, 2, 3}, 4, "rack_id"),
            (std::map<std::string, size_t>{{"a", 2}, {"b", 2}}));
}

TEST(ServicesPlacement, GroupByForgetsGroupsWhoseAgentsAreGone) {
  std::vector<Constraint> constraints{C({"rack_id", "GROUP_BY"})};
  ClusterView view;
  view.update(agent("a-0", {{"rack_id", "a"}}), 10);
  view.update(agent("b-0", {{"rack_id", "b"}}), 20);
  std::vector<AgentFacts> placed{agent("a-0", {{"rack_id", "a"}})};
  EXPECT_FALSE(acceptsPlacement(constraints, agent("a-0", {{"rack_id", "a"}}), placed, view));  // b is emptier
  view.forgetAgentsNotSeenSince(15);  // a-0 is gone from the view, b-0 stays
  EXPECT_EQ(view.size(), 1u);
  EXPECT_EQ(view.values("rack_id"), (std::set<std::string>{"b"}));
  view.remove("agent-b-0");
  EXPECT_EQ(view.size(), 0u);
  EXPECT_TRUE(acceptsPlacement(constraints, agent("a-0", {{"rack_id", "a"}}), placed, view));
}

}  // namespace
}  // namespace tepui::services
