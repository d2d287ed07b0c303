// The containerizer: it starts an executor as the first process of a
// container, keeps the container to what it was given, measures what it
// uses, and kills everything in it. The agent owns the executors and their
// tasks; the containerizer only knows containers, by container id.
//
// Two implementations, chosen by Mesos's flags (`--containerizers=mesos`,
// `--isolation=...`):
// - POSIX (isolators posix/cpu, posix/mem, disk/du): no isolation; the
//   executor leads a session and process group, through which its
//   processes are found, measured and killed. A process that starts a
//   session of its own escapes it, as under Mesos's POSIX launcher.
//   posix/rlimits (with either containerizer) sets the executor's
//   ContainerInfo.rlimit_info limits before it execs.
// - Linux, when any of cgroups/cpu, cgroups/mem, namespaces/pid,
//   filesystem/linux, network/ports is asked for (needs root): every
//   container has a freezer (v1) or v2 cgroup, so nothing in it escapes a
//   kill; cgroups/cpu gives cpu shares (and a CFS quota with
//   --cgroups_enable_cfs or a cpus limit), cgroups/mem a memory limit whose
//   OOM kills are reported as REASON_CONTAINER_LIMITATION_MEMORY;
//   namespaces/pid makes the executor PID 1 of its own PID namespace (so
//   its end kills every process in it) with a /proc of its own;
//   filesystem/linux gives the container a mount namespace with a private
//   /tmp (the sandbox's tmp/); network/ports checks every
//   --container_ports_watch_interval that the container listens only on the
//   ports it was given, and reports one that does not (or, with
//   --enforce_container_ports, kills it: REASON_CONTAINER_LIMITATION).
// - Both: disk/du measures each sandbox every --container_disk_watch_interval
//   (disk_usage.hpp) and, with --enforce_container_disk_quota, kills a
//   container over its disk (REASON_CONTAINER_LIMITATION_DISK).
//
// Containers outlive the agent: after a restart, recover() is given the
// containers the agent re-attached to, and kills and removes the others.
// Each agent on a host needs its own --cgroups_root.
//
// All calls run on the agent's loop; they read and write a few cgroupfs or
// /proc files and do not block, except that killing a v1 container waits
// for its freezer (milliseconds).
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "containerizer/process.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::containerizer {

struct IsolationOptions {
  std::string containerizers = "mesos";
  std::string isolation = "posix/cpu,posix/mem";
  std::string cgroupsRoot = "tepui";
  bool cgroupsEnableCfs = false;
  std::string workDir;                           // the agent's: filesystem/linux refuses one under /tmp, which it hides
  std::string mountsFile = "/proc/self/mounts";  // where cgroups are mounted (tests give another)
  Seconds diskWatchInterval{15.0};               // disk/du: --container_disk_watch_interval
  bool enforceDiskQuota = false;                 // --enforce_container_disk_quota
  Seconds portsWatchInterval{30.0};              // network/ports: --container_ports_watch_interval
  bool enforcePorts = false;                     // --enforce_container_ports
  // --check_agent_port_range_only: only ports in these (the agent's ports) are checked.
  std::vector<std::pair<uint64_t, uint64_t>> checkedPorts;
};

// What a container was given: its executor's resources and its live tasks'.
struct ContainerResources {
  double cpus = 0;
  uint64_t memBytes = 0;
  uint64_t diskBytes = 0;                 // sandbox disk (not persistent volumes)
  std::optional<double> cpuLimit;         // TaskInfo.limits "cpus" (infinite: none)
  std::optional<uint64_t> memLimitBytes;  // TaskInfo.limits "mem" (infinite: none)
  bool unlimitedCpu = false;              // a limit of infinity was asked for
  bool unlimitedMem = false;
  std::vector<std::pair<uint64_t, uint64_t>> ports;  // ranges, inclusive

  // Adds `resources` (and TaskInfo/ExecutorInfo.limits) to these.
  void add(const google::protobuf::RepeatedPtrField<v1::Resource>& resources,
           const google::protobuf::Map<std::string, v1::Value::Scalar>* limits = nullptr);
};

// Why a container was stopped: REASON_CONTAINER_LIMITATION_MEMORY (or
// _DISK, or REASON_CONTAINER_LIMITATION) and a message saying what it was
// given and what it used; `resource` names the resource ("mem", "disk").
struct Limitation {
  v1::TaskStatus::Reason reason;
  std::string message;
  std::string resource;
};

// A container the agent re-attached to after a restart.
struct LiveContainer {
  ContainerResources resources;
  std::string sandbox;
};

class Containerizer {
 public:
  virtual ~Containerizer() = default;

  // An error names the flag value that is wrong or what the machine lacks.
  static Result<std::unique_ptr<Containerizer>> create(boost::asio::io_context& io, const IsolationOptions& options);

  // "posix" or "linux: cgroups v1 (cpu,cpuacct,freezer,memory), namespaces/pid", for the log.
  virtual std::string describe() const = 0;
  // Starts `spec` (the executor) as the container's first process; `sandbox`
  // is its sandbox, the executor's working directory.
  virtual Result<pid_t> launch(const std::string& containerId, const std::string& sandbox,
                               const ContainerResources& resources, SpawnSpec spec) = 0;
  // The container's tasks changed: its limits follow.
  virtual Status update(const std::string& containerId, const ContainerResources& resources) = 0;
  // SIGKILL to every process of the container; `pid` is its first.
  virtual void kill(const std::string& containerId, pid_t pid) = 0;
  // The limit the container ran into, if it did (checked now).
  virtual std::optional<Limitation> limitation(const std::string& containerId) = 0;
  // Its first process has ended: kills what is left, releases what it held.
  virtual void destroy(const std::string& containerId, pid_t pid) = 0;
  virtual Result<v1::ResourceStatistics> usage(const std::string& containerId, pid_t pid) = 0;
  // After a restart of the agent: `alive` are the containers it re-attached
  // to; every other container is destroyed.
  virtual void recover(const std::map<std::string, LiveContainer>& alive) = 0;
  // Limits found between calls (disk over quota, a port not given) are
  // reported here, on the loop; the agent then kills the container.
  virtual void onLimitation(std::function<void(const std::string& containerId, const Limitation&)> handler) = 0;
};

// The isolators of an --isolation value, checked: an unknown one is an error.
Result<std::vector<std::string>> parseIsolation(const std::string& isolation);

// ContainerInfo.rlimit_info as limits for the executor (posix/rlimits): a
// limit with neither soft nor hard is unlimited; one with only one of them,
// a soft above its hard, or an unknown type is an error saying so.
Result<std::vector<SpawnSpec::RLimit>> rlimitsOf(const v1::RLimitInfo& info);

}  // namespace tepui::containerizer
