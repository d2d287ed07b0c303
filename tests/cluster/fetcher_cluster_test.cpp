// In-process cluster tests of CommandInfo.uris: the agent runs the real
// tepui-fetcher before it starts an executor, against an HTTP server of the
// test's own on loopback that counts its requests. Files, archives,
// executables, renames, local files, the cache, failures, a task group's
// per-task sandboxes, no fetcher without URIs, and a kill, an executor
// shutdown and a teardown while a download stalls.
#include <algorithm>
#include <cctype>

#include "cluster.hpp"
#include "support/eventually.hpp"
#include "support/file_server.hpp"

namespace tepui::testing {
namespace {

namespace fs = std::filesystem;
using Uri = v1::CommandInfo::URI;

Uri makeUri(const std::string& value) {
  Uri uri;
  uri.set_value(value);
  return uri;
}

v1::TaskInfo withUris(v1::TaskInfo task, const std::vector<Uri>& uris) {
  for (const auto& uri : uris) *task.mutable_command()->add_uris() = uri;
  return task;
}

// A task of a custom executor `executorId` (that never subscribes, and
// leaves a file `started` in its sandbox) whose own URIs are `uris`.
v1::TaskInfo customExecutorTaskWithUris(const std::string& id, const std::string& executorId,
                                        const std::vector<Uri>& uris) {
  v1::TaskInfo task = customExecutorTask(id, executorId, "touch started; exec sleep 1000");
  for (const auto& uri : uris) *task.mutable_executor()->mutable_command()->add_uris() = uri;
  return task;
}

// The sandbox (latest run) of executor `executorId` on the first agent.
fs::path sandboxOf(Cluster& cluster, const std::string& frameworkId, const std::string& executorId) {
  return cluster.workDir() / "agent-0" / "slaves" / cluster.agent(0)->id() / "frameworks" / frameworkId / "executors" /
         executorId / "runs" / "latest";
}

// The tepui-fetcher processes fetching for this cluster (their --sandbox is
// under its work directory).
std::vector<pid_t> fetchersOf(const Cluster& cluster) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("tepui-fetcher") != std::string::npos &&
        cmdline.find(cluster.workDir().string()) != std::string::npos) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

std::string agentState(Cluster& cluster) {
  http::Request r;
  r.method = "GET";
  r.target = "/state";
  auto response = http::fetch({"127.0.0.1", cluster.agent(0)->port()}, r);
  return response ? response->body : "";
}

class FetcherClusterTest : public ::testing::Test {
 protected:
  FetcherClusterTest() : scheduler_(cluster_.masterEndpoint(), frameworkInfo("fetching")) {
    cluster_.addAgent();
    scheduler_.subscribe();
  }

  // The task's last update, after acknowledging every update until it is
  // terminal; the sandbox's stderr in the failure message helps when the
  // command's checks fail.
  v1::TaskStatus finalStatus(const std::string& taskId) {
    auto seen = scheduler_.untilTerminal({taskId});
    if (seen[taskId].empty()) return {};
    return seen[taskId].back();
  }
  std::string stderrOf(const std::string& executorId) {
    return slurp(sandboxOf(cluster_, scheduler_.frameworkId(), executorId) / "stderr");
  }

