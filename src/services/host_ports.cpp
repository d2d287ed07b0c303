#include "services/host_ports.hpp"

namespace tepui::services {
namespace {

// Removes `port` from the free ranges; its resource if it was free.
std::optional<size_t> takePort(std::vector<PortSource>& free, uint64_t port) {
  for (size_t i = 0; i < free.size(); ++i) {
    PortSource range = free[i];
    if (port < range.begin || port > range.end) continue;
    free.erase(free.begin() + static_cast<std::ptrdiff_t>(i));
    if (range.begin < port) free.push_back({range.begin, port - 1, range.resource});
    if (port < range.end) free.push_back({port + 1, range.end, range.resource});
    return range.resource;
  }
  return std::nullopt;
}

// The `index`th free port, counting through the ranges in order.
uint64_t nthFreePort(const std::vector<PortSource>& free, uint64_t index) {
  for (const PortSource& range : free) {
    const uint64_t size = range.end - range.begin + 1;
    if (index < size) return range.begin + index;
    index -= size;
  }
  return 0;  // not reached: index < the number of free ports
}

}  // namespace

std::optional<std::vector<ChosenPort>> chooseHostPorts(std::vector<PortSource> free,
                                                       const std::vector<PortRequest>& requests, bool requirePorts,
                                                       std::mt19937_64& random) {
  std::vector<ChosenPort> chosen(requests.size());
  // Literal ports first, so that a random pick cannot take one of them.
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!requirePorts || requests[i].port == 0) continue;
    std::optional<size_t> resource = takePort(free, requests[i].port);
    if (!resource) return std::nullopt;
    chosen[i] = {requests[i].port, *resource};
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requirePorts && requests[i].port != 0) continue;
    uint64_t count = 0;
    for (const PortSource& range : free) count += range.end - range.begin + 1;
    if (count == 0) return std::nullopt;
    const uint64_t port = nthFreePort(free, std::uniform_int_distribution<uint64_t>(0, count - 1)(random));
    chosen[i] = {port, *takePort(free, port)};
  }
  return chosen;
}

}  // namespace tepui::services
