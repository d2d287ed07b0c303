// The framework repository against the real embedded store (a SQLite
// file): what one repository commits, a fresh one loads; versions are
// capped, oldest first; any id (an app path) is a valid key; collections
// need no declaration; a failed write stops further writes (with a failing
// store, the one fake here). The versioned collection is laid out as
// tepui services lays out its apps ("apps", versions under "versions").
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "frameworks/repository.hpp"
#include "support/run_loop.hpp"

namespace tepui::frameworks {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// Apps keep `max` versions under "versions", as in tepui services.
RepositoryOptions appsCapped(size_t max) { return {.versioned = {{"apps", {"versions", max}}}}; }

class FrameworksRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() / ("tepui-frameworks-repo-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
  }
  void TearDown() override {
    repository.reset();
    std::filesystem::remove_all(dir);
  }

  std::unique_ptr<registry::Store> openStore() {
    auto store = registry::openEmbeddedStore((dir / "state.db").string());
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Drops the current repository (closing its store) and loads a new one.
  void reload(RepositoryOptions options = appsCapped(50)) {
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
    change.putVersioned("apps", id, version, json::object{{"id", id}, {"version", version}});
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

TEST_F(FrameworksRepositoryTest, WhatIsCommittedLoadsAgain) {
  reload();
  EXPECT_EQ(repository->frameworkId(), "");
  Repository::Change change;
  change.setFrameworkId("fw-1");
  change.putVersioned("apps", "/product/db", "2026-01-01T00:00:00.000Z",
                      json::object{{"id", "/product/db"}, {"cpus", 0.5}});
  change.put("groups", "/product", json::object{{"id", "/product"}});
  change.put("deployments", "d1", json::object{{"id", "d1"}});
  change.put("instances", "product_db.instance-1", json::object{{"state", "running"}});
  change.put("instances", "product_db.instance-2", json::object{{"state", "staging"}});
  change.erase("instances", "product_db.instance-2");
  ASSERT_TRUE(commit(std::move(change)).ok());

  reload();
  EXPECT_EQ(repository->frameworkId(), "fw-1");
  EXPECT_EQ(repository->ids("apps"), std::vector<std::string>{"/product/db"});
  ASSERT_NE(repository->get("apps", "/product/db"), nullptr);
  EXPECT_EQ(repository->get("apps", "/product/db")->at("cpus").as_double(), 0.5);
  EXPECT_EQ(repository->versions("apps", "/product/db"), std::vector<std::string>{"2026-01-01T00:00:00.000Z"});
  ASSERT_NE(repository->get("groups", "/product"), nullptr);
  ASSERT_NE(repository->get("deployments", "d1"), nullptr);
  EXPECT_EQ(repository->all("instances").size(), 1u);
  EXPECT_EQ(repository->get("instances", "product_db.instance-1")->at("state").as_string(), "running");
  EXPECT_EQ(repository->get("instances", "product_db.instance-2"), nullptr);
}

TEST_F(FrameworksRepositoryTest, VersionsAreCappedOldestFirstAcrossReloads) {
  reload(appsCapped(3));
  for (std::string v : {"v1", "v2", "v3", "v4", "v5"}) ASSERT_TRUE(putVersion("/app", v).ok());
  EXPECT_EQ(repository->versions("apps", "/app"), (std::vector<std::string>{"v3", "v4", "v5"}));
  EXPECT_EQ(repository->version("apps", "/app", "v1"), nullptr);
  EXPECT_EQ(repository->get("apps", "/app")->at("version").as_string(), "v5");
  EXPECT_EQ(storedKeys("versions.").size(), 3u);

  reload(appsCapped(3));
  EXPECT_EQ(repository->versions("apps", "/app"), (std::vector<std::string>{"v3", "v4", "v5"}));
  // Numbering goes on after a reload: "a0" sorts before "v3" but is newer.
  ASSERT_TRUE(putVersion("/app", "a0").ok());
  EXPECT_EQ(repository->versions("apps", "/app"), (std::vector<std::string>{"v4", "v5", "a0"}));
  // Putting an existing version replaces it in place.
  ASSERT_TRUE(putVersion("/app", "v4").ok());
  EXPECT_EQ(repository->versions("apps", "/app"), (std::vector<std::string>{"v4", "v5", "a0"}));
  EXPECT_EQ(repository->get("apps", "/app")->at("version").as_string(), "v4");
  reload(appsCapped(3));
  EXPECT_EQ(repository->versions("apps", "/app"), (std::vector<std::string>{"v4", "v5", "a0"}));
}

TEST_F(FrameworksRepositoryTest, AnyAppPathIsAValidKey) {
  reload();
  const std::vector<std::string> ids = {"/a",       "/a/b",         "/a b/%41",   "/..",  "/x@y@z",
                                        "/ünïcode", "/a-b_c.d/e:f", "/trailing/", "/a/b/"};
  for (const std::string& id : ids) ASSERT_TRUE(putVersion(id, "2026-01-01T00:00:00.000Z@x/y").ok()) << id;
  reload();
  auto loaded = repository->ids("apps");
  EXPECT_EQ(loaded.size(), ids.size());
  for (const std::string& id : ids) {
    ASSERT_NE(repository->get("apps", id), nullptr) << id;
    EXPECT_EQ(repository->get("apps", id)->at("id").as_string(), id);
    EXPECT_EQ(repository->versions("apps", id), std::vector<std::string>{"2026-01-01T00:00:00.000Z@x/y"}) << id;
  }
  EXPECT_EQ(escapeKeyPart("/a b"), "%2Fa%20b");
  EXPECT_EQ(unescapeKeyPart("%2Fa%20b"), "/a b");
  EXPECT_EQ(unescapeKeyPart("%2"), std::nullopt);
  EXPECT_EQ(unescapeKeyPart("%zz"), std::nullopt);
}

TEST_F(FrameworksRepositoryTest, ErasingAnAppErasesItsVersions) {
  reload();
  ASSERT_TRUE(putVersion("/gone", "v1").ok());
  ASSERT_TRUE(putVersion("/gone", "v2").ok());
  ASSERT_TRUE(putVersion("/kept", "v1").ok());
  Repository::Change change;
  change.eraseVersioned("apps", "/gone");
  ASSERT_TRUE(commit(std::move(change)).ok());
  EXPECT_EQ(repository->get("apps", "/gone"), nullptr);
  EXPECT_TRUE(repository->versions("apps", "/gone").empty());
  EXPECT_EQ(storedKeys("versions.").size(), 1u);
  reload();
  EXPECT_EQ(repository->ids("apps"), std::vector<std::string>{"/kept"});
}

TEST_F(FrameworksRepositoryTest, CollectionsNeedNoDeclarationAndVersionsDefaultToTheirOwnDirectory) {
  reload({});
  const auto& jobs = repository->all("jobs");  // a reference that sees later commits
  EXPECT_TRUE(jobs.empty());
  EXPECT_TRUE(repository->ids("jobs").empty());
  EXPECT_EQ(repository->get("jobs", "nightly"), nullptr);
  Repository::Change change;
  change.put("jobs", "nightly", json::object{{"name", "nightly"}});
  change.putVersioned("graphs", "g", "1", json::object{{"n", 1}});
  change.putVersioned("graphs", "g", "2", json::object{{"n", 2}});
  change.put("runs", "nightly:1", json::object{{"state", "running"}});
  change.erase("runs", "nightly:1");
  ASSERT_TRUE(commit(std::move(change)).ok());
  EXPECT_EQ(jobs.size(), 1u);
  EXPECT_EQ(storedKeys("graphs_versions.").size(), 2u);
  EXPECT_TRUE(storedKeys("runs.").empty());

  reload({});
  EXPECT_EQ(repository->ids("jobs"), std::vector<std::string>{"nightly"});
  EXPECT_EQ(repository->get("jobs", "nightly")->at("name").as_string(), "nightly");
  EXPECT_EQ(repository->get("graphs", "g")->at("n").as_int64(), 2);
  EXPECT_EQ(repository->versions("graphs", "g"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(repository->version("graphs", "g", "1")->at("n").as_int64(), 1);
  EXPECT_TRUE(repository->all("runs").empty());
  EXPECT_TRUE(repository->all("graphs_versions").empty());  // not a collection of its own

  // Erasing a document erases its versions, however it is asked.
  Repository::Change erase;
  erase.erase("graphs", "g");
  ASSERT_TRUE(commit(std::move(erase)).ok());
  EXPECT_TRUE(repository->versions("graphs", "g").empty());
  EXPECT_TRUE(storedKeys("graphs").empty());
}

TEST_F(FrameworksRepositoryTest, ADocumentThatIsNotJsonFailsTheLoadNamingItsKey) {
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

TEST_F(FrameworksRepositoryTest, AFailedWriteRefusesLaterCommits) {
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
}  // namespace tepui::frameworks
