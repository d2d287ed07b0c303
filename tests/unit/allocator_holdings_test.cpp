// Unit tests of the allocator's small containers: Holdings (what frameworks
// hold on one agent) and KeyLog (the agents where a framework holds).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "allocator/holdings.hpp"
#include "allocator/key_log.hpp"

namespace tepui::allocator {
namespace {

Resources cpus(double amount) { return Resources::scalars({{"cpus", amount}}); }

TEST(AllocatorHoldingsTest, FindGetEraseAndRoles) {
  Holdings h;
  EXPECT_EQ(h.find(1, "a"), nullptr);
  EXPECT_FALSE(h.holds(1));
  h.get(2, "b") = cpus(2);
  h.get(1, "z") = cpus(1);
  h.get(1, "a") = cpus(3);
  h.get(3, "a") = cpus(4);
  ASSERT_NE(h.find(1, "a"), nullptr);
  EXPECT_EQ(*h.find(1, "a"), cpus(3));
  EXPECT_EQ(h.find(1, "b"), nullptr);
  EXPECT_EQ(h.roles(1), (std::vector<std::string>{"a", "z"}));
  EXPECT_TRUE(h.roles(4).empty());
  h.get(1, "a") += cpus(1);  // existing entry, not a new one
  EXPECT_EQ(h.size(), 4u);
  EXPECT_EQ(*h.find(1, "a"), cpus(4));
  // Iteration in (framework, role) order.
  std::vector<std::pair<uint32_t, std::string>> order;
  for (const Holdings::Entry& e : h) order.emplace_back(e.framework, e.role);
  EXPECT_EQ(order, (std::vector<std::pair<uint32_t, std::string>>{{1, "a"}, {1, "z"}, {2, "b"}, {3, "a"}}));
  h.erase(1, "a");
  EXPECT_TRUE(h.holds(1));
  h.erase(1, "z");
  EXPECT_FALSE(h.holds(1));
  h.erase(1, "z");  // absent: nothing happens
  EXPECT_EQ(h.size(), 2u);
  EXPECT_TRUE(h.holds(2));
  EXPECT_TRUE(h.holds(3));
}

// Random adds and removes against a std::map model.
TEST(AllocatorHoldingsTest, MatchesAMapModel) {
  Holdings h;
  std::map<std::pair<uint32_t, std::string>, double> model;
  std::mt19937_64 rng(3);
  const std::vector<std::string> roles = {"*", "a", "a/b", "web"};
  for (int step = 0; step < 2000; ++step) {
    uint32_t f = static_cast<uint32_t>(rng() % 8);
    const std::string& role = roles[rng() % roles.size()];
    if (rng() % 3 == 0) {
      h.erase(f, role);
      model.erase({f, role});
    } else {
      double amount = 1 + static_cast<double>(rng() % 5);
      h.get(f, role) += cpus(amount);
      model[{f, role}] += amount;
    }
    ASSERT_EQ(h.size(), model.size());
    auto it = model.begin();
    for (const Holdings::Entry& e : h) {
      ASSERT_EQ(std::make_pair(e.framework, e.role), it->first);
      ASSERT_EQ(e.resources, cpus(it->second));
      ++it;
    }
    for (uint32_t g = 0; g < 8; ++g) {
      bool any = std::any_of(model.begin(), model.end(), [&](const auto& m) { return m.first.first == g; });
      ASSERT_EQ(h.holds(g), any);
    }
  }
}

// The log keeps every key held, once, whatever the order of adds and
// removes and however often it was compacted in between.
TEST(AllocatorKeyLogTest, KeysAreExactlyTheHeldOnes) {
  KeyLog log;
  std::set<uint32_t> held;
  auto holds = [&](uint32_t key) { return held.contains(key); };
  std::mt19937_64 rng(11);
  for (int step = 0; step < 5000; ++step) {
    uint32_t key = static_cast<uint32_t>(rng() % 50);
    if (held.contains(key)) {
      held.erase(key);
      log.removed();
    } else {
      held.insert(key);
      log.added(key, holds);
    }
    ASSERT_EQ(log.size(), held.size());
    ASSERT_EQ(log.empty(), held.empty());
    if (step % 97 == 0) {
      const std::vector<uint32_t>& keys = log.keys(holds);
      ASSERT_EQ(std::set<uint32_t>(keys.begin(), keys.end()), held);
      ASSERT_EQ(keys.size(), held.size());  // no repeats
    }
  }
}

}  // namespace
}  // namespace tepui::allocator
