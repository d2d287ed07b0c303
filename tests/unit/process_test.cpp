// containerizer::spawn: real child processes started the way agents start
// executors and executors start tasks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "containerizer/process.hpp"

namespace tepui::containerizer {
namespace {

namespace fs = std::filesystem;

int waitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string slurp(const fs::path &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SpawnTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tepui-spawn-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  SpawnSpec shell(const std::string &script) {
    SpawnSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.environment = {{"PATH", "/usr/bin:/bin"}};
    spec.stdoutPath = (dir_ / "stdout").string();
    spec.stderrPath = (dir_ / "stderr").string();
    return spec;
  }

  fs::path dir_;
};

TEST_F(SpawnTest, RunsTheCommandWithItsEnvironmentDirectoryAndOutput) {
  auto spec = shell("echo \"$GREETING\"; pwd; echo oops >&2; exit 3");
  spec.environment["GREETING"] = "hello";
  spec.workingDirectory = dir_.string();
  auto pid = spawn(spec);
  ASSERT_TRUE(pid) << pid.error().message;
  int status = waitFor(*pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_EQ(slurp(dir_ / "stdout"), "hello\n" + dir_.string() + "\n");
  EXPECT_EQ(slurp(dir_ / "stderr"), "oops\n");
}

TEST_F(SpawnTest, ReportsAProgramThatCannotBeRun) {
  SpawnSpec spec;
  spec.argv = {"/nonexistent/tepui-no-such-program"};
  auto pid = spawn(spec);
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().message,
            "failed exec '/nonexistent/tepui-no-such-program': No such file or "
            "directory");
}

TEST_F(SpawnTest, ReportsAWorkingDirectoryThatDoesNotExist) {
  auto spec = shell("true");
  spec.workingDirectory = (dir_ / "missing").string();
  auto pid = spawn(spec);
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().message, "failed changing directory to '" +
                                     spec.workingDirectory +
                                     "': No such file or directory");
}

TEST_F(SpawnTest, ReportsAnOutputFileThatCannotBeOpened) {
  auto spec = shell("true");
  spec.stdoutPath = (dir_ / "missing" / "stdout").string();
  auto pid = spawn(spec);
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().message,
            "failed redirecting output: No such file or directory");
}

TEST_F(SpawnTest, RefusesAnEmptyCommandAndAnUnknownUser) {
  EXPECT_FALSE(spawn(SpawnSpec{}));
  auto spec = shell("true");
  spec.user = "tepui-no-such-user";
  auto pid = spawn(spec);
  ASSERT_FALSE(pid);
  EXPECT_EQ(pid.error().message, "user 'tepui-no-such-user' does not exist");
}

TEST_F(SpawnTest, LeadsItsOwnSessionAndSeesNoDescriptorOfTheParent) {
  int leaked = ::open("/dev/null", O_RDONLY); // not close-on-exec
  ASSERT_GE(leaked, 3);
  auto spec = shell("ls /proc/self/fd; ps -o sid= -p $$ | tr -d ' '; echo $$");
  auto pid = spawn(spec);
  ::close(leaked);
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_EQ(waitFor(*pid), 0);
  std::istringstream out(slurp(dir_ / "stdout"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(out, line);)
    lines.push_back(line);
  ASSERT_GE(lines.size(), 3u);
  // 0-2 and the descriptor `ls` opens for /proc/self/fd; nothing else.
  for (size_t i = 0; i + 2 < lines.size(); ++i)
    EXPECT_LE(std::stoi(lines[i]), 3) << lines[i];
  EXPECT_EQ(lines[lines.size() - 2], std::to_string(*pid)) << "session id";
  EXPECT_EQ(lines.back(), std::to_string(*pid));
}

void ignoreUsr1(int) {}

TEST_F(SpawnTest, ChildStartsWithDefaultHandlersAndNoBlockedSignals) {
  struct sigaction handler {
  }, saved{};
  handler.sa_handler = ignoreUsr1;
  ASSERT_EQ(sigaction(SIGUSR1, &handler, &saved), 0);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &block, &old);

  auto spec = shell("kill -USR2 $$; kill -USR1 $$; sleep 5");
  auto pid = spawn(spec);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  sigaction(SIGUSR1, &saved, nullptr);
  ASSERT_TRUE(pid) << pid.error().message;
  int status = waitFor(*pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << describeWaitStatus(status);
  EXPECT_EQ(WTERMSIG(status), SIGUSR2);
}

TEST_F(SpawnTest, SwitchesToTheTaskUserWithItsGroups) {
  if (geteuid() != 0)
    GTEST_SKIP() << "switching users needs root";
  auto spec = shell("id -u; id -g; id -G");
  spec.user = "nobody";
  auto pid = spawn(spec);
  ASSERT_TRUE(pid) << pid.error().message;
  EXPECT_EQ(waitFor(*pid), 0) << slurp(dir_ / "stderr");
  EXPECT_EQ(slurp(dir_ / "stdout"), "65534\n65534\n65534\n");
}

TEST_F(SpawnTest, ManyChildrenInARow) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 50; ++i) {
    auto pid = spawn(shell("exit " + std::to_string(i % 7)));
    ASSERT_TRUE(pid) << pid.error().message;
    pids.push_back(*pid);
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    int status = waitFor(pids[i]);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), static_cast<int>(i % 7));
  }
}

} // namespace
} // namespace tepui::containerizer
