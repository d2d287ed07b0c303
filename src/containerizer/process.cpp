// Child process launch and exit watching (see process.hpp).
#include "containerizer/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tepui::containerizer {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// What the child does between fork and exec, with errno sent to the parent
// on failure. Only async-signal-safe calls.
[[noreturn]] void child(const SpawnSpec& spec, char* const* argv, char* const* envp, int errorPipe,
                        const passwd* user, const gid_t* groups, int ngroups, pid_t parent) {
  auto fail = [&](int stage) {
    int report[2] = {stage, errno};
    ssize_t ignored = ::write(errorPipe, report, sizeof report);
    (void)ignored;
    _exit(127);
  };
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  // Nothing of the parent's leaks into the child: sockets (Asio does not
  // open them close-on-exec) would keep connections and listening ports of
  // the agent alive for as long as any task runs.
  if (::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
    for (int fd = 3; fd < 1024; ++fd) {
      if (fd != errorPipe) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  if (spec.newSession && setsid() < 0) fail(1);
  if (spec.dieWithParent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
  }
  auto redirect = [&](const std::string& path, int fd) {
    if (path.empty()) return;
    int f = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (f < 0 || dup2(f, fd) < 0) fail(2);
  };
  redirect(spec.stdoutPath, STDOUT_FILENO);
  redirect(spec.stderrPath, STDERR_FILENO);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  if (user) {
    if (setgroups(static_cast<size_t>(ngroups), groups) < 0 || setgid(user->pw_gid) < 0 || setuid(user->pw_uid) < 0) {
      fail(3);
    }
  }
  if (!spec.workingDirectory.empty() && chdir(spec.workingDirectory.c_str()) < 0) fail(4);
  execvpe(argv[0], argv, envp);
  fail(5);
  _exit(127);  // not reached: fail() exits
}

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

  // User lookup happens before fork: getpwnam is not async-signal-safe.
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

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) return Error(std::string("pipe: ") + std::strerror(errno));
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return Error(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    child(spec, argv.data(), envp.data(), pipefd[1], user, groups.data(), ngroups, parent);
  }
  ::close(pipefd[1]);
  int report[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(pipefd[0], report, sizeof report);
  } while (n < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (n == static_cast<ssize_t>(sizeof report)) {
    int status;
    waitpid(pid, &status, 0);
    static const char* kStages[] = {"", "setsid", "redirecting output", "switching user", "changing directory",
                                    "exec"};
    std::string what = report[0] >= 1 && report[0] <= 5 ? kStages[report[0]] : "launch";
    if (report[0] == 5) what = "exec '" + spec.argv[0] + "'";
    if (report[0] == 4) what += " to '" + spec.workingDirectory + "'";
    return Error("failed " + what + ": " + std::strerror(report[1]));
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
