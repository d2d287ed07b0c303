// Process start times from /proc (see process_start_time.hpp).
#include "containerizer/process_start_time.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace tepui::containerizer {

std::optional<uint64_t> processStartTime(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  // The command (field 2) is in parentheses and may hold anything, spaces
  // and ')' included: the fields after it start past the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  fields >> field;  // field 3, the state
  if (field == "Z" || field == "X") return std::nullopt;
  for (int i = 4; i < 22; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  uint64_t start = 0;
  if (!(fields >> start)) return std::nullopt;
  return start;
}

bool sameProcess(pid_t pid, uint64_t startTime) {
  auto start = processStartTime(pid);
  return start && *start == startTime;
}

}  // namespace tepui::containerizer
