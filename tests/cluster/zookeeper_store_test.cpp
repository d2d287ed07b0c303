// Tests of the ZooKeeper registry store against a real ZooKeeper server
// (tests/support/zookeeper_server.hpp): the Store contract (versions,
// atomic batches, compare-and-set, prefix listing, awkward keys), data
// kept over a restart of ZooKeeper itself, and a stale writer refused.
#include <gtest/gtest.h>

#include "registry/store.hpp"
#include "support/zookeeper_server.hpp"

namespace tepui::testing {
namespace {

using registry::Write;

Write put(const std::string& key, const std::string& value, std::optional<uint64_t> expected = {}) {
  return Write{Write::Kind::PUT, key, value, expected};
}

std::unique_ptr<registry::Store> open(const ZooKeeperServer& zk, const std::string& path = "/tepui") {
  auto store = registry::openZooKeeperStore(zk.url(path), std::chrono::milliseconds(5000));
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

TEST(ZooKeeperStoreTest, TheStoreContractHoldsOnZooKeeper) {
  ZooKeeperServer zk;
  auto store = open(zk);
  ASSERT_TRUE(store);
  auto versions = store->apply({put("agents/a1", "one"), put("weights/eng/web", "2"), put("agents/a1", "uno"),
                                put("flat", "no dir"), put("agents/..", "dots")});
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  EXPECT_EQ(*versions, (std::vector<uint64_t>{1, 1, 2, 1, 1}));
  auto a1 = store->get("agents/a1");
  ASSERT_TRUE(a1.ok() && a1->has_value());
  EXPECT_EQ((*a1)->value, "uno");
  EXPECT_EQ((*a1)->version, 2u);
  EXPECT_EQ((*store->get("weights/eng/web"))->value, "2");

  auto agents = store->list("agents/");
  ASSERT_TRUE(agents.ok()) << agents.error().message;
  ASSERT_EQ(agents->size(), 2u);
  EXPECT_EQ((*agents)[0].key, "agents/..");
  EXPECT_EQ((*agents)[1].key, "agents/a1");
  EXPECT_EQ(store->list("")->size(), 4u);
  EXPECT_EQ(store->list("weights/eng")->size(), 1u);
  // The keys alone (a listing, no read per key): the same keys, in order.
  EXPECT_EQ(*store->keys("agents/"), (std::vector<std::string>{"agents/..", "agents/a1"}));
  EXPECT_EQ(*store->keys(""), (std::vector<std::string>{"agents/..", "agents/a1", "flat", "weights/eng/web"}));

  // Compare-and-set: a stale expectation fails the whole batch.
  auto stale = store->apply({put("other", "x"), put("agents/a1", "late", 1)});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().message.rfind(registry::kConflict, 0), 0u) << stale.error().message;
  EXPECT_FALSE(store->get("other")->has_value());
  EXPECT_TRUE(store->apply({put("agents/a1", "fresh", 2), put("leader", "m1", 0)}).ok());
  EXPECT_FALSE(store->apply({put("leader", "m2", 0)}).ok());
  EXPECT_TRUE(store->apply({Write{Write::Kind::ERASE, "agents/a1", "", 3}}).ok());
  EXPECT_FALSE(store->get("agents/a1")->has_value());
  // Erasing what is not there is fine.
  EXPECT_TRUE(store->apply({Write{Write::Kind::ERASE, "agents/none", "", std::nullopt}}).ok());
}

TEST(ZooKeeperStoreTest, DataOutlivesAZooKeeperRestartAndTwoWritersNeverBothWin) {
  ZooKeeperServer zk;
  {
    auto store = open(zk);
    ASSERT_TRUE(store->apply({put("agents/a1", std::string(100000, 'x'))}).ok());
  }
  zk.stop();
  zk.start();
  auto first = open(zk);
  auto second = open(zk);
  ASSERT_TRUE(first && second);
  auto a1 = first->get("agents/a1");
  ASSERT_TRUE(a1.ok() && a1->has_value()) << (a1.ok() ? "" : a1.error().message);
  EXPECT_EQ((*a1)->value.size(), 100000u);

  // Both read version 1; only one write of version 1 can succeed.
  bool firstWon = first->apply({put("agents/a1", "first", 1)}).ok();
  bool secondWon = second->apply({put("agents/a1", "second", 1)}).ok();
  EXPECT_TRUE(firstWon);
  EXPECT_FALSE(secondWon);
  EXPECT_EQ((*second->get("agents/a1"))->value, "first");
}

TEST(ZooKeeperStoreTest, ABadUrlOrNoServerIsAClearError) {
  auto bad = registry::openZooKeeperStore("http://x/y", std::chrono::milliseconds(500));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not a ZooKeeper URL"), std::string::npos);
  auto none = registry::openZooKeeperStore("zk://127.0.0.1:1/tepui", std::chrono::milliseconds(500));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("cannot connect"), std::string::npos) << none.error().message;
}

}  // namespace
}  // namespace tepui::testing
