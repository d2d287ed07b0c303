// Starting and watching child processes without blocking the event loop.
//
// spawn() starts the child with clone(CLONE_VM | CLONE_VFORK), the way
// posix_spawn does, so its cost does not grow with the parent's memory or
// threads, and execs with everything prepared beforehand (argv, envp,
// user ids), so the child only makes async-signal-safe calls before exec:
// every descriptor but 0-2 is closed on exec,
// new session (so the whole process tree can be signalled as a group),
// working directory, stdout/stderr redirected to files, and a switch of user
// when asked (the agent runs as root). The child reports a failed step
// through the memory it shares with the parent, so the caller learns "no
// such file" or "permission denied" synchronously instead of seeing exit
// status 127.
//
// With namespaces or cgroups asked for, the child joins the cgroups first,
// and, once its output files are open, (in its new mount namespace, made a
// slave of the parent's so that nothing it mounts propagates back) mounts
// its /tmp and /proc, before it switches user and changes directory.
//
// ProcessWatcher turns a child's exit into a callback on the loop using a
// pidfd (Linux >= 5.3), one per child; it reaps the child.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tepui::containerizer {

struct SpawnSpec {
  std::vector<std::string> argv;                   // argv[0] is the program (PATH is searched)
  std::map<std::string, std::string> environment;  // the whole environment
  std::string workingDirectory;                    // empty: inherit
  std::string stdoutPath;                          // empty: inherit
  std::string stderrPath;                          // empty: inherit
  std::optional<std::string> user;                 // switch to this user (needs root)
  bool newSession = true;                          // setsid(): own process group
  bool dieWithParent = false;                      // SIGKILL when the parent dies
  // Isolation (containerizer/linux.hpp), all done by the child before it
  // switches user and execs:
  std::vector<int> joinCgroups;  // cgroup.procs files it writes "0" into first
  bool newPidNamespace = false;  // it is PID 1 of a new PID namespace
  bool newMountNamespace = false;
  bool mountProc = false;  // a /proc of its own PID namespace (needs both)
  std::string privateTmp;  // bind-mounted onto /tmp (needs newMountNamespace)
  struct RLimit {
    int resource;  // RLIMIT_*
    uint64_t soft;
    uint64_t hard;
  };
  std::vector<RLimit> rlimits;  // set before exec (posix/rlimits)
};

Result<pid_t> spawn(const SpawnSpec& spec);

// This process's environment as a map, for a SpawnSpec.
std::map<std::string, std::string> inheritedEnvironment();

// Gives `path` to `user` (and the user's primary group).
Status chownToUser(const std::string& path, const std::string& user);

// Sends `signal` to the process group led by pid (falls back to the single
// process if it has no group of its own).
void signalGroup(pid_t pid, int signal);

// Sends SIGTERM to each pid's process group, waits up to `grace` for them
// to exit (reaping them), then SIGKILLs what is left. Blocks: for shutdown
// paths only, never on a loop that is serving.
void terminateAll(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

// "exited with status 3", "terminated by signal 9 (Killed)".
std::string describeWaitStatus(int status);

class ProcessWatcher {
 public:
  explicit ProcessWatcher(boost::asio::io_context& io) : io_(io) {}
  ~ProcessWatcher();

  // Calls onExit(waitStatus) on the loop once `pid` (a child of this
  // process) exits. Returns an error if the pidfd cannot be opened.
  Status watch(pid_t pid, std::function<void(int)> onExit);
  void cancelAll();

 private:
  struct Watch;
  boost::asio::io_context& io_;
  std::map<pid_t, std::shared_ptr<Watch>> watches_;
};

}  // namespace tepui::containerizer
