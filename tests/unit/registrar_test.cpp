// Unit tests of the Registrar over the real embedded store: outcomes come
// back on the owner's loop in queue order, batches queued together are
// written together, a conflicting batch fails alone, and what was written
// is in the store once the registrar is gone.
#include "registry/registrar.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

namespace tepui::registry {
namespace {

class RegistrarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("tepui-registrar-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    auto store = openEmbeddedStore((dir / "store.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    registrar = std::make_unique<Registrar>(io, std::move(*store));
  }
  void TearDown() override {
    registrar.reset();
    std::filesystem::remove_all(dir);
  }

  // Runs the loop until `n` outcomes have come back.
  void runUntil(const std::vector<std::string>& outcomes, size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (outcomes.size() < n && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(10));
      io.restart();
    }
  }

  // What the store holds under `prefix`, read after the registrar is gone
  // (it waits for its write in progress).
  std::vector<Entry> stored(const std::string& prefix) {
    registrar.reset();
    auto store = openEmbeddedStore((dir / "store.db").string());
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store) return {};
    auto entries = (*store)->list(prefix);
    EXPECT_TRUE(entries.ok());
    return entries ? *entries : std::vector<Entry>{};
  }

  static Write put(const std::string& key, std::optional<uint64_t> expected = {}) {
    return Write{Write::Kind::PUT, key, "v", expected};
  }

  boost::asio::io_context io;
  std::filesystem::path dir;
  std::unique_ptr<Registrar> registrar;
};

TEST_F(RegistrarTest, OutcomesArriveInOrderAndAConflictFailsOnlyItsBatch) {
  std::vector<std::string> outcomes;
  auto record = [&](std::string name) {
    return [&outcomes, name](const Status& s) { outcomes.push_back(name + (s ? ":ok" : ":failed")); };
  };
  registrar->apply({put("a", 0)}, record("first"));
  registrar->apply({put("a", 0)}, record("conflict"));  // "a" exists by then
  registrar->apply({put("b"), put("c")}, record("third"));
  runUntil(outcomes, 3);
  EXPECT_EQ(outcomes, (std::vector<std::string>{"first:ok", "conflict:failed", "third:ok"}));

  auto entries = stored("");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].version, 1u);  // the conflicting write changed nothing
}

TEST_F(RegistrarTest, BatchesQueuedTogetherAreWrittenTogether) {
  std::vector<std::string> outcomes;
  for (int i = 0; i < 200; ++i) {
    registrar->apply({put("k" + std::to_string(i))},
                     [&outcomes](const Status& s) { outcomes.push_back(s ? "ok" : "x"); });
  }
  runUntil(outcomes, 200);
  ASSERT_EQ(outcomes.size(), 200u);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "ok"), 200);
  // Fewer store writes than batches: those that queued behind a write went
  // in one.
  EXPECT_LT(registrar->batchesWritten(), 200u);
  EXPECT_EQ(stored("k").size(), 200u);
}

}  // namespace
}  // namespace tepui::registry
