// Holdings: what frameworks hold on one agent, by (framework key, role),
// as Resources with allocation_info cleared.
//
// An agent has a handful of holders, and each offer adds one and each
// decline takes it away again: a small vector sorted by (framework, role)
// does that without a tree node per holding (or per framework), and without
// any allocation once its capacity is there. Iteration is in (framework,
// role) order. Entries are never empty once the caller is done with them
// (it erases what it empties).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/resources.hpp"

namespace tepui::allocator {

class Holdings {
 public:
  struct Entry {
    uint32_t framework = 0;
    std::string role;
    Resources resources;
  };

  // Null when the framework holds nothing under the role here.
  Resources* find(uint32_t framework, const std::string& role);
  // The entry, inserted empty when absent.
  Resources& get(uint32_t framework, const std::string& role);
  void erase(uint32_t framework, const std::string& role);
  bool holds(uint32_t framework) const;
  // The roles the framework holds something under here, sorted.
  std::vector<std::string> roles(uint32_t framework) const;

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry>::iterator lowerBound(uint32_t framework, const std::string& role);
  std::vector<Entry>::const_iterator firstOf(uint32_t framework) const;

  std::vector<Entry> entries_;
};

}  // namespace tepui::allocator
