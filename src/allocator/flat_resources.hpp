// A flat, fixed-point copy of a Resources value, made for the allocation
// loop: "is this offer a subset of what was refused?" and "is it at least
// min_allocatable?" are asked millions of times per cycle, and answering them
// on protobufs would cost a microsecond each.
//
// ResourceKeys interns a resource's identity (the protobuf with quantity and
// allocation cleared: name, type, reservations, disk, revocable, shared,
// provider) as a small integer, so that comparing two resources' kinds is an
// integer compare. A FlatResources is then a vector of entries sorted by key,
// each with the scalar (thousandths), ranges or set of that kind.
//
// Contract: FlatResources built from the same ResourceKeys are comparable;
// keys are never forgotten (there are as many as distinct resource kinds in
// the cluster, which is small). Shared resources are treated as mergeable, as
// Resources does.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "allocator/quantities.hpp"
#include "common/resources.hpp"

namespace tepui::allocator {

class ResourceKeys {
 public:
  uint32_t intern(const v1::Resource& resource);
  size_t size() const { return ids_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
};

class FlatResources {
 public:
  FlatResources() = default;
  FlatResources(const Resources& resources, ResourceKeys& keys);

  bool empty() const { return entries_.empty(); }

  // True when every entry here is covered by `other`: scalars <=, ranges and
  // sets are subsets; an empty value is a subset of anything.
  bool isSubsetOf(const FlatResources& other) const;

  // Scalars summed by name (for min_allocatable and DRF shares); taken
  // without a copy from a value about to go.
  const Quantities& scalars() const& { return scalars_; }
  Quantities scalars() && { return std::move(scalars_); }

  bool operator==(const FlatResources& other) const = default;

 private:
  struct Entry {
    uint32_t key = 0;
    int64_t scalar = 0;                                 // thousandths
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // sorted, coalesced
    std::vector<std::string> items;                     // sorted, unique
    bool operator==(const Entry& other) const = default;
  };

  static void merge(Entry& into, const Entry& from);

  std::vector<Entry> entries_;  // sorted by key, one per key
  Quantities scalars_;
};

}  // namespace tepui::allocator
