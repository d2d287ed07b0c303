// cgroupfs file access shared by the v1 and v2 cgroups (cgroups_internal.hpp).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "containerizer/cgroups_internal.hpp"

namespace tepui::containerizer::cgroupfs {

namespace fs = std::filesystem;

Result<std::string> read(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Error("cannot read '" + path + "': " + std::strerror(errno));
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error("cannot read '" + path + "': " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

Status write(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (fd.get() < 0 || ::write(fd.get(), value.data(), value.size()) < 0) {
    return Error("cannot write '" + value + "' to '" + path + "': " + std::strerror(errno));
  }
  return okStatus();
}

uint64_t field(const std::string& text, const std::string& key) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, key.size(), key) == 0 && at + key.size() < end && text[at + key.size()] == ' ') {
      return std::strtoull(text.c_str() + at + key.size() + 1, nullptr, 10);
    }
    at = end + 1;
  }
  return 0;
}

std::vector<pid_t> pids(const std::string& path) {
  std::vector<pid_t> result;
  auto text = read(path);
  if (!text) return result;
  std::istringstream in(*text);
  for (pid_t pid; in >> pid;) result.push_back(pid);
  return result;
}

uint64_t countLines(const std::string& path) {
  auto text = read(path);
  if (!text) return 0;
  uint64_t lines = 0;
  for (char c : *text) lines += c == '\n';
  return lines;
}

uint64_t number(const std::string& path) {
  auto text = read(path);
  return text ? std::strtoull(text->c_str(), nullptr, 10) : 0;
}

uint64_t cfsQuotaMicros(double cpus) {
  return std::max<uint64_t>(1000, static_cast<uint64_t>(cpus * static_cast<double>(kCfsPeriodMicros)));
}

Result<UniqueFd> openForJoin(const std::string& dir) {
  std::string path = dir + "/cgroup.procs";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) return Error("cannot open '" + path + "': " + std::strerror(errno));
  return fd;
}

Status makeDirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Error("cannot create cgroup '" + path + "': " + ec.message());
  return okStatus();
}

Status removeDir(const std::string& path) {
  if (::rmdir(path.c_str()) < 0 && errno != ENOENT) {
    return Error("cannot remove cgroup '" + path + "': " + std::strerror(errno));
  }
  return okStatus();
}

std::set<std::string> subdirectories(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) names.insert(it->path().filename().string());
  }
  return names;
}

void killAll(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) {
    if (pid > 0) ::kill(pid, SIGKILL);
  }
}

}  // namespace tepui::containerizer::cgroupfs
