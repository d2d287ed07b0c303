// Holdings of one agent; see holdings.hpp.
#include "allocator/holdings.hpp"

#include <algorithm>

namespace tepui::allocator {

std::vector<Holdings::Entry>::iterator Holdings::lowerBound(uint32_t framework, const std::string& role) {
  return std::lower_bound(entries_.begin(), entries_.end(), framework, [&](const Entry& e, uint32_t f) {
    return e.framework != f ? e.framework < f : e.role < role;
  });
}

std::vector<Holdings::Entry>::const_iterator Holdings::firstOf(uint32_t framework) const {
  return std::lower_bound(entries_.begin(), entries_.end(), framework,
                          [](const Entry& e, uint32_t f) { return e.framework < f; });
}

Resources* Holdings::find(uint32_t framework, const std::string& role) {
  auto it = lowerBound(framework, role);
  return it != entries_.end() && it->framework == framework && it->role == role ? &it->resources : nullptr;
}

Resources& Holdings::get(uint32_t framework, const std::string& role) {
  auto it = lowerBound(framework, role);
  if (it == entries_.end() || it->framework != framework || it->role != role) {
    it = entries_.insert(it, Entry{framework, role, Resources()});
  }
  return it->resources;
}

void Holdings::erase(uint32_t framework, const std::string& role) {
  auto it = lowerBound(framework, role);
  if (it != entries_.end() && it->framework == framework && it->role == role) entries_.erase(it);
}

bool Holdings::holds(uint32_t framework) const {
  auto it = firstOf(framework);
  return it != entries_.end() && it->framework == framework;
}

std::vector<std::string> Holdings::roles(uint32_t framework) const {
  std::vector<std::string> out;
  for (auto it = firstOf(framework); it != entries_.end() && it->framework == framework; ++it) out.push_back(it->role);
  return out;
}

}  // namespace tepui::allocator
