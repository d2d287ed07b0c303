// Flat resources for the allocation loop; see flat_resources.hpp.
#include "allocator/flat_resources.hpp"

#include <algorithm>

namespace tepui::allocator {

namespace {

// Sorts and coalesces overlapping or adjacent ranges.
void coalesce(std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  std::sort(ranges.begin(), ranges.end());
  size_t out = 0;
  for (const auto& r : ranges) {
    if (out > 0 && (ranges[out - 1].second == UINT64_MAX || r.first <= ranges[out - 1].second + 1)) {
      ranges[out - 1].second = std::max(ranges[out - 1].second, r.second);
    } else {
      ranges[out++] = r;
    }
  }
  ranges.resize(out);
}

// Every range of `inner` lies inside one range of `outer` (both coalesced,
// so a range can't straddle two of outer's).
bool rangesSubset(const std::vector<std::pair<uint64_t, uint64_t>>& inner,
                  const std::vector<std::pair<uint64_t, uint64_t>>& outer) {
  size_t j = 0;
  for (const auto& r : inner) {
    while (j < outer.size() && outer[j].second < r.first) ++j;
    if (j == outer.size() || outer[j].first > r.first || outer[j].second < r.second) return false;
  }
  return true;
}

// Plain resources (the vast majority: unreserved, no disk info or markers)
// are identified by name and type alone, without copying and serializing
// the protobuf. The prefix byte keeps the two key spaces apart.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
bool isPlain(const v1::Resource& r) {
  return r.reservations_size() == 0 && !r.has_reservation() && !r.has_role() && !r.has_disk() && !r.has_revocable() &&
         !r.has_shared() && !r.has_provider_id() && r.unknown_fields().empty();
}
#pragma GCC diagnostic pop

}  // namespace

uint32_t ResourceKeys::intern(const v1::Resource& resource) {
  if (isPlain(resource)) {
    std::string key;
    key.reserve(resource.name().size() + 2);
    key.push_back('p');
    key.push_back(static_cast<char>('0' + resource.type()));
    key += resource.name();
    return ids_.try_emplace(std::move(key), static_cast<uint32_t>(ids_.size())).first->second;
  }
  v1::Resource identity = resource;
  identity.clear_scalar();
  identity.clear_ranges();
  identity.clear_set();
  identity.clear_allocation_info();
  std::string bytes = "s" + identity.SerializeAsString();
  auto it = ids_.try_emplace(std::move(bytes), static_cast<uint32_t>(ids_.size())).first;
  return it->second;
}

FlatResources::FlatResources(const Resources& resources, ResourceKeys& keys) {
  entries_.reserve(resources.size());
  for (const v1::Resource& r : resources) {
    Entry e;
    e.key = keys.intern(r);
    switch (r.type()) {
      case v1::Value::SCALAR:
        e.scalar = Quantities::toFixed(r.scalar().value());
        scalars_.add(r.name(), e.scalar);
        break;
      case v1::Value::RANGES:
        for (const auto& range : r.ranges().range()) e.ranges.emplace_back(range.begin(), range.end());
        coalesce(e.ranges);
        break;
      case v1::Value::SET:
        e.items.assign(r.set().item().begin(), r.set().item().end());
        std::sort(e.items.begin(), e.items.end());
        e.items.erase(std::unique(e.items.begin(), e.items.end()), e.items.end());
        break;
      default: continue;  // TEXT is not a resource quantity
    }
    entries_.push_back(std::move(e));
  }
  std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  // A Resources normally has one entry per kind already; merge defensively
  // (e.g. two allocation roles of the same kind) so lookups stay unique.
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (out > 0 && entries_[out - 1].key == entries_[i].key) {
      merge(entries_[out - 1], entries_[i]);
    } else if (out != i) {
      entries_[out++] = std::move(entries_[i]);
    } else {
      ++out;
    }
  }
  entries_.resize(out);
}

void FlatResources::merge(Entry& into, const Entry& from) {
  into.scalar += from.scalar;
  into.ranges.insert(into.ranges.end(), from.ranges.begin(), from.ranges.end());
  coalesce(into.ranges);
  into.items.insert(into.items.end(), from.items.begin(), from.items.end());
  std::sort(into.items.begin(), into.items.end());
  into.items.erase(std::unique(into.items.begin(), into.items.end()), into.items.end());
}

bool FlatResources::isSubsetOf(const FlatResources& other) const {
  size_t j = 0;
  for (const Entry& e : entries_) {
    while (j < other.entries_.size() && other.entries_[j].key < e.key) ++j;
    if (j == other.entries_.size() || other.entries_[j].key != e.key) return false;
    const Entry& o = other.entries_[j];
    if (e.scalar > o.scalar) return false;
    if (!e.ranges.empty() && !rangesSubset(e.ranges, o.ranges)) return false;
    if (!e.items.empty() && !std::includes(o.items.begin(), o.items.end(), e.items.begin(), e.items.end())) {
      return false;
    }
  }
  return true;
}

}  // namespace tepui::allocator
