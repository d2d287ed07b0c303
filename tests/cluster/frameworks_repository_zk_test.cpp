// The framework repository (laid out as tepui services lays out its apps)
// on a real ZooKeeper: what one repository commits a
// fresh one (a new session) loads, with app paths as keys and versions
// capped; the layout keeps one document per node, spread over bucket
// directories, never one big node; and once a newer repository (a new
// leader) has claimed the state, the older one's writes fail.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <set>

#include "frameworks/repository.hpp"
#include "registry/zookeeper.hpp"
#include "support/run_loop.hpp"
#include "support/zookeeper_server.hpp"

namespace tepui::testing {
namespace {

using namespace std::chrono_literals;
using frameworks::Repository;
using frameworks::RepositoryOptions;

// Apps keep `max` versions under "versions", as in tepui services.
RepositoryOptions appsCapped(size_t max) { return {.versioned = {{"apps", {"versions", max}}}}; }

// A repository on a new session to `zk` under /services.
std::unique_ptr<Repository> loadRepository(boost::asio::io_context& io, const ZooKeeperServer& zk,
                                           RepositoryOptions options = appsCapped(50)) {
  auto store = registry::openZooKeeperStore(zk.url("/services"), 5s);
  EXPECT_TRUE(store.ok()) << store.error().message;
  if (!store) return nullptr;
  auto repository = Repository::load(io, std::move(*store), options);
  EXPECT_TRUE(repository.ok()) << repository.error().message;
  return repository ? std::move(*repository) : nullptr;
}

TEST(FrameworksRepositoryZooKeeperTest, CommitsLoadAgainOneDocumentPerNode) {
  ZooKeeperServer zk;
  boost::asio::io_context io;
  auto load = [&] { return loadRepository(io, zk, appsCapped(2)); };
  const std::vector<std::string> apps = {"/product/db/mysql", "/product/service/web", "/a b/..", "/x"};
  {
    auto repository = load();
    size_t durable = 0;
    for (std::string version : {"v1", "v2", "v3"}) {
      Repository::Change change;
      for (const std::string& app : apps) change.putVersioned("apps", app, version, boost::json::object{{"id", app}});
      change.put("deployments", "deployment-" + version, boost::json::object{{"v", version}});
      change.setFrameworkId("fw-" + version);
      repository->commit(std::move(change), [&](const Status& s) {
        EXPECT_TRUE(s.ok()) << s.error().message;
        ++durable;
      });
    }
    ASSERT_TRUE(runLoopUntil(
        io, [&] { return durable == 3; }, 20s));
  }
  auto repository = load();
  EXPECT_EQ(repository->frameworkId(), "fw-v3");
  EXPECT_EQ(repository->ids("apps").size(), apps.size());
  for (const std::string& app : apps) {
    EXPECT_EQ(repository->versions("apps", app), (std::vector<std::string>{"v2", "v3"})) << app;
  }
  EXPECT_EQ(repository->all("deployments").size(), 3u);

  // The layout: every child of the root is a bucket directory (or the
  // framework's), and each node under them holds one document.
  auto session = registry::ZooKeeper::connect(zk.hosts(), 5s);
  ASSERT_TRUE(session.ok());
  auto dirs = (*session)->children("/services/registry");
  ASSERT_TRUE(dirs.ok());
  size_t nodes = 0;
  for (const std::string& dir : *dirs) {
    EXPECT_TRUE(dir == "framework" || dir == "leader" || dir.starts_with("apps%2E") || dir.starts_with("versions%2E") ||
                dir.starts_with("deployments%2E"))
        << dir;
    auto children = (*session)->children("/services/registry/" + dir);
    ASSERT_TRUE(children.ok());
    nodes += children->size();
  }
  EXPECT_EQ(nodes, 2 + apps.size() + 2 * apps.size() + 3);  // (framework id, fence)
}

TEST(FrameworksRepositoryZooKeeperTest, AStaleLeadersWritesFailOnceANewOneClaimedTheState) {
  ZooKeeperServer zk;
  boost::asio::io_context io;
  auto load = [&] { return loadRepository(io, zk); };
  auto commit = [&](Repository& repository, const std::string& app) {
    std::optional<Status> outcome;
    Repository::Change change;
    change.putVersioned("apps", app, "v1", boost::json::object{{"id", app}});
    repository.commit(std::move(change), [&](const Status& s) { outcome = s; });
    EXPECT_TRUE(runLoopUntil(
        io, [&] { return outcome.has_value(); }, 20s));
    return outcome.value_or(Error("no outcome"));
  };
  auto claim = [&](Repository& repository) {
    std::optional<Status> outcome;
    repository.claim([&](const Status& s) { outcome = s; });
    EXPECT_TRUE(runLoopUntil(
        io, [&] { return outcome.has_value(); }, 20s));
    return outcome.value_or(Error("no outcome"));
  };

  auto old = load();
  ASSERT_TRUE(claim(*old).ok());
  ASSERT_TRUE(commit(*old, "/before").ok());
  auto current = load();  // a new leader, while the old one still thinks it leads
  ASSERT_TRUE(claim(*current).ok());
  auto stale = commit(*old, "/stale");
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message.find(registry::kConflict), std::string::npos) << stale.error().message;
  EXPECT_TRUE(old->failed());
  ASSERT_TRUE(commit(*current, "/after").ok());
  old.reset();
  current.reset();
  auto reloaded = load();
  EXPECT_EQ(reloaded->ids("apps"), (std::vector<std::string>{"/after", "/before"}));
}

}  // namespace
}  // namespace tepui::testing
