// The fetcher against a real HTTP server (the project's own, on its own
// loop thread) and real files: the library (naming, schemes, extraction,
// the cache), the tepui-fetcher program, and the agent's fetchInto.
#include "fetcher/fetcher.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "agent/fetcher_launch.hpp"
#include "containerizer/process.hpp"
#include "support/file_server.hpp"

namespace tepui::fetcher {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using tepui::testing::FileServer;
using tepui::testing::makeArchive;
using tepui::testing::slurp;

void spit(const fs::path& path, const std::string& content) { std::ofstream(path) << content; }

Uri makeUri(const std::string& value) {
  Uri uri;
  uri.set_value(value);
  return uri;
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("tepui-fetcher-" + std::to_string(getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    sandbox_ = root_ / "sandbox";
    fs::create_directories(sandbox_);
  }
  void TearDown() override { fs::remove_all(root_); }

  FetchOptions options(const fs::path& sandbox) const {
    FetchOptions o;
    o.sandbox = sandbox.string();
    o.cacheDir = (root_ / "cache").string();
    return o;
  }
  Status fetch(const Uri& uri) { return fetchUri(uri, options(sandbox_)); }
  // Fetches a cached URI into a fresh sandbox under a cache of `capacity`.
  Status fetchCached(const std::string& path, uint64_t capacity, const std::optional<std::string>& user = {}) {
    fs::path sandbox = root_ / ("sandbox-" + std::to_string(++sandboxes_));
    fs::create_directories(sandbox);
    Uri uri = makeUri(server_.url(path));
    uri.set_cache(true);
    FetchOptions o = options(sandbox);
    o.cacheSize = capacity;
    o.user = user;
    return fetchUri(uri, o);
  }
  std::vector<std::string> cachedFiles() const {
    std::vector<std::string> files;
    for (const auto& item : fs::directory_iterator(root_ / "cache")) {
      std::string name = item.path().filename().string();
      if (name[0] == 'e' || name[0] == '.') files.push_back(name);
    }
    return files;
  }

  FileServer server_;
  fs::path root_, sandbox_;
  int sandboxes_ = 0;
};

// --- Schemes and names ----------------------------------------------------

TEST_F(FetcherTest, HttpUriIsSavedUnderItsLastPathSegmentWithoutQuery) {
  server_.add("/files/hello.txt", "hello");
  auto fetched = fetch(makeUri(server_.url("/files/hello.txt?version=2#top")));
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(slurp(sandbox_ / "hello.txt"), "hello");
  EXPECT_EQ(server_.requests("/files/hello.txt"), 1);
}

TEST_F(FetcherTest, OutputFileNamesTheFileAndMayNameDirectories) {
  server_.add("/hello.txt", "hello");
  Uri uri = makeUri(server_.url("/hello.txt"));
  uri.set_output_file("conf/app.cfg");
  auto fetched = fetch(uri);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(slurp(sandbox_ / "conf" / "app.cfg"), "hello");
  EXPECT_FALSE(fs::exists(sandbox_ / "hello.txt"));
}

TEST_F(FetcherTest, OutputFileMustStayInsideTheSandbox) {
  spit(root_ / "source.txt", "x");
  Uri uri = makeUri((root_ / "source.txt").string());
  uri.set_output_file("../escaped.txt");
  EXPECT_EQ(fetch(uri).error().message, "output_file '../escaped.txt' would leave the sandbox");
  uri.set_output_file("/tmp/escaped.txt");
  EXPECT_EQ(fetch(uri).error().message, "output_file '/tmp/escaped.txt' is not relative to the sandbox");
  fs::create_directory_symlink(root_, sandbox_ / "out");
  uri.set_output_file("out/escaped.txt");
  EXPECT_EQ(fetch(uri).error().message, "output_file 'out/escaped.txt' would leave the sandbox");
  EXPECT_FALSE(fs::exists(root_ / "escaped.txt"));
}

TEST_F(FetcherTest, UriWithoutAFileNameNeedsOutputFile) {
  EXPECT_EQ(outputName(makeUri("http://example.com/")).error().message,
            "the URI's path names no file: give output_file");
  EXPECT_EQ(*outputName(makeUri("https://example.com/a/b.tgz?sig=1")), "b.tgz");
}

TEST_F(FetcherTest, HttpErrorStatusFailsAndLeavesNoFile) {
  auto fetched = fetch(makeUri(server_.url("/missing.txt")));
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().message, "HTTP status 404");
  EXPECT_FALSE(fs::exists(sandbox_ / "missing.txt"));
}

TEST_F(FetcherTest, ConnectionErrorFails) {
  // A port that was free a moment ago: nobody listens on it.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(s);
  std::string url = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/file.txt";
  auto fetched = fetch(makeUri(url));
  ASSERT_FALSE(fetched);
  EXPECT_NE(fetched.error().message.find("Failed to connect to 127.0.0.1"), std::string::npos)
      << fetched.error().message;
}

TEST_F(FetcherTest, RedirectsAreFollowed) {
  server_.add("/new/hello.txt", "hello");
  server_.redirect("/old.txt", "/new/hello.txt");
  auto fetched = fetch(makeUri(server_.url("/old.txt")));
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(slurp(sandbox_ / "old.txt"), "hello");
}

TEST_F(FetcherTest, FileUrisAndAbsolutePathsAreCopied) {
  spit(root_ / "source.txt", "local");
  auto fetched = fetch(makeUri("file://" + (root_ / "source.txt").string()));
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(slurp(sandbox_ / "source.txt"), "local");
  Uri plain = makeUri((root_ / "source.txt").string());
  plain.set_output_file("copy.txt");
  fetched = fetch(plain);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(slurp(sandbox_ / "copy.txt"), "local");
}

TEST_F(FetcherTest, RelativePathsAndOtherSchemesAreRefused) {
  EXPECT_EQ(fetch(makeUri("relative/file.txt")).error().message,
            "a relative path cannot be fetched: give an absolute path or a URI");
  EXPECT_EQ(fetch(makeUri("hdfs://namenode/file.txt")).error().message,
            "unsupported scheme 'hdfs' (http, https and file are supported)");
}

TEST_F(FetcherTest, MissingLocalFileFails) {
  std::string missing = (root_ / "missing.txt").string();
  EXPECT_EQ(fetch(makeUri(missing)).error().message, "cannot open '" + missing + "': No such file or directory");
}

// --- Executables and archives -----------------------------------------------

TEST_F(FetcherTest, ExecutablesGetMode0755AndAreNeverExtractedNorIsExtractFalse) {
  server_.add("/tool.tar.gz", makeArchive(root_, false, {{"inside.txt", "x"}}));
  Uri executable = makeUri(server_.url("/tool.tar.gz"));
  executable.set_executable(true);
  Uri kept = makeUri(server_.url("/tool.tar.gz"));
  kept.set_extract(false);
  kept.set_output_file("kept.tgz");
  for (const Uri& uri : {executable, kept}) {
    auto fetched = fetch(uri);
    ASSERT_TRUE(fetched) << fetched.error().message;
  }
  EXPECT_EQ(fs::status(sandbox_ / "tool.tar.gz").permissions(), static_cast<fs::perms>(0755));
  EXPECT_EQ(fs::status(sandbox_ / "kept.tgz").permissions(), static_cast<fs::perms>(0644));
  EXPECT_FALSE(fs::exists(sandbox_ / "inside.txt"));
}

TEST_F(FetcherTest, TarGzAndZipAreExtractedIntoTheSandboxAndKept) {
  for (std::string format : {"tar.gz", "zip"}) {
    std::string name = "bundle." + format;
    server_.add("/" + name, makeArchive(root_, format == "zip",
                                        {{format + "/bin/run.sh", "run"}, {"data." + format + ".txt", "data"}}));
    auto fetched = fetch(makeUri(server_.url("/" + name)));
    ASSERT_TRUE(fetched) << name << ": " << fetched.error().message;
    EXPECT_EQ(slurp(sandbox_ / format / "bin" / "run.sh"), "run") << name;
    EXPECT_EQ(slurp(sandbox_ / ("data." + format + ".txt")), "data") << name;
    EXPECT_TRUE(fs::exists(sandbox_ / name)) << name;
  }
}

TEST_F(FetcherTest, ArchiveEntriesLeavingTheSandboxFailTheFetch) {
  server_.add("/dotdot.tar.gz", makeArchive(root_, false, {{"ok.txt", "ok"}, {"../escaped.txt", "x"}}));
  server_.add("/absolute.zip", makeArchive(root_, true, {{(root_ / "absolute.txt").string(), "x"}}));
  auto fetched = fetch(makeUri(server_.url("/dotdot.tar.gz")));
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().message, "cannot extract 'dotdot.tar.gz': entry '../escaped.txt' would leave the sandbox");
  EXPECT_FALSE(fs::exists(root_ / "escaped.txt"));
  fetched = fetch(makeUri(server_.url("/absolute.zip")));
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().message,
            "cannot extract 'absolute.zip': entry '" + (root_ / "absolute.txt").string() + "' has an absolute path");
  EXPECT_FALSE(fs::exists(root_ / "absolute.txt"));
}

