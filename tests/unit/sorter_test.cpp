// Unit tests of the weighted DRF sorter (src/allocator/sorter.hpp) and the
// fixed-point quantities it sorts by.
#include "allocator/sorter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

namespace tepui::allocator {
namespace {

Quantities q(std::initializer_list<std::pair<const char*, double>> entries) {
  Quantities out;
  for (const auto& [name, value] : entries) out.add(name, Quantities::toFixed(value));
  return out;
}

ShareBasis basisOf(std::initializer_list<std::pair<const char*, double>> total) {
  ShareBasis basis;
  basis.total = q(total);
  basis.version = 1;
  return basis;
}

TEST(SorterQuantitiesTest, AddThenSubtractReturnsExactlyToZero) {
  Quantities a;
  for (int i = 0; i < 1000; ++i) a += q({{"cpus", 0.1}, {"mem", 0.3}});
  for (int i = 0; i < 1000; ++i) a -= q({{"cpus", 0.1}, {"mem", 0.3}});
  EXPECT_TRUE(a.empty());
  a -= q({{"cpus", 1}});  // saturates
  EXPECT_TRUE(a.empty());
}

TEST(SorterTest, OrdersByDominantShareThenName) {
  ShareBasis basis = basisOf({{"cpus", 100}, {"mem", 1000}});
  Sorter sorter(&basis);
  for (const char* name : {"c", "a", "b"}) sorter.setActive(sorter.add(name, 0), true);
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"a", "b", "c"}));

  sorter.allocated(sorter.find("a"), q({{"cpus", 10}}));               // 0.10
  sorter.allocated(sorter.find("b"), q({{"cpus", 1}, {"mem", 200}}));  // 0.20 (mem dominates)
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_DOUBLE_EQ(sorter.dominantShare(sorter.find("b")), 0.2);

  sorter.unallocated(sorter.find("b"), q({{"mem", 200}}));  // 0.01
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"c", "b", "a"}));
}

TEST(SorterTest, WeightDividesShare) {
  ShareBasis basis = basisOf({{"cpus", 100}});
  Sorter sorter(&basis);
  Sorter::Client* heavy = sorter.add("heavy", 0, 2.0);
  Sorter::Client* light = sorter.add("light", 1);
  sorter.setActive(heavy, true);
  sorter.setActive(light, true);
  sorter.allocated(heavy, q({{"cpus", 30}}));  // 0.30 / 2 = 0.15
  sorter.allocated(light, q({{"cpus", 20}}));  // 0.20
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"heavy", "light"}));
  sorter.setWeight(heavy, 1.0);
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"light", "heavy"}));
  sorter.setWeight(heavy, -3);  // invalid: counts as 1.0
  EXPECT_DOUBLE_EQ(heavy->weight, 1.0);
}

TEST(SorterTest, InactiveClientsKeepAllocationButAreNotSorted) {
  ShareBasis basis = basisOf({{"cpus", 10}});
  Sorter sorter(&basis);
  Sorter::Client* a = sorter.add("a", 0);
  Sorter::Client* b = sorter.add("b", 1);
  sorter.setActive(a, true);
  sorter.allocated(b, q({{"cpus", 5}}));
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(sorter.size(), 2u);
  sorter.setActive(b, true);
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"a", "b"}));
  EXPECT_DOUBLE_EQ(sorter.dominantShare(b), 0.5);
  sorter.remove(a);
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"b"}));
  EXPECT_EQ(sorter.find("a"), nullptr);
}

TEST(SorterTest, ExcludedResourcesDoNotCount) {
  ShareBasis basis = basisOf({{"cpus", 10}, {"gpus", 1}});
  basis.excluded = {"gpus"};
  Sorter sorter(&basis);
  Sorter::Client* a = sorter.add("a", 0);
  sorter.allocated(a, q({{"cpus", 1}, {"gpus", 1}}));
  EXPECT_DOUBLE_EQ(sorter.dominantShare(a), 0.1);
}

TEST(SorterTest, TotalChangeResortsOnRefresh) {
  ShareBasis basis = basisOf({{"cpus", 10}, {"mem", 100}});
  Sorter sorter(&basis);
  Sorter::Client* a = sorter.add("a", 0);
  Sorter::Client* b = sorter.add("b", 1);
  sorter.setActive(a, true);
  sorter.setActive(b, true);
  sorter.allocated(a, q({{"cpus", 4}}));  // 0.4
  sorter.allocated(b, q({{"mem", 50}}));  // 0.5
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"a", "b"}));
  // Memory quadruples: b drops to 0.125 and must move ahead, even though no
  // client changed.
  basis.total.add("mem", Quantities::toFixed(300));
  ++basis.version;
  EXPECT_EQ(sorter.sorted(), (std::vector<std::string>{"b", "a"}));
}

// The incremental order must always equal a from-scratch sort.
TEST(SorterTest, IncrementalUpdatesMatchFullSort) {
  ShareBasis basis = basisOf({{"cpus", 1000}, {"mem", 100000}, {"disk", 50000}});
  Sorter sorter(&basis);
  std::mt19937_64 rng(7);
  std::vector<std::string> names;
  for (int i = 0; i < 50; ++i) {
    names.push_back("client-" + std::to_string(i));
    sorter.add(names.back(), i, 1.0 + (i % 3));
  }
  const char* resources[] = {"cpus", "mem", "disk"};
  for (int step = 0; step < 3000; ++step) {
    Sorter::Client* c = sorter.find(names[rng() % names.size()]);
    switch (rng() % 5) {
      case 0:
        sorter.setActive(c, !c->active);
        break;
      case 1:
        sorter.setWeight(c, 0.5 + static_cast<double>(rng() % 4));
        break;
      case 2:
        sorter.unallocated(c, q({{resources[rng() % 3], static_cast<double>(rng() % 50)}}));
        break;
      default:
        sorter.allocated(c, q({{resources[rng() % 3], static_cast<double>(rng() % 50)}}));
        break;
    }
    if (step % 500 == 250) {
      basis.total.add("cpus", 1000);
      ++basis.version;
    }
    std::vector<std::tuple<double, std::string>> expected;
    for (const std::string& name : names) {
      Sorter::Client* client = sorter.find(name);
      if (client->active) expected.emplace_back(sorter.dominantShare(client) / client->weight, name);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> expectedNames;
    for (const auto& e : expected) expectedNames.push_back(std::get<1>(e));
    ASSERT_EQ(sorter.sorted(), expectedNames) << "at step " << step;
  }
}

}  // namespace
}  // namespace tepui::allocator
