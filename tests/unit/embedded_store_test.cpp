// Unit tests of the embedded registry store (registry/store.hpp) on a real
// SQLite file: versions, atomic batches with compare-and-set, prefix
// listing, reopening, the exclusive lock, and that every batch reported
// applied is there after the writing process is killed mid-stream.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "registry/store.hpp"

namespace tepui::registry {
namespace {

class EmbeddedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("tepui-store-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    path = (dir / "registry" / "store.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::unique_ptr<Store> open() {
    auto store = openEmbeddedStore(path);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  static Write put(const std::string& key, const std::string& value, std::optional<uint64_t> expected = {}) {
    return Write{Write::Kind::PUT, key, value, expected};
  }

  std::filesystem::path dir;
  std::string path;
};

TEST_F(EmbeddedStoreTest, VersionsCountWritesAndErasedKeysAreGone) {
  auto store = open();
  ASSERT_TRUE(store);
  auto versions = store->apply({put("agents/a1", "one"), put("agents/a2", "two"), put("agents/a1", "uno")});
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  EXPECT_EQ(*versions, (std::vector<uint64_t>{1, 1, 2}));
  auto a1 = store->get("agents/a1");
  ASSERT_TRUE(a1.ok() && a1->has_value());
  EXPECT_EQ((*a1)->value, "uno");
  EXPECT_EQ((*a1)->version, 2u);

  ASSERT_TRUE(store->apply({Write{Write::Kind::ERASE, "agents/a1", "", 2}}).ok());
  EXPECT_FALSE(store->get("agents/a1")->has_value());
  // Binary values round-trip.
  std::string binary("\0\xff\x01", 3);
  ASSERT_TRUE(store->apply({put("blob", binary)}).ok());
  EXPECT_EQ((*store->get("blob"))->value, binary);
}

TEST_F(EmbeddedStoreTest, AConflictFailsTheWholeBatch) {
  auto store = open();
  ASSERT_TRUE(store->apply({put("leader", "m1", 0)}).ok());  // created: expected absent
  auto stale = store->apply({put("other", "x"), put("leader", "m2", 0)});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().message.rfind(kConflict, 0), 0u) << stale.error().message;
  EXPECT_FALSE(store->get("other")->has_value());  // nothing of the batch applied
  EXPECT_EQ((*store->get("leader"))->value, "m1");
  EXPECT_TRUE(store->apply({put("leader", "m2", 1)}).ok());
}

TEST_F(EmbeddedStoreTest, ListTakesAPrefixInKeyOrder) {
  auto store = open();
  ASSERT_TRUE(store
                  ->apply({put("agents/b", "2"), put("agents/a", "1"), put("agentz", "no"), put("frameworks/f", "f"),
                           put(std::string("agents\xff", 7), "edge")})
                  .ok());
  auto agents = store->list("agents/");
  ASSERT_TRUE(agents.ok());
  ASSERT_EQ(agents->size(), 2u);
  EXPECT_EQ((*agents)[0].key, "agents/a");
  EXPECT_EQ((*agents)[1].key, "agents/b");
  EXPECT_EQ(store->list("")->size(), 5u);
  EXPECT_EQ(store->list(std::string("agents\xff", 7))->size(), 1u);
  EXPECT_EQ(*store->keys("agents/"), (std::vector<std::string>{"agents/a", "agents/b"}));
}

TEST_F(EmbeddedStoreTest, ReopenedStoreHasEverythingAndASecondOpenerIsRefused) {
  {
    auto store = open();
    ASSERT_TRUE(store->apply({put("weights/eng", "2")}).ok());
    auto second = openEmbeddedStore(path);
    EXPECT_FALSE(second.ok());  // another master on the same work dir
  }
  auto store = open();
  auto weights = store->get("weights/eng");
  ASSERT_TRUE(weights.ok() && weights->has_value());
  EXPECT_EQ((*weights)->value, "2");
}

TEST_F(EmbeddedStoreTest, EveryAcknowledgedBatchSurvivesAKilledWriter) {
  std::filesystem::create_directories(dir);
  int acks[2];
  ASSERT_EQ(::pipe(acks), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(acks[0]);
    auto store = openEmbeddedStore(path);
    if (!store) ::_exit(2);
    for (uint32_t i = 0;; ++i) {
      if (!(*store)->apply({put("key/" + std::to_string(i), std::string(512, 'x'))})) ::_exit(3);
      if (::write(acks[1], &i, sizeof i) != sizeof i) ::_exit(4);
    }
  }
  ::close(acks[1]);
  uint32_t last = 0, got = 0;
  while (got < 50 && ::read(acks[0], &last, sizeof last) == sizeof last) ++got;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // Drain what the child acknowledged before it died.
  while (::read(acks[0], &last, sizeof last) == sizeof last) ++got;
  ::close(acks[0]);
  ASSERT_GE(got, 50u);

  auto store = open();
  ASSERT_TRUE(store);
  auto keys = store->list("key/");
  ASSERT_TRUE(keys.ok());
  // Everything acknowledged is there, and at most the one batch in flight
  // beyond it; each value whole.
  EXPECT_GE(keys->size(), static_cast<size_t>(last) + 1);
  EXPECT_LE(keys->size(), static_cast<size_t>(last) + 2);
  for (uint32_t i = 0; i <= last; ++i) {
    auto entry = store->get("key/" + std::to_string(i));
    ASSERT_TRUE(entry.ok() && entry->has_value()) << i;
    EXPECT_EQ((*entry)->value, std::string(512, 'x'));
  }
}

}  // namespace
}  // namespace tepui::registry