// --- The cache --------------------------------------------------------------

TEST_F(FetcherTest, CachedUriIsDownloadedOnceAndCopiedAfterwards) {
  server_.add("/cached.txt", "cached");
  server_.add("/uncached.txt", "uncached");
  for (int i = 0; i < 3; ++i) {
    auto fetched = fetchCached("/cached.txt", kDefaultCacheSize);
    ASSERT_TRUE(fetched) << fetched.error().message;
    EXPECT_EQ(slurp(root_ / ("sandbox-" + std::to_string(sandboxes_)) / "cached.txt"), "cached");
    ASSERT_TRUE(fetch(makeUri(server_.url("/uncached.txt"))));
  }
  EXPECT_EQ(server_.requests("/cached.txt"), 1);
  EXPECT_EQ(server_.requests("/uncached.txt"), 3);
}

TEST_F(FetcherTest, CacheKeysIncludeTheUser) {
  server_.add("/cached.txt", "cached");
  ASSERT_TRUE(fetchCached("/cached.txt", kDefaultCacheSize, "alice"));
  ASSERT_TRUE(fetchCached("/cached.txt", kDefaultCacheSize, "bob"));
  ASSERT_TRUE(fetchCached("/cached.txt", kDefaultCacheSize, "alice"));
  EXPECT_EQ(server_.requests("/cached.txt"), 2);
}

