// Scalar resource quantities by name ("cpus" -> 2.5), in fixed point.
//
// The allocator adds and removes the same quantities many times (offer,
// decline, offer again). Doubles would drift; thousandths stored as int64
// (the precision Resources rounds scalars to) make "add then remove" return
// exactly to zero, so shares and emptiness checks stay exact. Entries are
// kept sorted by name and strictly positive; there are only a handful of
// names in a cluster, so a sorted vector beats a map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/resources.hpp"

namespace tepui::allocator {

class Quantities {
 public:
  using Entry = std::pair<std::string, int64_t>;  // name, thousandths

  static int64_t toFixed(double value);
  static double toDouble(int64_t fixed) { return static_cast<double>(fixed) / 1000.0; }

  // Every scalar of `resources`, summed by name over reservations and
  // allocations.
  static Quantities of(const Resources& resources);
  // Only the scalars not reserved to any role; only the non-revocable ones
  // (quota consumption and headroom).
  static Quantities ofUnreserved(const Resources& resources);
  static Quantities ofNonRevocable(const Resources& resources);

  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }
  int64_t get(std::string_view name) const;  // 0 when absent

  void add(std::string_view name, int64_t fixed);
  void subtract(std::string_view name, int64_t fixed);  // saturates at zero
  Quantities& operator+=(const Quantities& other);
  Quantities& operator-=(const Quantities& other);  // saturates at zero
  bool operator==(const Quantities& other) const = default;

  std::map<std::string, double> toMap() const;

 private:
  std::vector<Entry> entries_;
};

}  // namespace tepui::allocator