  // Acknowledges updates until each of `taskIds` is terminal and FAILURE
  // events (which may come before or after the updates) have named
  // `executors` executors; returns every task's updates and fills `failed`
  // with the executors named.
  std::map<std::string, std::vector<v1::TaskStatus>> untilEnded(const std::set<std::string>& taskIds, size_t executors,
                                                                std::set<std::string>& failed) {
    std::map<std::string, std::vector<v1::TaskStatus>> seen;
    std::set<std::string> open = taskIds;
    for (auto deadline = std::chrono::steady_clock::now() + 30s; !open.empty() || failed.size() < executors;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto e = scheduler_.poll({Event::UPDATE, Event::FAILURE}, std::max(left, 0ms));
      if (!e) break;
      if (e->type() == Event::FAILURE) {
        failed.insert(e->failure().executor_id().value());
        continue;
      }
      const auto& status = e->update().status();
      scheduler_.acknowledge(status);
      seen[status.task_id().value()].push_back(status);
      if (isTerminalState(status.state())) open.erase(status.task_id().value());
    }
    EXPECT_TRUE(open.empty()) << open.size() << " task(s) did not end";
    return seen;
  }
  // Launches `task`, whose URI /slow.tgz the server never answers, and
  // returns its offer once its fetcher is waiting for the answer.
  v1::Offer launchStalled(const v1::TaskInfo& task) {
    server_.stall("/slow.tgz");
    v1::Offer offer = scheduler_.launch({task});
    EXPECT_TRUE(eventually([&] { return server_.requests("/slow.tgz") == 1; }));
    EXPECT_EQ(fetchersOf(cluster_).size(), 1u);
    return offer;
  }
  // After a fetch was stopped: `taskId` ends TASK_KILLED (its only update),
  // the framework hears that `executorId` ended, no fetcher is left, and
  // the executor never started. Returns the task's status.
  v1::TaskStatus expectFetchStopped(const std::string& taskId, const std::string& executorId) {
    std::set<std::string> failed;
    auto seen = untilEnded({taskId}, 1, failed);
    EXPECT_EQ(seen[taskId].size(), 1u);
    if (seen[taskId].empty()) return {};
    EXPECT_EQ(seen[taskId].back().state(), v1::TASK_KILLED);
    EXPECT_EQ(failed, std::set<std::string>{executorId});
    EXPECT_TRUE(fetchersOf(cluster_).empty());
    EXPECT_FALSE(fs::exists(sandboxOf(cluster_, scheduler_.frameworkId(), executorId) / "started"));
    return seen[taskId].back();
  }