TEST_F(FetcherTest, CacheEvictsTheLeastRecentlyUsedEntryToStayWithinItsSize) {
  for (const char* name : {"/a", "/b", "/c"}) server_.add(name, "four");
  const uint64_t capacity = 10;  // two entries of 4 bytes
  ASSERT_TRUE(fetchCached("/a", capacity));
  ASSERT_TRUE(fetchCached("/b", capacity));
  ASSERT_TRUE(fetchCached("/a", capacity));  // a is now more recent than b
  ASSERT_TRUE(fetchCached("/c", capacity));  // evicts b
  ASSERT_TRUE(fetchCached("/a", capacity));
  EXPECT_EQ(server_.requests("/a"), 1);
  ASSERT_TRUE(fetchCached("/b", capacity));  // downloaded again, evicts c
  EXPECT_EQ(server_.requests("/b"), 2);
  ASSERT_TRUE(fetchCached("/a", capacity));
  EXPECT_EQ(server_.requests("/a"), 1);
  EXPECT_EQ(cachedFiles().size(), 2u);
}

TEST_F(FetcherTest, ItemLargerThanTheCacheIsFetchedWithoutBeingCached) {
  server_.add("/big", "too big");
  ASSERT_TRUE(fetchCached("/big", 3));
  ASSERT_TRUE(fetchCached("/big", 3));
  EXPECT_EQ(slurp(root_ / "sandbox-2" / "big"), "too big");
  EXPECT_EQ(server_.requests("/big"), 2);
  EXPECT_TRUE(cachedFiles().empty());
}

TEST_F(FetcherTest, FailedDownloadLeavesNothingInTheCache) {
  EXPECT_EQ(fetchCached("/missing", kDefaultCacheSize).error().message, "HTTP status 404");
  EXPECT_TRUE(cachedFiles().empty());
  server_.add("/missing", "now here");
  ASSERT_TRUE(fetchCached("/missing", kDefaultCacheSize));
  EXPECT_EQ(server_.requests("/missing"), 2);
}

// --- fetchAll and the URIs file ---------------------------------------------

