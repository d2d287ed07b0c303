// What the network/ports isolator checks: the TCP ports a container's
// processes listen on, found the way `ss -lntp` finds them (listening
// sockets in /proc/net/tcp and tcp6 by inode, matched with the processes'
// open descriptors), and which of them the container was not given.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace tepui::containerizer {

using PortRanges = std::vector<std::pair<uint64_t, uint64_t>>;  // inclusive

// Listening TCP sockets (IPv4 and IPv6): inode -> local port.
std::map<uint64_t, uint16_t> listeningSockets(const std::string& procNet = "/proc/net");

// The ports that `pids` listen on, among `sockets`.
std::set<uint16_t> listeningPorts(const std::vector<pid_t>& pids, const std::map<uint64_t, uint16_t>& sockets);

// The ports of `listening` outside `given`; with `checkedOnly` non-empty,
// only ports inside it are checked (--check_agent_port_range_only).
std::vector<uint16_t> unallocatedPorts(const std::set<uint16_t>& listening, const PortRanges& given,
                                       const PortRanges& checkedOnly);

// "31000-31002,31005" for a message.
std::string formatPorts(const std::vector<uint16_t>& ports);

}  // namespace tepui::containerizer
