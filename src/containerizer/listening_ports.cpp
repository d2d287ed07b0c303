// Listening ports of processes, from /proc (listening_ports.hpp).
#include "containerizer/listening_ports.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tepui::containerizer {

namespace {

constexpr const char* kListen = "0A";  // TCP_LISTEN in /proc/net/tcp's "st" column

bool within(uint64_t port, const PortRanges& ranges) {
  for (auto& [begin, end] : ranges) {
    if (port >= begin && port <= end) return true;
  }
  return false;
}

}  // namespace

std::map<uint64_t, uint16_t> listeningSockets(const std::string& procNet) {
  std::map<uint64_t, uint16_t> sockets;
  for (const char* file : {"tcp", "tcp6"}) {
    std::ifstream in(procNet + "/" + file);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout;
      uint64_t inode = 0;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode)) {
        continue;
      }
      auto colon = local.rfind(':');
      if (state != kListen || colon == std::string::npos || inode == 0) continue;
      sockets[inode] = static_cast<uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16));
    }
  }
  return sockets;
}

std::set<uint16_t> listeningPorts(const std::vector<pid_t>& pids, const std::map<uint64_t, uint16_t>& sockets) {
  std::set<uint16_t> ports;
  for (pid_t pid : pids) {
    std::error_code ec;
    std::string fdDir = "/proc/" + std::to_string(pid) + "/fd";
    for (std::filesystem::directory_iterator it(fdDir, ec), end; !ec && it != end; it.increment(ec)) {
      char target[64];
      ssize_t n = ::readlink(it->path().c_str(), target, sizeof target - 1);
      if (n <= 0) continue;
      target[n] = '\0';
      uint64_t inode = 0;
      if (std::sscanf(target, "socket:[%lu]", &inode) != 1) continue;
      if (auto s = sockets.find(inode); s != sockets.end()) ports.insert(s->second);
    }
  }
  return ports;
}

std::vector<uint16_t> unallocatedPorts(const std::set<uint16_t>& listening, const PortRanges& given,
                                       const PortRanges& checkedOnly) {
  std::vector<uint16_t> outside;
  for (uint16_t port : listening) {
    if (!checkedOnly.empty() && !within(port, checkedOnly)) continue;
    if (!within(port, given)) outside.push_back(port);
  }
  return outside;
}

std::string formatPorts(const std::vector<uint16_t>& ports) {
  std::string text;
  for (size_t i = 0; i < ports.size();) {
    size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    text += (text.empty() ? "" : ",") + std::to_string(ports[i]);
    if (j > i) text += "-" + std::to_string(ports[j]);
    i = j + 1;
  }
  return text;
}

}  // namespace tepui::containerizer