TEST_F(FetcherTest, FetchAllStopsAtTheFirstFailureAndNamesItsUri) {
  server_.add("/one.txt", "1");
  server_.add("/three.txt", "3");
  std::vector<Uri> uris = {makeUri(server_.url("/one.txt")), makeUri(server_.url("/two.txt")),
                           makeUri(server_.url("/three.txt"))};
  auto fetched = fetchAll(uris, options(sandbox_));
  ASSERT_FALSE(fetched);
  EXPECT_EQ(fetched.error().message, "Failed to fetch '" + server_.url("/two.txt") + "': HTTP status 404");
  EXPECT_TRUE(fs::exists(sandbox_ / "one.txt"));
  EXPECT_FALSE(fs::exists(sandbox_ / "three.txt"));
}

TEST_F(FetcherTest, FetchAllGivesTheSandboxToTheUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  uid_t uid = nobody->pw_uid;
  server_.add("/bundle.tar.gz", makeArchive(root_, false, {{"dir/data.txt", "data"}}));
  FetchOptions o = options(sandbox_);
  o.user = "nobody";
  auto fetched = fetchAll({makeUri(server_.url("/bundle.tar.gz"))}, o);
  ASSERT_TRUE(fetched) << fetched.error().message;
  for (const char* path : {"bundle.tar.gz", "dir", "dir/data.txt"}) {
    struct stat st {};
    ASSERT_EQ(::lstat((sandbox_ / path).c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_uid, uid) << path;
  }
}

TEST(FetcherUris, ParseMesosJsonShape) {
  auto uris = parseUris(R"([{"value":"http://h/a.tgz","cache":true,"output_file":"b.tgz"},
                            {"value":"/opt/tool","executable":true,"extract":false}])");
  ASSERT_TRUE(uris) << uris.error().message;
  ASSERT_EQ(uris->size(), 2u);
  EXPECT_EQ((*uris)[0].value(), "http://h/a.tgz");
  EXPECT_TRUE((*uris)[0].cache());
  EXPECT_TRUE((*uris)[0].extract());  // the default
  EXPECT_EQ((*uris)[0].output_file(), "b.tgz");
  EXPECT_TRUE((*uris)[1].executable());
  EXPECT_FALSE((*uris)[1].extract());
  EXPECT_EQ(parseUris(R"({"value":"x"})").error().message, "expected a JSON array of URI objects");
  EXPECT_NE(parseUris(R"([{"cache":true}])").error().message.find("uris[0].value"), std::string::npos);
}

// --- The tepui-fetcher program ------------------------------------------------

class FetcherProgramTest : public FetcherTest {
 protected:
  // Starts tepui-fetcher on a URIs file holding `uris`, with the cache.
  pid_t start(const std::string& uris, const fs::path& sandbox, std::vector<std::string> extra = {}) {
    fs::create_directories(sandbox);
    fs::path file = sandbox.string() + ".uris.json";
    spit(file, uris);
    containerizer::SpawnSpec spec;
    std::string cache = (root_ / "cache").string();
    spec.argv = {TEPUI_FETCHER_BINARY, "--sandbox", sandbox.string(), "--uris", file.string(), "--cache_dir", cache};
    spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.stderrPath = sandbox.string() + ".stderr";
    auto pid = containerizer::spawn(spec);
    EXPECT_TRUE(pid) << pid.error().message;
    return pid ? *pid : -1;
  }
  static int exitCode(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(FetcherProgramTest, FetchesEveryUriAndExitsZero) {
  server_.add("/hello.txt", "hello");
  server_.add("/bundle.zip", makeArchive(root_, true, {{"data.txt", "data"}}));
  std::string uris = R"([{"value":")" + server_.url("/hello.txt") + R"(","executable":true},{"value":")" +
                     server_.url("/bundle.zip") + R"(","cache":true}])";
  EXPECT_EQ(exitCode(start(uris, sandbox_)), 0) << slurp(sandbox_.string() + ".stderr");
  EXPECT_EQ(fs::status(sandbox_ / "hello.txt").permissions(), static_cast<fs::perms>(0755));
  EXPECT_EQ(slurp(sandbox_ / "data.txt"), "data");
  EXPECT_NE(slurp(sandbox_.string() + ".stderr").find("Fetching '" + server_.url("/hello.txt")), std::string::npos);
}

TEST_F(FetcherProgramTest, FailureWritesOneResultLineAndExitsOne) {
  std::string url = server_.url("/missing.tgz");
  fs::path result = root_ / "result";
  EXPECT_EQ(exitCode(start(R"([{"value":")" + url + R"("}])", sandbox_, {"--result", result.string()})), 1);
  EXPECT_EQ(slurp(result), "Failed to fetch '" + url + "': HTTP status 404\n");
}

