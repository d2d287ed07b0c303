// Child process launch and exit watching (see process.hpp).
#include "containerizer/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace tepui::containerizer {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Everything the child needs, prepared by the parent. The child shares the
// parent's memory (CLONE_VM) until it execs, so it reads this and writes
// only `stage`/`error`, which the parent reads once the child is gone or
// has exec'd.
struct ChildArgs {
  const SpawnSpec* spec;
  char* const* argv;
  char* const* envp;
  const passwd* user;
  const gid_t* groups;
  size_t ngroups;
  pid_t parent;
  volatile int stage = 0;  // 0: exec succeeded; otherwise the step that failed
  volatile int error = 0;
};

// The child between clone and exec. It runs on its own stack in the
// parent's address space while the parent is suspended (CLONE_VFORK), so it
// makes raw system calls only: no malloc, no locks, and no glibc set*id()
// wrappers, which would try to signal the parent's threads.
int child(void* arg) {
  auto& a = *static_cast<ChildArgs*>(arg);
  const SpawnSpec& spec = *a.spec;
  auto fail = [&](int stage) {
    a.error = errno;
    a.stage = stage;
    _exit(127);
  };
  // Signal handlers are the parent's code: reset them before unblocking.
  // (sigaction and sigprocmask are plain system call wrappers.)
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
      sigaction(sig, &dfl, nullptr);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Nothing of the parent's leaks into the child: sockets (Asio does not
  // open them close-on-exec) would keep connections and listening ports of
  // the agent alive for as long as any task runs.
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
    for (int fd = 3; fd < 1024; ++fd) ::syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
  }
  for (int fd : spec.joinCgroups) {
    if (::syscall(SYS_write, fd, "0", 1) < 0) fail(6);
  }
  if (spec.newSession && ::syscall(SYS_setsid) < 0) fail(1);
  if (spec.dieWithParent) {
    ::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    // (In a new PID namespace the parent is outside it: getppid() is 0.)
    if (!spec.newPidNamespace && ::syscall(SYS_getppid) != a.parent) _exit(127);  // the parent died before prctl
  }
  auto redirect = [&](const std::string& path, int fd) {
    if (path.empty()) return;
    int f = static_cast<int>(
        ::syscall(SYS_openat, AT_FDCWD, path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (f < 0 || ::syscall(SYS_dup2, f, fd) < 0) fail(2);
  };
  redirect(spec.stdoutPath, STDOUT_FILENO);
  redirect(spec.stderrPath, STDERR_FILENO);
  int devnull = static_cast<int>(::syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC));
  if (devnull >= 0) ::syscall(SYS_dup2, devnull, STDIN_FILENO);
  if (spec.newMountNamespace) {
    if (::syscall(SYS_mount, nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) fail(7);
    if (!spec.privateTmp.empty() &&
        ::syscall(SYS_mount, spec.privateTmp.c_str(), "/tmp", nullptr, MS_BIND | MS_REC, nullptr) < 0)
      fail(7);
    if (spec.mountProc && ::syscall(SYS_mount, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) < 0)
      fail(7);
  }
  for (const auto& limit : spec.rlimits) {
    struct rlimit64 value {};
    value.rlim_cur = limit.soft;
    value.rlim_max = limit.hard;
    if (::syscall(SYS_prlimit64, 0, limit.resource, &value, nullptr) < 0) fail(8);
  }
  if (a.user) {
    if (::syscall(SYS_setgroups, a.ngroups, a.groups) < 0 ||
        ::syscall(SYS_setresgid, a.user->pw_gid, a.user->pw_gid, a.user->pw_gid) < 0 ||
        ::syscall(SYS_setresuid, a.user->pw_uid, a.user->pw_uid, a.user->pw_uid) < 0) {
      fail(3);
    }
  }
  if (!spec.workingDirectory.empty() && ::syscall(SYS_chdir, spec.workingDirectory.c_str()) < 0) fail(4);
  execvpe(a.argv[0], a.argv, a.envp);
  fail(5);
  return 127;  // not reached: fail() exits
}

// Blocks every signal in the calling thread for the life of the object, so
// that no handler of the parent runs in the child before it resets them.
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~BlockSignals() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  BlockSignals(const BlockSignals&) = delete;
  BlockSignals& operator=(const BlockSignals&) = delete;

 private:
  sigset_t saved_;
};

constexpr size_t kChildStack = 64 * 1024;

}  // namespace

