// What the v1 and v2 cgroups implementations share: reading and writing
// cgroupfs files, and the two implementations' constructors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "containerizer/cgroups.hpp"

namespace tepui::containerizer::cgroupfs {

Result<std::string> read(const std::string& path);
Status write(const std::string& path, const std::string& value);
// "key value" lines (memory.stat, cpu.stat, memory.events, ...): the value
// of `key`, 0 when absent.
uint64_t field(const std::string& text, const std::string& key);
// The numbers in cgroup.procs or tasks, one per line.
std::vector<pid_t> pids(const std::string& path);
uint64_t countLines(const std::string& path);
// The number a one-value file holds (memory.usage_in_bytes, ...); 0 if unreadable.
uint64_t number(const std::string& path);

// The CFS period (100 ms, as Mesos) and the quota for a number of cpus
// within it (at least 1 ms, the kernel's minimum).
constexpr uint64_t kCfsPeriodMicros = 100000;
uint64_t cfsQuotaMicros(double cpus);
Result<UniqueFd> openForJoin(const std::string& dir);
// mkdir -p, tolerating directories that are there already.
Status makeDirs(const std::string& path);
// rmdir; ENOENT is success.
Status removeDir(const std::string& path);
// The subdirectories of `dir` (the containers under a root).
std::set<std::string> subdirectories(const std::string& dir);
// SIGKILL to each pid, ignoring the ones already gone.
void killAll(const std::vector<pid_t>& pids);

}  // namespace tepui::containerizer::cgroupfs

namespace tepui::containerizer {

// controller mount points: "freezer", "cpu", "cpuacct", "memory" as needed.
std::unique_ptr<Cgroups> makeCgroupsV1(std::map<std::string, std::string> mounts, std::set<Controller> controllers,
                                       std::string root);
std::unique_ptr<Cgroups> makeCgroupsV2(std::string mount, std::set<Controller> controllers, std::string root);

}  // namespace tepui::containerizer
