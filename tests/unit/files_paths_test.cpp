// Path resolution for the /files/* endpoints, on a real directory tree with
// the symlinks a hostile task could plant in its sandbox: what the agent
// serves, what it refuses and with which status; and how the master reads a
// path to find the agent holding it.
#include "agent/files_paths.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "master/files_proxy.hpp"

namespace tepui {
namespace {

namespace fs = std::filesystem;
using agent::files::resolve;
using agent::files::SandboxRoot;

class FilesPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("tepui-files-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    work_ = base_ / "work";
    runs_ = work_ / "slaves" / "S1" / "frameworks" / "F" / "executors" / "E" / "runs";
    sandbox_ = runs_ / "C1";
    fs::create_directories(sandbox_ / "tasks" / "T");
    fs::create_directories(work_ / "slaves" / "S1" / "frameworks" / "F" / "executors" / "other" / "runs" / "C2");
    fs::create_directory_symlink("C1", runs_ / "latest");
    write(sandbox_ / "stdout", "hello\n");
    write(sandbox_ / "tasks" / "T" / "stdout", "nested\n");
    write(runs_.parent_path() / "secret", "executor level\n");
    write(base_ / "outside" / "secret", "outside\n");
    // What a task can plant in its own sandbox.
    fs::create_directory_symlink("/etc", sandbox_ / "escape");
    fs::create_symlink("/etc/passwd", sandbox_ / "leak");
    fs::create_directory_symlink("../..", sandbox_ / "up");
    fs::create_symlink("/etc/no-such-file-here", sandbox_ / "dangling-out");
    fs::create_symlink("missing", sandbox_ / "dangling-in");
    fs::create_symlink("loop", sandbox_ / "loop");
    fs::create_directory_symlink("../../../other/runs/C2", sandbox_ / "sibling");
    fs::create_symlink("stdout", sandbox_ / "alias");
  }

  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  SandboxRoot root() const { return {work_.string(), "S1"}; }
  int status(const std::string& path) const { return resolve(root(), path).status; }
  std::string virtualPath(const std::string& rest) const { return "/frameworks/F/executors/E/runs/latest" + rest; }