TEST_F(FetcherProgramTest, BadArgumentsExitTwoWithTheUsage) {
  EXPECT_EQ(exitCode(start("[]", sandbox_, {"--cache_size", "lots"})), 2);
  std::string stderrText = slurp(sandbox_.string() + ".stderr");
  EXPECT_NE(stderrText.find("invalid value 'lots' for --cache_size"), std::string::npos) << stderrText;
  EXPECT_NE(stderrText.find("Usage: tepui-fetcher"), std::string::npos);
  EXPECT_EQ(exitCode(start("not json", sandbox_)), 2);
}

TEST_F(FetcherProgramTest, ConcurrentFetchersDownloadACachedUriOnce) {
  server_.add("/shared.tar.gz", makeArchive(root_, false, {{"shared.txt", "shared"}}));
  server_.delayAnswers(300ms);
  std::string uris = R"([{"value":")" + server_.url("/shared.tar.gz") + R"(","cache":true}])";
  std::vector<pid_t> pids;
  for (int i = 0; i < 4; ++i) pids.push_back(start(uris, root_ / ("sandbox-" + std::to_string(i))));
  for (int i = 0; i < 4; ++i) {
    fs::path sandbox = root_ / ("sandbox-" + std::to_string(i));
    EXPECT_EQ(exitCode(pids[i]), 0) << slurp(sandbox.string() + ".stderr");
    EXPECT_EQ(slurp(sandbox / "shared.txt"), "shared");
  }
  EXPECT_EQ(server_.requests("/shared.tar.gz"), 1);
}

// --- The agent's side: fetchInto ----------------------------------------------

class FetchIntoTest : public FetcherTest {
 protected:
  agent::FetchRequest request(const std::vector<std::string>& urls) {
    agent::FetchRequest r;
    for (const auto& url : urls) r.uris.push_back(makeUri(url));
    r.sandbox = sandbox_.string();
    r.cacheDir = (root_ / "cache").string();
    r.fetcherPath = TEPUI_FETCHER_BINARY;
    return r;
  }
  // Runs fetchInto on a loop of our own until done() is called.
  std::optional<Status> run(const agent::FetchRequest& r, pid_t* pid = nullptr) {
    boost::asio::io_context io;
    containerizer::ProcessWatcher watcher(io);
    std::optional<Status> outcome;
    pid_t started = agent::fetchInto(watcher, io, r, [&](Status s) { outcome = std::move(s); });
    if (pid) *pid = started;
    EXPECT_FALSE(outcome) << "done() must not be called from within fetchInto()";
    io.run_for(30s);
    return outcome;
  }
};

TEST_F(FetchIntoTest, ReportsSuccessOnTheLoop) {
  server_.add("/hello.txt", "hello");
  pid_t pid = -1;
  auto outcome = run(request({server_.url("/hello.txt")}), &pid);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(*outcome) << outcome->error().message;
  EXPECT_GT(pid, 0);
  EXPECT_EQ(slurp(sandbox_ / "hello.txt"), "hello");
  EXPECT_NE(slurp(sandbox_ / "stderr").find("Fetched 1 URI(s)"), std::string::npos);
}

TEST_F(FetchIntoTest, ReportsTheFetchersOneLineReason) {
  std::string url = server_.url("/missing.txt");
  auto outcome = run(request({url}));
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().message, "Failed to fetch '" + url + "': HTTP status 404");
}

TEST_F(FetchIntoTest, WithoutUrisPostsSuccessAndStartsNothing) {
  pid_t pid = 0;
  auto outcome = run(request({}), &pid);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(*outcome);
  EXPECT_EQ(pid, -1);
  EXPECT_FALSE(fs::exists(sandbox_ / "stderr"));
}

TEST_F(FetchIntoTest, ReportsAFetcherThatCannotStart) {
  auto r = request({"http://127.0.0.1:1/x"});
  r.fetcherPath = (root_ / "no-such-fetcher").string();
  auto outcome = run(r);
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().message,
            "cannot start tepui-fetcher: failed exec '" + r.fetcherPath + "': No such file or directory");
}

