// /proc/<pid>/stat reading (proc_stats.hpp).
#include "containerizer/proc_stats.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tepui::containerizer {

namespace {

// The fields of /proc/<pid>/stat after the command name, which may hold
// spaces and parentheses: field 3 (state) is at index 0.
std::vector<std::string> statFields(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields;
  auto close = text.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// Index in statFields() of stat(5)'s field number n.
constexpr size_t at(size_t n) { return n - 3; }

uint64_t number(const std::vector<std::string>& fields, size_t n) {
  return fields.size() > at(n) ? std::strtoull(fields[at(n)].c_str(), nullptr, 10) : 0;
}

}  // namespace

ProcUsage procUsage(const std::vector<pid_t>& pids) {
  static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  ProcUsage u;
  for (pid_t pid : pids) {
    auto fields = statFields(pid);
    if (fields.size() <= at(24)) continue;
    u.userSeconds += static_cast<double>(number(fields, 14)) / ticks;
    u.systemSeconds += static_cast<double>(number(fields, 15)) / ticks;
    u.threads += static_cast<uint32_t>(number(fields, 20));
    u.rssBytes += number(fields, 24) * page;
    u.processes++;
  }
  return u;
}

std::vector<pid_t> sessionProcesses(pid_t sid) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10));
    auto fields = statFields(pid);
    if (fields.size() > at(6) && static_cast<pid_t>(number(fields, 6)) == sid) pids.push_back(pid);
  }
  return pids;
}

}  // namespace tepui::containerizer
