// system/* metrics from /proc.
#include "common/system_metrics.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace tepui::metrics {

namespace {
std::string readFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

std::optional<LoadAverage> parseLoadAverage(const std::string& text) {
  std::istringstream in(text);
  LoadAverage load;
  if (!(in >> load.one >> load.five >> load.fifteen)) return std::nullopt;
  return load;
}

std::optional<Memory> parseMemory(const std::string& text) {
  // Lines such as "MemTotal:       16315880 kB".
  std::optional<double> total, available, free;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, unit;
    double value = 0;
    if (!(fields >> name >> value)) continue;
    fields >> unit;
    double bytes = unit == "kB" ? value * 1024 : value;
    if (name == "MemTotal:") total = bytes;
    if (name == "MemAvailable:") available = bytes;
    if (name == "MemFree:") free = bytes;
  }
  if (!total || !(available || free)) return std::nullopt;
  return Memory{*total, available ? *available : *free};
}

void addSystemMetrics(Snapshot& snapshot) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpus > 0) snapshot.gauge("system/cpus_total", static_cast<double>(cpus));
  if (auto load = parseLoadAverage(readFile("/proc/loadavg"))) {
    snapshot.gauge("system/load_1min", load->one);
    snapshot.gauge("system/load_5min", load->five);
    snapshot.gauge("system/load_15min", load->fifteen);
  }
  if (auto memory = parseMemory(readFile("/proc/meminfo"))) {
    snapshot.gauge("system/mem_total_bytes", memory->totalBytes);
    snapshot.gauge("system/mem_free_bytes", memory->freeBytes);
  }
}

}  // namespace tepui::metrics
