// KeyLog: the set of small integer keys (agents) where something is held,
// kept for a rare "visit all of them" (removing a framework) while the
// frequent "starts holding here" and "stops holding here" cost no
// allocation or hash lookup.
//
// Contract: the owner counts, per key, whether it holds there, and calls
// added(key) when that goes from no to yes and removed() when it goes from
// yes to no. The log then holds every key held, plus stale or repeated ones
// (keys no longer held, or held again) until it is compacted: whenever it
// has grown to four times the number held (plus a little), `holds` (the
// owner's answer for a key) filters it and repeats go. keys() returns every key held exactly once,
// after the same filtering. Amortised O(1) per call (the filtering sorts the
// log once per such growth).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tepui::allocator {

class KeyLog {
 public:
  template <typename Holds>
  void added(uint32_t key, Holds holds) {
    ++held_;
    log_.push_back(key);
    if (log_.size() > 4 * held_ + 64) compact(holds);
  }
  void removed() { --held_; }

  bool empty() const { return held_ == 0; }
  size_t size() const { return held_; }

  template <typename Holds>
  const std::vector<uint32_t>& keys(Holds holds) {
    compact(holds);
    return log_;
  }

 private:
  template <typename Holds>
  void compact(Holds holds) {
    std::vector<uint32_t> kept;
    kept.reserve(held_);
    sortUnique();
    for (uint32_t key : log_) {
      if (holds(key)) kept.push_back(key);
    }
    log_ = std::move(kept);
  }
  void sortUnique();

  std::vector<uint32_t> log_;
  size_t held_ = 0;
};

}  // namespace tepui::allocator
