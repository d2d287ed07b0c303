// The per-task cost of isolation (bench/README.md, "Isolation"): starts
// one trivial process at a time as a container's first process through the
// containerizer the agent uses, waits for it to exit and destroys the
// container, N times, for each isolation asked for, and prints the time
// per task. "spawn" is the floor: the same process started with
// containerizer::spawn and reaped, with no container around it;
// "raw-cgroup" the floor with one cgroup: mkdir a memory cgroup, the
// process joins it, reap, rmdir. A Linux
// isolation creates the container's cgroups, sets its limits, has the child
// join them before exec, and removes them once it has exited; the run waits
// until every cgroup is gone, so their removal is in the figure.
//
//   bench_isolation_cost N [ISOLATION ...]        (Linux isolations need root)
//   bench_isolation_cost 1000 spawn raw-cgroup posix/cpu,posix/mem cgroups/cpu,cgroups/mem
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "containerizer/cgroups.hpp"
#include "containerizer/containerizer.hpp"

namespace {

using namespace tepui;
using Clock = std::chrono::steady_clock;

containerizer::SpawnSpec trivial() {
  containerizer::SpawnSpec spec;
  spec.argv = {"/bin/true"};
  spec.environment = {{"PATH", "/usr/bin:/bin"}};
  return spec;
}

void reap(pid_t pid) {
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Containers still holding cgroups under `root`, in any hierarchy.
size_t cgroupsLeft(const std::string& root) {
  size_t n = 0;
  for (auto& [name, mount] : containerizer::readCgroupMounts().v1) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(mount + "/" + root, ec), end; !ec && it != end; it.increment(ec)) {
      n += it->is_directory();
    }
  }
  return n;
}

int run(int n, const std::string& isolation) {
  auto start = Clock::now();
  size_t left = 0;  // cgroups not removed in the end
  if (isolation == "raw-cgroup") {
    // The floor with one cgroup: mkdir a memory cgroup, start the process
    // in it (it joins before exec), reap it, rmdir the cgroup.
    std::string root = containerizer::readCgroupMounts().v1.at("memory") + "/tepui-bench-raw";
    std::filesystem::create_directories(root);
    for (int i = 0; i < n; ++i) {
      std::string dir = root + "/c" + std::to_string(i);
      if (::mkdir(dir.c_str(), 0755) < 0) return std::perror("mkdir"), 1;
      int procs = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
      auto spec = trivial();
      spec.joinCgroups = {procs};
      auto pid = containerizer::spawn(spec);
      ::close(procs);
      if (!pid) return std::fprintf(stderr, "spawn: %s\n", pid.error().message.c_str()), 1;
      reap(*pid);
      if (::rmdir(dir.c_str()) < 0) return std::perror("rmdir"), 1;
    }
    ::rmdir(root.c_str());
  } else if (isolation == "spawn") {
    for (int i = 0; i < n; ++i) {
      auto pid = containerizer::spawn(trivial());
      if (!pid) return std::fprintf(stderr, "spawn: %s\n", pid.error().message.c_str()), 1;
      reap(*pid);
    }
  } else {
    boost::asio::io_context io;
    containerizer::IsolationOptions options;
    options.isolation = isolation;
    options.cgroupsRoot = "tepui-bench-" + std::to_string(::getpid());
    options.workDir = "/var/tmp";
    auto made = containerizer::Containerizer::create(io, options);
    if (!made) return std::fprintf(stderr, "%s: %s\n", isolation.c_str(), made.error().message.c_str()), 1;
    auto& c = **made;
    containerizer::ContainerResources given;
    given.cpus = 0.1;
    given.memBytes = 64u << 20;
    for (int i = 0; i < n; ++i) {
      std::string id = "c" + std::to_string(i);
      auto pid = c.launch(id, "/var/tmp", given, trivial());
      if (!pid) return std::fprintf(stderr, "launch: %s\n", pid.error().message.c_str()), 1;
      reap(*pid);
      c.destroy(id, *pid);
      io.poll();
    }
    // Removals the kernel was not ready for are retried on the loop.
    while (cgroupsLeft(options.cgroupsRoot) > 0 && Clock::now() - start < std::chrono::seconds(60)) {
      io.run_for(std::chrono::milliseconds(1));
    }
    left = cgroupsLeft(options.cgroupsRoot);
    for (auto& [name, mount] : containerizer::readCgroupMounts().v1) {
      ::rmdir((mount + "/" + options.cgroupsRoot).c_str());
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%-40s %6d tasks  %.3f s  %.3f ms/task  %.0f tasks/s  cgroups left %zu\n", isolation.c_str(), n, seconds,
              1000 * seconds / n, n / seconds, left);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s N [ISOLATION ...]   (ISOLATION: spawn, or an --isolation value)\n", argv[0]);
    return 2;
  }
  int n = std::atoi(argv[1]);
  std::vector<std::string> isolations(argv + 2, argv + argc);
  if (isolations.empty()) {
    isolations = {"spawn", "raw-cgroup", "posix/cpu,posix/mem", "cgroups/cpu,cgroups/mem",
                  "cgroups/cpu,cgroups/mem,namespaces/pid"};
  }
  for (auto& isolation : isolations) {
    if (int rc = run(n, isolation); rc != 0) return rc;
  }
  return 0;
}