  Cluster cluster_;
  TestScheduler scheduler_;
  FileServer server_;
};

TEST_F(FetcherClusterTest, CommandTaskFindsItsUrisFetchedExtractedAndRenamedInItsSandbox) {
  server_.add("/tool.sh", "#!/bin/sh\necho tool ran\n");
  server_.add("/bundle.tar.gz", makeArchive(cluster_.workDir(), false, {{"bundle/a.txt", "from tar"}}));
  server_.add("/pack.zip", makeArchive(cluster_.workDir(), true, {{"zipped.txt", "from zip"}}));
  server_.add("/blob", "renamed");
  Uri tool = makeUri(server_.url("/tool.sh"));
  tool.set_executable(true);
  Uri renamed = makeUri(server_.url("/blob?version=2"));
  renamed.set_output_file("conf/renamed.txt");
  std::string checks =
      "test -x tool.sh && ./tool.sh && test \"$(cat bundle/a.txt)\" = 'from tar' && "
      "test \"$(cat zipped.txt)\" = 'from zip' && test \"$(cat conf/renamed.txt)\" = renamed && "
      "test -f bundle.tar.gz && test -f pack.zip && test ! -x conf/renamed.txt";
  scheduler_.launch({withUris(commandTask("fetched", checks), {tool, makeUri(server_.url("/bundle.tar.gz")),
                                                               makeUri(server_.url("/pack.zip")), renamed})});
  auto status = finalStatus("fetched");
  EXPECT_EQ(status.state(), v1::TASK_FINISHED) << status.message() << "\n" << stderrOf("fetched");
  EXPECT_NE(stderrOf("fetched").find("fetcher] Fetched 4 URI(s)"), std::string::npos) << stderrOf("fetched");
  EXPECT_NE(slurp(sandboxOf(cluster_, scheduler_.frameworkId(), "fetched") / "stdout").find("tool ran\n"),
            std::string::npos);
  EXPECT_EQ(server_.requests("/blob"), 1);
}

TEST_F(FetcherClusterTest, TaskWithoutUrisStartsWithoutAFetcher) {
  scheduler_.launch({commandTask("plain", "true")});
  EXPECT_EQ(finalStatus("plain").state(), v1::TASK_FINISHED);
  EXPECT_EQ(stderrOf("plain").find("fetcher]"), std::string::npos) << stderrOf("plain");
}

TEST_F(FetcherClusterTest, FileUrisAndAbsolutePathsAreCopied) {
  fs::path local = cluster_.workDir() / "local";
  fs::create_directories(local);
  std::ofstream(local / "one.txt") << "one";
  std::ofstream(local / "two.txt") << "two";
  std::string checks = "test \"$(cat one.txt)\" = one && test \"$(cat two.txt)\" = two";
  scheduler_.launch({withUris(commandTask("local", checks), {makeUri("file://" + (local / "one.txt").string()),
                                                             makeUri((local / "two.txt").string())})});
  auto status = finalStatus("local");
  EXPECT_EQ(status.state(), v1::TASK_FINISHED) << status.message() << "\n" << stderrOf("local");
}

TEST_F(FetcherClusterTest, CachedUriIsDownloadedOnceForTwoTasks) {
  server_.add("/cached.txt", "cached");
  server_.delayAnswers(200ms);  // so that the two fetchers overlap
  Uri cached = makeUri(server_.url("/cached.txt"));
  cached.set_cache(true);
  std::string checks = "test \"$(cat cached.txt)\" = cached";
  scheduler_.launch(
      {withUris(commandTask("first", checks), {cached}), withUris(commandTask("second", checks), {cached})});
  auto seen = scheduler_.untilTerminal({"first", "second"});
  for (const char* id : {"first", "second"}) {
    ASSERT_FALSE(seen[id].empty()) << id;
    EXPECT_EQ(seen[id].back().state(), v1::TASK_FINISHED) << id << ": " << stderrOf(id);
  }
  EXPECT_EQ(server_.requests("/cached.txt"), 1);
  // The agent's default cache directory.
  EXPECT_TRUE(fs::exists(cluster_.workDir() / "agent-0" / "fetch" / "index.json"));
}

TEST_F(FetcherClusterTest, FailedFetchFailsTheTasksNamingTheUriAndTheExecutorIsGone) {
  std::string missing = server_.url("/missing.tgz");
  scheduler_.launch({withUris(commandTask("command", "true"), {makeUri(missing)}),
                     customExecutorTaskWithUris("custom", "custom-executor", {makeUri(missing)})});
  std::set<std::string> failed;
  auto seen = untilEnded({"command", "custom"}, 2, failed);
  for (const char* id : {"command", "custom"}) {
    ASSERT_EQ(seen[id].size(), 1u) << id;
    const auto& status = seen[id].back();
    EXPECT_EQ(status.state(), v1::TASK_FAILED) << id;
    EXPECT_EQ(status.reason(), v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED) << id;
    EXPECT_EQ(status.source(), v1::TaskStatus::SOURCE_AGENT) << id;
    EXPECT_EQ(status.message(), "Failed to launch container: Failed to fetch '" + missing + "': HTTP status 404");
  }
  EXPECT_EQ(seen["custom"].back().executor_id().value(), "custom-executor");
  EXPECT_FALSE(seen["command"].back().has_executor_id());

  // The master hears of both executors as of exited ones.
  EXPECT_EQ(failed, (std::set<std::string>{"command", "custom-executor"}));
  // Nothing was started, and the agent forgets them.
  EXPECT_FALSE(fs::exists(sandboxOf(cluster_, scheduler_.frameworkId(), "custom-executor") / "started"));
  EXPECT_TRUE(eventually([&] { return agentState(cluster_).find("\"frameworks\":[]") != std::string::npos; }))
      << agentState(cluster_);
}

TEST_F(FetcherClusterTest, TaskGroupTasksGetTheirUrisInTheirOwnSandboxes) {
  server_.add("/a.txt", "a");
  auto a = withUris(commandTask("a", "test \"$(cat a.txt)\" = a"), {makeUri(server_.url("/a.txt"))});
  auto b = commandTask("b", "test ! -e a.txt && test -e ../a/a.txt");
  scheduler_.launchGroup(defaultExecutor("pod"), {a, b});
  auto seen = scheduler_.untilTerminal({"a", "b"});
  for (const char* id : {"a", "b"}) {
    ASSERT_FALSE(seen[id].empty()) << id;
    EXPECT_EQ(seen[id].back().state(), v1::TASK_FINISHED) << id << ": " << seen[id].back().message();
  }
  fs::path pod = sandboxOf(cluster_, scheduler_.frameworkId(), "pod");
  EXPECT_EQ(slurp(pod / "tasks" / "a" / "a.txt"), "a");
  EXPECT_FALSE(fs::exists(pod / "a.txt"));
}

TEST_F(FetcherClusterTest, FailedFetchOfATaskGroupFailsTheGroupAndEndsItsExecutor) {
  std::string missing = server_.url("/missing.txt");
  auto a = withUris(commandTask("a", "true"), {makeUri(missing)});
  scheduler_.launchGroup(defaultExecutor("pod"), {a, commandTask("b", "true")});
  std::set<std::string> failed;
  auto seen = untilEnded({"a", "b"}, 1, failed);
  for (const char* id : {"a", "b"}) {
    ASSERT_EQ(seen[id].size(), 1u) << id;
    EXPECT_EQ(seen[id].back().state(), v1::TASK_FAILED) << id;
    EXPECT_EQ(seen[id].back().reason(), v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED) << id;
    EXPECT_NE(seen[id].back().message().find("Failed to fetch '" + missing + "'"), std::string::npos);
  }
  EXPECT_EQ(failed, std::set<std::string>{"pod"});
}

TEST_F(FetcherClusterTest, KillDuringAStalledFetchEndsTheTaskKilledAndLeavesNoFetcher) {
  launchStalled(withUris(commandTask("slow", "touch started"), {makeUri(server_.url("/slow.tgz"))}));
  // Meanwhile the agent shows the executor and its task, not started yet.
  std::string state = agentState(cluster_);
  EXPECT_NE(state.find(R"("id":"slow","name":"slow","state":"TASK_STAGING")"), std::string::npos) << state;

  v1::TaskID id;
  id.set_value("slow");
  scheduler_.run([&](auto& c) { c.kill(id); });
  auto status = expectFetchStopped("slow", "slow");
  EXPECT_EQ(status.reason(), v1::TaskStatus::REASON_TASK_KILLED_DURING_LAUNCH);
}

TEST_F(FetcherClusterTest, ShutdownOfAFetchingExecutorKillsItsFetcherAndItsTask) {
  v1::Offer offer =
      launchStalled(customExecutorTaskWithUris("slow", "slow-executor", {makeUri(server_.url("/slow.tgz"))}));
  v1::scheduler::Call call;
  call.set_type(v1::scheduler::Call::SHUTDOWN);
  call.mutable_shutdown()->mutable_executor_id()->set_value("slow-executor");
  *call.mutable_shutdown()->mutable_agent_id() = offer.agent_id();
  scheduler_.run([&](auto& c) { c.call(call); });
  auto status = expectFetchStopped("slow", "slow-executor");
  EXPECT_EQ(status.reason(), v1::TaskStatus::REASON_EXECUTOR_TERMINATED);
  EXPECT_NE(status.message().find("shut down while fetching its URIs"), std::string::npos) << status.message();
}

TEST_F(FetcherClusterTest, TeardownDuringAStalledFetchLeavesNoFetcher) {
  launchStalled(customExecutorTaskWithUris("slow", "slow-executor", {makeUri(server_.url("/slow.tgz"))}));
  scheduler_.run([](auto& c) { c.teardown(); });
  EXPECT_TRUE(eventually([&] { return fetchersOf(cluster_).empty(); }));
  EXPECT_TRUE(eventually([&] { return agentState(cluster_).find("\"frameworks\":[]") != std::string::npos; }))
      << agentState(cluster_);
}

}  // namespace
}  // namespace tepui::testing
