// The services repository against the real embedded store (a SQLite file):
// what one repository commits, a fresh one loads; versions are capped,
// oldest first; any app path is a valid key; a failed write stops further
// writes (with a failing store, the one fake here).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "services/repository.hpp"
#include "support/run_loop.hpp"

namespace tepui::services {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ServicesRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("tepui-services-repo-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
  }
  void TearDown() override {
    repository.reset();
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<registry::Store> openStore() {
    auto store = registry::openEmbeddedStore((dir / "services.db").string());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Drops the current repository (closing its store) and loads a new one.
  void reload(RepositoryOptions options = {}) {
    repository.reset();
    auto loaded = Repository::load(io, openStore(), options);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    repository = std::move(*loaded);
  }

  // Commits and runs the loop until the change is durable.
  Status commit(Repository::Change change) {
    std::optional<Status> outcome;
    repository->commit(std::move(change), [&](const Status& s) { outcome = s; });
    if (!testing::runLoopUntil(
            io, [&] { return outcome.has_value(); }, 10s))
      return Error("test: no outcome");
    return *outcome;
  }

  Status putVersion(const std::string& id, const std::string& version) {
    Repository::Change change;
    change.putApp(id, version, json::object{{"id", id}, {"version", version}});
    return commit(std::move(change));
  }

  // The keys the store holds under `prefix` (the repository must be gone).
  std::vector<std::string> storedKeys(const std::string& prefix) {
    repository.reset();
    auto keys = openStore()->keys(prefix);
    EXPECT_TRUE(keys.ok());
    return keys ? *keys : std::vector<std::string>{};
  }

  boost::asio::io_context io;
  std::filesystem::path dir;
  std::unique_ptr<Repository> repository;
};

TEST_F(ServicesRepositoryTest, WhatIsCommittedLoadsAgain) {
  reload();
  EXPECT_EQ(repository->frameworkId(), "");
  Repository::Change change;
  change.setFrameworkId("fw-1");
  change.putApp("/product/db", "2026-01-01T00:00:00.000Z", json::object{{"id", "/product/db"}, {"cpus", 0.5}});
  change.put(Collection::kGroups, "/product", json::object{{"id", "/product"}});
  change.put(Collection::kDeployments, "d1", json::object{{"id", "d1"}});
  change.put(Collection::kInstances, "product_db.instance-1", json::object{{"state", "running"}});
  change.put(Collection::kInstances, "product_db.instance-2", json::object{{"state", "staging"}});
  change.erase(Collection::kInstances, "product_db.instance-2");
  ASSERT_TRUE(commit(std::move(change)).ok());

  reload();
  EXPECT_EQ(repository->frameworkId(), "fw-1");
  EXPECT_EQ(repository->appIds(), std::vector<std::string>{"/product/db"});
  ASSERT_NE(repository->app("/product/db"), nullptr);
  EXPECT_EQ(repository->app("/product/db")->at("cpus").as_double(), 0.5);
  EXPECT_EQ(repository->appVersions("/product/db"), std::vector<std::string>{"2026-01-01T00:00:00.000Z"});
  ASSERT_NE(repository->get(Collection::kGroups, "/product"), nullptr);
  ASSERT_NE(repository->get(Collection::kDeployments, "d1"), nullptr);
  EXPECT_EQ(repository->all(Collection::kInstances).size(), 1u);
  EXPECT_EQ(repository->get(Collection::kInstances, "product_db.instance-1")->at("state").as_string(), "running");
  EXPECT_EQ(repository->get(Collection::kInstances, "product_db.instance-2"), nullptr);
}

TEST_F(ServicesRepositoryTest, VersionsAreCappedOldestFirstAcrossReloads) {
  reload({.maxVersions = 3});
  for (std::string v : {"v1", "v2", "v3", "v4", "v5"}) ASSERT_TRUE(putVersion("/app", v).ok());
  EXPECT_EQ(repository->appVersions("/app"), (std::vector<std::string>{"v3", "v4", "v5"}));
  EXPECT_EQ(repository->appVersion("/app", "v1"), nullptr);
  EXPECT_EQ(repository->app("/app")->at("version").as_string(), "v5");
  EXPECT_EQ(storedKeys("versions.").size(), 3u);

  reload({.maxVersions = 3});
  EXPECT_EQ(repository->appVersions("/app"), (std::vector<std::string>{"v3", "v4", "v5"}));
  // Numbering goes on after a reload: "a0" sorts before "v3" but is newer.
  ASSERT_TRUE(putVersion("/app", "a0").ok());
  EXPECT_EQ(repository->appVersions("/app"), (std::vector<std::string>{"v4", "v5", "a0"}));
  // Putting an existing version replaces it in place.
  ASSERT_TRUE(putVersion("/app", "v4").ok());
  EXPECT_EQ(repository->appVersions("/app"), (std::vector<std::string>{"v4", "v5", "a0"}));
  EXPECT_EQ(repository->app("/app")->at("version").as_string(), "v4");
  reload({.maxVersions = 3});
  EXPECT_EQ(repository->appVersions("/app"), (std::vector<std::string>{"v4", "v5", "a0"}));
}

TEST_F(ServicesRepositoryTest, AnyAppPathIsAValidKey) {
  reload();
  const std::vector<std::string> ids = {"/a",       "/a/b",         "/a b/%41",   "/..",  "/x@y@z",
                                        "/ünïcode", "/a-b_c.d/e:f", "/trailing/", "/a/b/"};
  for (const std::string& id : ids) ASSERT_TRUE(putVersion(id, "2026-01-01T00:00:00.000Z@x/y").ok()) << id;
  reload();
  auto loaded = repository->appIds();
  EXPECT_EQ(loaded.size(), ids.size());
  for (const std::string& id : ids) {
    ASSERT_NE(repository->app(id), nullptr) << id;
    EXPECT_EQ(repository->app(id)->at("id").as_string(), id);
    EXPECT_EQ(repository->appVersions(id), std::vector<std::string>{"2026-01-01T00:00:00.000Z@x/y"}) << id;
  }
  EXPECT_EQ(escapeKeyPart("/a b"), "%2Fa%20b");
  EXPECT_EQ(unescapeKeyPart("%2Fa%20b"), "/a b");
  EXPECT_EQ(unescapeKeyPart("%2"), std::nullopt);
  EXPECT_EQ(unescapeKeyPart("%zz"), std::nullopt);
}

TEST_F(ServicesRepositoryTest, ErasingAnAppErasesItsVersions) {
  reload();
  ASSERT_TRUE(putVersion("/gone", "v1").ok());
  ASSERT_TRUE(putVersion("/gone", "v2").ok());
  ASSERT_TRUE(putVersion("/kept", "v1").ok());
  Repository::Change change;
  change.eraseApp("/gone");
  ASSERT_TRUE(commit(std::move(change)).ok());
  EXPECT_EQ(repository->app("/gone"), nullptr);
  EXPECT_TRUE(repository->appVersions("/gone").empty());
  EXPECT_EQ(storedKeys("versions.").size(), 1u);
  reload();
  EXPECT_EQ(repository->appIds(), std::vector<std::string>{"/kept"});
}

TEST_F(ServicesRepositoryTest, ADocumentThatIsNotJsonFailsTheLoadNamingItsKey) {
  {
    auto store = openStore();
    ASSERT_TRUE(store->apply({{registry::Write::Kind::PUT, "groups.00/%2Fbad", "{not json", std::nullopt}}).ok());
  }
  auto loaded = Repository::load(io, openStore());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("groups.00/%2Fbad"), std::string::npos) << loaded.error().message;
}

// A store whose writes fail (reads succeed, empty).
class FailingStore : public registry::Store {
 public:
  Result<std::optional<registry::Entry>> get(const std::string&) override { return std::optional<registry::Entry>(); }
  Result<std::vector<registry::Entry>> list(const std::string&) override { return std::vector<registry::Entry>(); }
  Result<std::vector<uint64_t>> apply(const std::vector<registry::Write>&) override { return Error("disk full"); }
};

TEST_F(ServicesRepositoryTest, AFailedWriteRefusesLaterCommits) {
  auto loaded = Repository::load(io, std::make_unique<FailingStore>());
  ASSERT_TRUE(loaded.ok());
  repository = std::move(*loaded);
  std::vector<std::string> failures;
  repository->onFailure([&](const std::string& why) { failures.push_back(why); });
  auto first = putVersion("/a", "v1");
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message.find("disk full"), std::string::npos);
  EXPECT_TRUE(repository->failed());
  auto second = putVersion("/b", "v1");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot be written any more"), std::string::npos);
  EXPECT_EQ(failures, std::vector<std::string>{"disk full"});
}

}  // namespace
}  // namespace tepui::services