TEST_F(FetchIntoTest, InOrderFetchesEachSandboxAndStopsAtTheFirstFailure) {
  server_.add("/a.txt", "a");
  server_.add("/c.txt", "c");
  std::vector<agent::FetchRequest> requests;
  for (const char* name : {"a", "b", "c"}) {
    auto r = request({server_.url("/" + std::string(name) + ".txt")});
    r.sandbox = (root_ / name).string();
    fs::create_directories(r.sandbox);
    requests.push_back(r);
  }
  boost::asio::io_context io;
  containerizer::ProcessWatcher watcher(io);
  std::optional<Status> outcome;
  agent::fetchInOrder(watcher, io, requests, [&](Status s) { outcome = std::move(s); });
  EXPECT_FALSE(outcome) << "done() must not be called from within fetchInOrder()";
  io.run_for(30s);
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().message, "Failed to fetch '" + server_.url("/b.txt") + "': HTTP status 404");
  EXPECT_EQ(slurp(root_ / "a" / "a.txt"), "a");
  EXPECT_EQ(server_.requests("/c.txt"), 0);
}

TEST_F(FetchIntoTest, CancelKillsTheRunningFetcher) {
  server_.stall("/slow.tgz");
  boost::asio::io_context io;
  containerizer::ProcessWatcher watcher(io);
  std::optional<Status> outcome;
  auto run = agent::fetchInOrder(watcher, io, {request({server_.url("/slow.tgz")})},
                                 [&](Status s) { outcome = std::move(s); });
  for (int i = 0; i < 300 && server_.requests("/slow.tgz") == 0; ++i) io.run_for(100ms);
  ASSERT_EQ(server_.requests("/slow.tgz"), 1);
  pid_t pid = run->pid();
  ASSERT_GT(pid, 0);
  run->cancel();
  io.run_for(30s);
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().message, "cancelled");
  EXPECT_EQ(::kill(pid, 0), -1) << "the fetcher is still there";
  EXPECT_EQ(run->pid(), -1);
}

TEST_F(FetchIntoTest, DroppedWatchLeavesNoScratchFiles) {
  server_.stall("/slow.tgz");
  boost::asio::io_context io;
  std::optional<containerizer::ProcessWatcher> watcher(io);
  pid_t pid = agent::fetchInto(*watcher, io, request({server_.url("/slow.tgz")}), [](Status) {});
  ASSERT_GT(pid, 0);
  for (int i = 0; i < 300 && server_.requests("/slow.tgz") == 0; ++i) io.run_for(100ms);
  ASSERT_EQ(server_.requests("/slow.tgz"), 1);
  // The fetcher's --uris file names its scratch directory.
  std::string cmdline = slurp("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  auto at = cmdline.find("--uris ");
  ASSERT_NE(at, std::string::npos) << cmdline;
  fs::path scratch = fs::path(cmdline.substr(at + 7, cmdline.find(' ', at + 7) - at - 7)).parent_path();
  ASSERT_TRUE(fs::exists(scratch)) << scratch;

  watcher->cancelAll();  // as the agent does when it stops
  io.run_for(100ms);
  watcher.reset();
  EXPECT_FALSE(fs::exists(scratch)) << scratch;
  containerizer::signalGroup(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(FetcherPath, IsTheEnvironmentsOrNextToTheLauncher) {
  ::unsetenv("TEPUI_FETCHER");
  EXPECT_EQ(agent::defaultFetcherPath(), (fs::read_symlink("/proc/self/exe").parent_path() / "tepui-fetcher").string());
  // Next to the launcher the symlinks lead to, where an install puts both.
  fs::path dir = fs::temp_directory_path() / ("tepui-fetcher-path-" + std::to_string(getpid()));
  fs::create_directories(dir / "bin");
  spit(dir / "bin" / "tepui", "");
  fs::create_symlink(dir / "bin" / "tepui", dir / "tepui");
  EXPECT_EQ(agent::defaultFetcherPath((dir / "tepui").string()),
            (fs::canonical(dir) / "bin" / "tepui-fetcher").string());
  EXPECT_EQ(agent::defaultFetcherPath("tepui"), "tepui-fetcher");  // from PATH, as the launcher
  fs::remove_all(dir);
  ::setenv("TEPUI_FETCHER", "/opt/tepui/bin/tepui-fetcher", 1);
  EXPECT_EQ(agent::defaultFetcherPath(), "/opt/tepui/bin/tepui-fetcher");
  ::unsetenv("TEPUI_FETCHER");
}

}  // namespace
}  // namespace tepui::fetcher
