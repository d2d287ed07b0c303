// Private to src/common: what the files implementing tepui::Resources share
// (resources.hpp is the contract). One concern per file:
//   resources_algebra.cpp   normal form (identities, canonical values), the
//                           constructors, +, -, contains, ==
//   resources_parse.cpp     parse(): Mesos's text form and JSON arrays
//   resources_validate.cpp  validate(), normalize() and role names
//   resources_query.cpp     scalar and port queries, filters, toString, copyTo
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tepui/v1/mesos.pb.h"

namespace tepui::resources_detail {

using Interval = std::pair<uint64_t, uint64_t>;

// Fixed point. Mesos does scalar arithmetic on llround(value * 1000) so that
// repeated adds and subtracts of e.g. 0.1 cpus return exactly to where they
// started; we do the same. The bound keeps the sum of two bounded values
// inside int64 (no overflow checks needed), at ~4e15 units, far above any
// real quantity.
inline constexpr int64_t kFixedLimit = 4'000'000'000'000'000'000;

inline int64_t toFixed(double value) {
  double scaled = value * 1000.0;
  if (std::isnan(scaled)) return 0;
  if (scaled >= static_cast<double>(kFixedLimit)) return kFixedLimit;
  if (scaled <= -static_cast<double>(kFixedLimit)) return -kFixedLimit;
  return std::llround(scaled);
}

inline double fromFixed(int64_t fixed) { return static_cast<double>(fixed) / 1000.0; }

inline int64_t clampFixed(int64_t fixed) { return std::clamp(fixed, -kFixedLimit, kFixedLimit); }

// Appends the ranges with begin <= end (others are ignored) to `out`.
void appendRanges(const v1::Value::Ranges& ranges, std::vector<Interval>* out);

// Sorts and merges overlapping and adjacent intervals ([1-3] + [4-5] = [1-5]).
void coalesce(std::vector<Interval>* intervals);

// Puts the value of a normalize()d resource in canonical form; false when it
// is empty (or unusable: no name, TEXT, non-finite) and must be dropped.
bool canonicalize(v1::Resource* r);

// Why `role` is not a valid role name, or nullopt when it is ("*" is).
std::optional<std::string> roleError(std::string_view role);

}  // namespace tepui::resources_detail
