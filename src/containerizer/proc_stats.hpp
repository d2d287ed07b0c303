// Processes' usage read from /proc, for containers without cgroups to ask
// (the POSIX containerizer, as Mesos's posix/cpu and posix/mem isolators).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace tepui::containerizer {

struct ProcUsage {
  double userSeconds = 0;
  double systemSeconds = 0;
  uint64_t rssBytes = 0;
  uint32_t processes = 0;
  uint32_t threads = 0;
};

// The sum over `pids` (ones that are gone are skipped).
ProcUsage procUsage(const std::vector<pid_t>& pids);

// Every process whose session is `sid` (a process that called setsid()).
std::vector<pid_t> sessionProcesses(pid_t sid);

}  // namespace tepui::containerizer
