// Telling one process from another that was later given the same pid: a
// pid and its process's start time together name one process for good.
// The agent keeps both for each executor it starts, and after a restart
// re-attaches only to the process that still matches them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace tepui::containerizer {

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks
// since boot. nullopt when there is no such process, or it has exited and
// is a zombie.
std::optional<uint64_t> processStartTime(pid_t pid);

// True when `pid` is alive and started at `startTime`.
bool sameProcess(pid_t pid, uint64_t startTime);

}  // namespace tepui::containerizer
