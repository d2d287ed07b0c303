// The system/* metrics both daemons report, read from /proc as Mesos reads
// them: system/cpus_total (online CPUs), system/load_1min, _5min, _15min
// (/proc/loadavg), system/mem_total_bytes and system/mem_free_bytes
// (/proc/meminfo's MemTotal and MemAvailable, or MemFree on kernels without
// MemAvailable). A file that cannot be read or parsed leaves its keys out
// rather than reporting made-up values.
#pragma once

#include <optional>
#include <string>

#include "common/metrics.hpp"

namespace tepui::metrics {

struct LoadAverage {
  double one = 0, five = 0, fifteen = 0;
};
struct Memory {
  double totalBytes = 0, freeBytes = 0;
};

// Parsers of the files' text (pure, for tests).
std::optional<LoadAverage> parseLoadAverage(const std::string& procLoadavg);
std::optional<Memory> parseMemory(const std::string& procMeminfo);

void addSystemMetrics(Snapshot& snapshot);

}  // namespace tepui::metrics
