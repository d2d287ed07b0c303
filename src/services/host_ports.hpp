// Choosing a task's host ports among the free ports of an offer (a part of
// offer_match.hpp, apart so it can be read and tested on its own).
//
// With requirePorts, each non-zero requested port is taken literally and
// must be free; every other request gets a port drawn uniformly at random
// from the free ports not chosen yet, so the ports of one task are
// distinct and instances sharing an agent do not all start at the lowest.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "services/offer_match.hpp"

namespace tepui::services {

// A free range of ports [begin, end] and the resource it belongs to.
struct PortSource {
  uint64_t begin = 0;
  uint64_t end = 0;
  size_t resource = 0;
};

struct ChosenPort {
  uint64_t port = 0;
  size_t resource = 0;
};

// One port per request, in order; nothing when they cannot all be had.
std::optional<std::vector<ChosenPort>> chooseHostPorts(std::vector<PortSource> free,
                                                       const std::vector<PortRequest>& requests, bool requirePorts,
                                                       std::mt19937_64& random);

}  // namespace tepui::services
