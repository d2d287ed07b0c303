// Control groups for containers, on cgroups v1 hierarchies or the v2
// unified hierarchy, behind one interface.
//
// Each container gets a cgroup named by its container id under a root
// (`--cgroups_root`, "tepui"): on v1, one per hierarchy used (freezer
// always, to find and freeze every process; cpu and cpuacct for
// cgroups/cpu; memory for cgroups/mem), on v2 one directory with the cpu
// and memory controllers enabled. The cgroups outlive the agent: a
// restarted agent finds its containers again by name.
//
// A child joins its container before exec by writing "0" ("this process",
// on v1 and v2 alike) into each cgroup.procs file that joinFiles() opened
// for it, so it can fork nothing outside the container (containerizer/
// process.hpp's SpawnSpec::joinCgroups).
//
// Every call is a few small reads or writes of cgroupfs files, except
// kill(), which may wait a few milliseconds for a v1 freezer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace tepui::containerizer {

// What a container may use.
struct CgroupLimits {
  double cpuShares = 0;                 // in cpus: weight relative to other containers
  std::optional<double> cpuQuota;       // in cpus: hard CFS limit (--cgroups_enable_cfs)
  std::optional<uint64_t> memoryBytes;  // hard memory limit
};

// What a container has used; fields a controller in use does not give stay 0.
struct CgroupUsage {
  double userSeconds = 0;
  double systemSeconds = 0;
  uint64_t periods = 0;  // CFS enforcement periods elapsed, and those throttled
  uint64_t throttledPeriods = 0;
  double throttledSeconds = 0;
  uint64_t memoryBytes = 0;  // charged now (rss + cache)
  uint64_t rssBytes = 0;     // anonymous memory
  uint64_t cacheBytes = 0;   // page cache
  uint64_t maxMemoryBytes = 0;
  std::optional<uint64_t> memoryLimitBytes;
  uint64_t oomKills = 0;  // processes the kernel's OOM killer ended in it
  uint64_t processes = 0;
  uint64_t threads = 0;
};

enum class Controller { CPU, MEMORY };

class Cgroups {
 public:
  virtual ~Cgroups() = default;
  // "cgroups v1 (cpu,memory)" and the like, for the agent's log.
  virtual std::string describe() const = 0;
  virtual Status create(const std::string& name) = 0;
  // Files a child writes "0" into to join the container (see above).
  virtual Result<std::vector<UniqueFd>> joinFiles(const std::string& name) = 0;
  virtual Status limit(const std::string& name, const CgroupLimits& limits) = 0;
  virtual Result<CgroupUsage> usage(const std::string& name) = 0;
  virtual uint64_t oomKills(const std::string& name) = 0;
  // An eventfd that becomes readable when the container runs out of
  // memory (v1: memory.oom_control through cgroup.event_control); an error
  // where there is no such notification (v2, or no memory controller).
  virtual Result<UniqueFd> oomNotifications(const std::string& name) = 0;
  // Every process in the container (a v1 container: in its freezer cgroup).
  virtual std::vector<pid_t> processes(const std::string& name) = 0;
  // SIGKILLs every process in the container, with no window for one to
  // fork a child that escapes (v1: frozen first; v2: cgroup.kill).
  virtual Status kill(const std::string& name) = 0;
  // Removes the container's cgroups; fails (EBUSY) while a process is in
  // one, so the caller retries once the processes killed are gone.
  virtual Status remove(const std::string& name) = 0;
  // The containers that have cgroups under the root.
  virtual std::set<std::string> list() = 0;
};

// Where each controller is mounted, read from /proc/self/mounts (or, for
// tests, another file in its format).
struct CgroupMounts {
  std::map<std::string, std::string> v1;  // controller -> mount point
  std::optional<std::string> v2;          // the unified hierarchy's mount point
  std::set<std::string> v2Controllers;    // its cgroup.controllers
};
CgroupMounts readCgroupMounts(const std::string& mountsFile = "/proc/self/mounts");

// Cgroups for `controllers` under `root`: v1 if each is mounted as a v1
// hierarchy (with the freezer), else v2 if the unified hierarchy has them
// all; otherwise an error that names what is missing.
Result<std::unique_ptr<Cgroups>> openCgroups(const CgroupMounts& mounts, const std::set<Controller>& controllers,
                                             const std::string& root);

// The v2 cpu.weight (1-10000) for v1-style cpu.shares (2-262144).
uint64_t sharesToWeight(uint64_t shares);

}  // namespace tepui::containerizer