Result<pid_t> spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return Error("nothing to run: empty command");
  std::vector<char*> argv, envp;
  for (auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> envStrings;
  envStrings.reserve(spec.environment.size());
  for (auto& [k, v] : spec.environment) envStrings.push_back(k + "=" + v);
  for (auto& e : envStrings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  // User lookup happens before clone: getpwnam is not async-signal-safe.
  passwd pw{}, *user = nullptr;
  std::vector<char> pwbuf(16384);
  std::vector<gid_t> groups(256);
  int ngroups = static_cast<int>(groups.size());
  if (spec.user) {
    if (getpwnam_r(spec.user->c_str(), &pw, pwbuf.data(), pwbuf.size(), &user) != 0 || !user) {
      return Error("user '" + *spec.user + "' does not exist");
    }
    if (getgrouplist(spec.user->c_str(), pw.pw_gid, groups.data(), &ngroups) < 0) ngroups = 0;
  }

  ChildArgs args{&spec,   argv.data(), envp.data(), user, groups.data(), static_cast<size_t>(std::max(ngroups, 0)),
                 getpid()};
  // The child borrows the parent's memory and runs on this stack until it
  // execs; CLONE_VFORK suspends the parent until then, which costs no page
  // table copy however large the parent is.
  std::unique_ptr<char[]> stack(new char[kChildStack]);
  pid_t pid;
  int cloneErrno;
  {
    BlockSignals blocked;
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
    if (spec.newPidNamespace) flags |= CLONE_NEWPID;
    if (spec.newMountNamespace) flags |= CLONE_NEWNS;
    pid = ::clone(child, stack.get() + kChildStack, flags, &args);
    cloneErrno = errno;
  }
  if (pid < 0) return Error(std::string("clone: ") + std::strerror(cloneErrno));
  if (args.stage != 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    static const char* kStages[] = {"",
                                    "setsid",
                                    "redirecting output",
                                    "switching user",
                                    "changing directory",
                                    "exec",
                                    "joining the container's cgroups",
                                    "mounting the container's /tmp or /proc",
                                    "setting the container's resource limits (rlimits)"};
    int stage = args.stage;
    std::string what = stage >= 1 && stage <= 8 ? kStages[stage] : "launch";
    if (stage == 5) what = "exec '" + spec.argv[0] + "'";
    if (stage == 4) what += " to '" + spec.workingDirectory + "'";
    return Error("failed " + what + ": " + std::strerror(args.error));
  }
  return pid;
}

Status chownToUser(const std::string& path, const std::string& user) {
  passwd pw{}, *found = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) {
    return Error("user '" + user + "' does not exist");
  }
  if (::chown(path.c_str(), pw.pw_uid, pw.pw_gid) < 0) {
    return Error("cannot give '" + path + "' to user '" + user + "': " + std::strerror(errno));
  }
  return okStatus();
}

std::map<std::string, std::string> inheritedEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

void signalGroup(pid_t pid, int signal) {
  if (pid <= 0) return;
  if (::kill(-pid, signal) < 0) ::kill(pid, signal);
}

void terminateAll(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  std::vector<pid_t> alive;
  for (pid_t pid : pids) {
    if (pid > 0) {
      signalGroup(pid, SIGTERM);
      alive.push_back(pid);
    }
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!alive.empty() && std::chrono::steady_clock::now() < deadline) {
    std::erase_if(alive, [](pid_t pid) {
      int status;
      pid_t r = waitpid(pid, &status, WNOHANG);
      return r == pid || (r < 0 && errno == ECHILD);
    });
    if (!alive.empty()) usleep(10000);
  }
  for (pid_t pid : alive) {
    signalGroup(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
  }
}

std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    return "terminated by signal " + std::to_string(WTERMSIG(status)) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

struct ProcessWatcher::Watch {
  explicit Watch(boost::asio::io_context& io) : descriptor(io) {}
  boost::asio::posix::stream_descriptor descriptor;
};

ProcessWatcher::~ProcessWatcher() { cancelAll(); }

Status ProcessWatcher::watch(pid_t pid, std::function<void(int)> onExit) {
  int fd = pidfdOpen(pid);
  if (fd < 0) return Error(std::string("pidfd_open: ") + std::strerror(errno));
  auto w = std::make_shared<Watch>(io_);
  w->descriptor.assign(fd);
  watches_[pid] = w;
  w->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [this, pid, w, onExit = std::move(onExit)](const boost::system::error_code& ec) {
                             if (ec) return;  // cancelled
                             int status = 0;
                             pid_t r;
                             do {
                               r = waitpid(pid, &status, 0);
                             } while (r < 0 && errno == EINTR);
                             watches_.erase(pid);
                             onExit(r == pid ? status : -1);
                           });
  return okStatus();
}

void ProcessWatcher::cancelAll() {
  for (auto& [pid, w] : watches_) {
    boost::system::error_code ignored;
    w->descriptor.close(ignored);
  }
  watches_.clear();
}

}  // namespace tepui::containerizer