  fs::path base_, work_, runs_, sandbox_;
};

TEST_F(FilesPathsTest, HostAndVirtualPathsOfTheSameFileResolveAlike) {
  fs::path real = fs::canonical(sandbox_ / "stdout");
  for (std::string path : {(sandbox_ / "stdout").string(), (runs_ / "latest" / "stdout").string(),
                           virtualPath("/stdout"), std::string("/frameworks/F/executors/E/runs/C1/stdout"),
                           std::string("/slaves/S1/frameworks/F/executors/E/runs/latest/stdout")}) {
    auto r = resolve(root(), path);
    ASSERT_TRUE(r.ok()) << path << ": " << r.reason;
    EXPECT_EQ(r.value.real, real) << path;
    EXPECT_EQ(r.value.sandbox, fs::canonical(sandbox_)) << path;
  }
}

TEST_F(FilesPathsTest, SandboxDirectoriesNestedSandboxesAndInnerSymlinksAreServed) {
  EXPECT_EQ(status(virtualPath("")), 200);
  EXPECT_EQ(status(virtualPath("/")), 200);
  EXPECT_EQ(status(virtualPath("/tasks/T/stdout")), 200);
  EXPECT_EQ(resolve(root(), virtualPath("/alias")).value.real, fs::canonical(sandbox_ / "stdout"));
  // Another sandbox of this agent is a sandbox too.
  EXPECT_EQ(status(virtualPath("/sibling")), 200);
}

TEST_F(FilesPathsTest, AHostPathThroughASymlinkedWorkDirIsServed) {
  fs::create_directory_symlink(work_, base_ / "work-link");
  SandboxRoot linked{(base_ / "work-link").string(), "S1"};
  EXPECT_TRUE(resolve(linked, (sandbox_ / "stdout").string()).ok());
  EXPECT_TRUE(resolve(linked, (base_ / "work-link" / runs_.lexically_relative(work_) / "C1" / "stdout").string()).ok());
}

TEST_F(FilesPathsTest, SymlinksPlantedByATaskCannotLeaveTheSandbox) {
  EXPECT_EQ(status(virtualPath("/escape")), 403);
  EXPECT_EQ(status(virtualPath("/escape/passwd")), 403);
  EXPECT_EQ(status(virtualPath("/leak")), 403);
  EXPECT_EQ(status(virtualPath("/up")), 403);
  EXPECT_EQ(status(virtualPath("/up/secret")), 403);
  EXPECT_EQ(status((sandbox_ / "leak").string()), 403);
  // A dangling symlink says nothing about what exists outside.
  EXPECT_EQ(status(virtualPath("/dangling-out")), 403);
  EXPECT_EQ(status(virtualPath("/loop")), 403);
}

TEST_F(FilesPathsTest, MissingFilesInsideASandboxAre404) {
  EXPECT_EQ(status(virtualPath("/nope")), 404);
  EXPECT_EQ(status(virtualPath("/dangling-in")), 404);
  EXPECT_EQ(status("/frameworks/F/executors/unknown/runs/latest/stdout"), 404);
  EXPECT_EQ(status("/frameworks/F/executors/E/runs/latest/%2e%2e/%2e%2e/secret"), 404);  // taken literally
  EXPECT_EQ(status("/frameworks/F/executors/E/runs/latest%2f..%2f..%2fsecret"), 404);
}

TEST_F(FilesPathsTest, TraversalAndMalformedPathsAreRefusedBeforeTouchingTheDisk) {
  for (std::string path :
       {virtualPath("/../../secret"), virtualPath("/.."), virtualPath("/./stdout"), virtualPath("//stdout"),
        std::string("//etc/passwd"), (sandbox_ / ".." / ".." / "secret").string(), std::string("stdout"),
        std::string("frameworks/F/executors/E/runs/latest/stdout"), std::string("/etc/passwd"),
        (base_ / "outside" / "secret").string(), virtualPath("/stdout") + std::string(1, '\0')}) {
    auto r = resolve(root(), path);
    EXPECT_EQ(r.status, 403) << path;
    EXPECT_FALSE(r.reason.empty()) << path;
  }
  EXPECT_EQ(status(""), 400);
}

TEST_F(FilesPathsTest, TheLevelsAboveARunDirectoryAreRefused) {
  for (std::string path :
       {std::string("/frameworks"), std::string("/frameworks/F"), std::string("/frameworks/F/executors/E"),
        std::string("/frameworks/F/executors/E/runs"), std::string("/frameworks/F/executors/E/secret"), work_.string(),
        (work_ / "slaves" / "S1" / "frameworks").string()}) {
    EXPECT_EQ(status(path), 403) << path;
  }
}

TEST_F(FilesPathsTest, OnlyThisAgentsSandboxesAreServed) {
  EXPECT_EQ(status("/slaves/S2/frameworks/F/executors/E/runs/latest/stdout"), 404);
  fs::create_directories(work_ / "slaves" / "S0" / "frameworks" / "F" / "executors" / "E" / "runs" / "C0");
  write(work_ / "slaves" / "S0" / "frameworks" / "F" / "executors" / "E" / "runs" / "C0" / "stdout", "old\n");
  EXPECT_EQ(
      status((work_ / "slaves" / "S0" / "frameworks" / "F" / "executors" / "E" / "runs" / "C0" / "stdout").string()),
      403);
  EXPECT_EQ(resolve(SandboxRoot{work_.string(), ""}, virtualPath("/stdout")).status, 404);  // not registered yet
}

TEST_F(FilesPathsTest, OpeningChecksWhereTheDescriptorLandedAgain) {
  auto r = resolve(root(), virtualPath("/tasks/T/stdout"));
  ASSERT_TRUE(r.ok());
  auto opened = agent::files::openWithin(r.value, O_RDONLY);
  ASSERT_TRUE(opened.ok()) << opened.reason;
  EXPECT_GE(opened.value.get(), 0);

  // The task swaps a directory for a symlink after the path was resolved.
  fs::remove_all(sandbox_ / "tasks" / "T");
  write(base_ / "outside" / "stdout", "outside\n");
  fs::create_directory_symlink(base_ / "outside", sandbox_ / "tasks" / "T");
  auto swapped = agent::files::openWithin(r.value, O_RDONLY);
  EXPECT_EQ(swapped.status, 403);

  // ... or the file itself for a symlink.
  auto file = resolve(root(), virtualPath("/stdout"));
  ASSERT_TRUE(file.ok());
  fs::remove(sandbox_ / "stdout");
  fs::create_symlink("/etc/passwd", sandbox_ / "stdout");
  EXPECT_EQ(agent::files::openWithin(file.value, O_RDONLY).status, 403);
}

TEST(FilesWithinTest, ComparesWholeComponents) {
  using agent::files::isWithin;
  EXPECT_TRUE(isWithin("/a/b/c", "/a/b"));
  EXPECT_TRUE(isWithin("/a/b", "/a/b"));
  EXPECT_TRUE(isWithin("/a/b/c", "/a/b/"));
  EXPECT_FALSE(isWithin("/a/bc", "/a/b"));
  EXPECT_FALSE(isWithin("/a", "/a/b"));
}

TEST(FilesProxyPathTest, FindsTheAgentOrTheExecutorInEveryForm) {
  using master::files::parseSandboxPath;
  auto v = parseSandboxPath("/frameworks/F/executors/E/runs/latest/stdout");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->agentId, "");
  EXPECT_EQ(v->frameworkId, "F");
  EXPECT_EQ(v->executorId, "E");

  auto s = parseSandboxPath("/slaves/S1/frameworks/F/executors/E/runs/C1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->agentId, "S1");
  EXPECT_EQ(s->executorId, "E");

  auto host = parseSandboxPath(
      "/var/lib/slaves/x/work/slaves/S9/frameworks/F/executors/E/runs/C/frameworks/G/"
      "executors/H/stdout");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->agentId, "S9");
  EXPECT_EQ(host->frameworkId, "F");
  EXPECT_EQ(host->executorId, "E");

  for (const char* path : {"/etc/passwd", "/frameworks/F", "/frameworks/F/executors", "/slaves/S1", "", "stdout"}) {
    EXPECT_FALSE(parseSandboxPath(path)) << path;
  }
}

TEST(FilesProxyPathTest, RefusesWhatNoAgentWouldServe) {
  using master::files::hostilePath;
  EXPECT_TRUE(hostilePath("/frameworks/F/executors/E/runs/latest/../../../../x"));
  EXPECT_TRUE(hostilePath("/slaves/S1/frameworks/F/executors/E/runs/latest/.."));
  EXPECT_TRUE(hostilePath("/frameworks/F/executors/E/runs/latest/stdout" + std::string(1, '\0')));
  EXPECT_FALSE(hostilePath("/frameworks/F/executors/E/runs/latest/..stdout"));
  EXPECT_FALSE(hostilePath("/frameworks/F/executors/E/runs/latest/%2e%2e"));
}

}  // namespace
}  // namespace tepui
