// The normal form of tepui::Resources and its arithmetic, which the allocator
// runs on its hot path: resource identities, canonical values, the
// constructors, +, -, contains and ==. See resources.hpp for the contract.
#include <algorithm>
#include <cmath>
#include <google/protobuf/util/message_differencer.h>
#include <utility>

#include "common/resources.hpp"
#include "common/resources_internal.hpp"

namespace tepui {
namespace {

using resources_detail::appendRanges;
using resources_detail::canonicalize;
using resources_detail::clampFixed;
using resources_detail::coalesce;
using resources_detail::fromFixed;
using resources_detail::Interval;
using resources_detail::toFixed;

// ---------------------------------------------------------------------------
// Identity: everything but the quantity.

bool labelsEqual(const v1::Labels& a, const v1::Labels& b) {
  if (a.labels_size() != b.labels_size()) return false;
  for (int i = 0; i < a.labels_size(); ++i) {
    const v1::Label& x = a.labels(i);
    const v1::Label& y = b.labels(i);
    if (x.key() != y.key() || x.has_value() != y.has_value() || x.value() != y.value()) return false;
  }
  return true;
}

bool reservationEqual(const v1::Resource::ReservationInfo& a, const v1::Resource::ReservationInfo& b) {
  return a.type() == b.type() && a.role() == b.role() && a.has_principal() == b.has_principal() &&
         a.principal() == b.principal() && a.has_labels() == b.has_labels() &&
         (!a.has_labels() || labelsEqual(a.labels(), b.labels()));
}

// The common case on the allocator's path: nothing but a name and a value.
bool isPlain(const v1::Resource& r) {
  return r.reservations_size() == 0 && !r.has_allocation_info() && !r.has_disk() && !r.has_revocable() &&
         !r.has_shared() && !r.has_provider_id();
}

// Field-by-field rather than serialising a value-less copy: this runs for
// every pair of entries compared, and allocating there would dominate.
bool sameIdentity(const v1::Resource& a, const v1::Resource& b) {
  if (a.type() != b.type() || a.name() != b.name()) return false;
  const bool aPlain = isPlain(a);
  const bool bPlain = isPlain(b);
  if (aPlain || bPlain) return aPlain && bPlain;

  if (a.reservations_size() != b.reservations_size()) return false;
  for (int i = 0; i < a.reservations_size(); ++i) {
    if (!reservationEqual(a.reservations(i), b.reservations(i))) return false;
  }
  if (a.has_allocation_info() != b.has_allocation_info()) return false;
  if (a.has_allocation_info() && (a.allocation_info().has_role() != b.allocation_info().has_role() ||
                                  a.allocation_info().role() != b.allocation_info().role())) {
    return false;
  }
  if (a.has_revocable() != b.has_revocable() || a.has_shared() != b.has_shared()) return false;
  if (a.has_provider_id() != b.has_provider_id()) return false;
  if (a.has_provider_id() && a.provider_id().value() != b.provider_id().value()) return false;
  if (a.has_disk() != b.has_disk()) return false;
  // Disk info is rare and deep (persistence, volume, source): reflection is fine.
  if (a.has_disk() && !google::protobuf::util::MessageDifferencer::Equals(a.disk(), b.disk())) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Values. Entries of a Resources always hold exactly the value field their
// type names, in canonical form: a rounded positive scalar; sorted,
// coalesced ranges; sorted, unique, non-empty set items.

// Reused buffer for range arithmetic so that the hot path does not allocate.
// Only leaf functions use it (none calls another that does).
std::vector<Interval>& rangeScratch() {
  thread_local std::vector<Interval> scratch;
  scratch.clear();
  return scratch;
}

// Overwrites `out` reusing its existing Range objects.
void writeRanges(const std::vector<Interval>& intervals, v1::Value::Ranges* out) {
  auto* field = out->mutable_range();
  const int wanted = static_cast<int>(intervals.size());
  while (field->size() > wanted) field->RemoveLast();
  for (int i = 0; i < wanted; ++i) {
    v1::Value::Range* range = i < field->size() ? field->Mutable(i) : field->Add();
    range->set_begin(intervals[i].first);
    range->set_end(intervals[i].second);
  }
}

void normalizeSet(v1::Value::Set* set) {
  auto* items = set->mutable_item();
  std::sort(items->begin(), items->end());
  items->erase(std::unique(items->begin(), items->end()), items->end());
  // Empty strings sort first; at most one is left after unique().
  if (!items->empty() && items->Get(0).empty()) items->erase(items->begin());
}

}  // namespace

namespace resources_detail {

void appendRanges(const v1::Value::Ranges& ranges, std::vector<Interval>* out) {
  for (const auto& range : ranges.range()) {
    if (range.begin() <= range.end()) out->emplace_back(range.begin(), range.end());
  }
}

void coalesce(std::vector<Interval>* intervals) {
  auto& v = *intervals;
  if (v.size() < 2) return;
  std::sort(v.begin(), v.end());
  size_t last = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    // `end == max` is tested first so that `end + 1` cannot wrap.
    if (v[last].second == UINT64_MAX || v[i].first <= v[last].second + 1) {
      v[last].second = std::max(v[last].second, v[i].second);
    } else {
      v[++last] = v[i];
    }
  }
  v.resize(last + 1);
}

bool canonicalize(v1::Resource* r) {
  if (r->name().empty()) return false;
  switch (r->type()) {
    case v1::Value::SCALAR: {
      r->clear_ranges();
      r->clear_set();
      if (!r->has_scalar() || !std::isfinite(r->scalar().value())) return false;
      const int64_t fixed = toFixed(r->scalar().value());
      if (fixed <= 0) return false;
      r->mutable_scalar()->set_value(fromFixed(fixed));
      return true;
    }
    case v1::Value::RANGES: {
      r->clear_scalar();
      r->clear_set();
      auto& scratch = rangeScratch();
      appendRanges(r->ranges(), &scratch);
      coalesce(&scratch);
      if (scratch.empty()) return false;
      writeRanges(scratch, r->mutable_ranges());
      return true;
    }
    case v1::Value::SET:
      r->clear_scalar();
      r->clear_ranges();
      normalizeSet(r->mutable_set());
      return r->set().item_size() > 0;
    default:
      return false;
  }
}

}  // namespace resources_detail

namespace {

void addValue(v1::Resource* into, const v1::Resource& from) {
  switch (into->type()) {
    case v1::Value::SCALAR:
      into->mutable_scalar()->set_value(
          fromFixed(clampFixed(toFixed(into->scalar().value()) + toFixed(from.scalar().value()))));
      return;
    case v1::Value::RANGES: {
      auto& scratch = rangeScratch();
      appendRanges(into->ranges(), &scratch);
      appendRanges(from.ranges(), &scratch);
      coalesce(&scratch);
      writeRanges(scratch, into->mutable_ranges());
      return;
    }
    case v1::Value::SET: {
      auto* items = into->mutable_set()->mutable_item();
      const int before = items->size();
      for (const auto& item : from.set().item()) {
        if (!std::binary_search(items->begin(), items->begin() + before, item)) *items->Add() = item;
      }
      if (items->size() != before) std::sort(items->begin(), items->end());
      return;
    }
    default:
      return;
  }
}

// Removes `from`'s quantity from `into`, saturating; false when nothing is left.
bool subtractValue(v1::Resource* into, const v1::Resource& from) {
  switch (into->type()) {
    case v1::Value::SCALAR: {
      const int64_t left = toFixed(into->scalar().value()) - toFixed(from.scalar().value());
      if (left <= 0) return false;
      into->mutable_scalar()->set_value(fromFixed(left));
      return true;
    }
    case v1::Value::RANGES: {
      // Both lists are sorted and coalesced, so one sweep suffices; a removed
      // middle part splits a range in two.
      const auto& a = into->ranges().range();
      const auto& b = from.ranges().range();
      auto& out = rangeScratch();
      int j = 0;
      for (const auto& x : a) {
        uint64_t begin = x.begin();
        const uint64_t end = x.end();
        while (j < b.size() && b[j].end() < begin) ++j;
        bool remains = true;
        for (int k = j; k < b.size() && b[k].begin() <= end; ++k) {
          if (b[k].begin() > begin) out.emplace_back(begin, b[k].begin() - 1);
          if (b[k].end() >= end) {
            remains = false;
            break;
          }
          begin = b[k].end() + 1;
        }
        if (remains) out.emplace_back(begin, end);
      }
      if (out.empty()) return false;
      writeRanges(out, into->mutable_ranges());
      return true;
    }
    case v1::Value::SET: {
      auto* items = into->mutable_set()->mutable_item();
      const auto& remove = from.set().item();
      items->erase(std::remove_if(items->begin(), items->end(),
                                  [&](const std::string& item) {
                                    return std::binary_search(remove.begin(), remove.end(), item);
                                  }),
                   items->end());
      return !items->empty();
    }
    default:
      return false;
  }
}

bool containsValue(const v1::Resource& a, const v1::Resource& b) {
  switch (a.type()) {
    case v1::Value::SCALAR:
      return toFixed(b.scalar().value()) <= toFixed(a.scalar().value());
    case v1::Value::RANGES: {
      // Coalesced, so each range of b must fit inside a single range of a.
      const auto& x = a.ranges().range();
      int i = 0;
      for (const auto& y : b.ranges().range()) {
        while (i < x.size() && x[i].end() < y.begin()) ++i;
        if (i == x.size() || x[i].begin() > y.begin() || x[i].end() < y.end()) return false;
      }
      return true;
    }
    case v1::Value::SET:
      return std::includes(a.set().item().begin(), a.set().item().end(), b.set().item().begin(),
                           b.set().item().end());
    default:
      return false;
  }
}

bool valueEqual(const v1::Resource& a, const v1::Resource& b) {
  switch (a.type()) {
    case v1::Value::SCALAR:
      return toFixed(a.scalar().value()) == toFixed(b.scalar().value());
    case v1::Value::RANGES: {
      const auto& x = a.ranges().range();
      const auto& y = b.ranges().range();
      if (x.size() != y.size()) return false;
      for (int i = 0; i < x.size(); ++i) {
        if (x[i].begin() != y[i].begin() || x[i].end() != y[i].end()) return false;
      }
      return true;
    }
    case v1::Value::SET:
      return std::equal(a.set().item().begin(), a.set().item().end(), b.set().item().begin(),
                        b.set().item().end());
    default:
      return false;
  }
}

}  // namespace

Resources::Resources(const google::protobuf::RepeatedPtrField<v1::Resource>& resources) {
  items_.reserve(static_cast<size_t>(resources.size()));
  for (const auto& resource : resources) {
    v1::Resource r = normalize(resource);
    if (canonicalize(&r)) add(std::move(r));
  }
}

Resources::Resources(const std::vector<v1::Resource>& resources) {
  items_.reserve(resources.size());
  for (const auto& resource : resources) {
    v1::Resource r = normalize(resource);
    if (canonicalize(&r)) add(std::move(r));
  }
}

Resources Resources::scalars(const std::map<std::string, double>& amounts) {
  std::vector<v1::Resource> out;
  for (const auto& [name, value] : amounts) {
    v1::Resource& r = out.emplace_back();
    r.set_name(name);
    r.set_type(v1::Value::SCALAR);
    r.mutable_scalar()->set_value(value);
  }
  return Resources(out);
}

void Resources::add(const v1::Resource& resource) {
  for (auto& item : items_) {
    if (sameIdentity(item, resource)) {
      addValue(&item, resource);
      return;
    }
  }
  items_.push_back(resource);
}

void Resources::add(v1::Resource&& resource) {
  for (auto& item : items_) {
    if (sameIdentity(item, resource)) {
      addValue(&item, resource);
      return;
    }
  }
  items_.push_back(std::move(resource));
}

void Resources::subtract(const v1::Resource& resource) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (sameIdentity(*it, resource)) {
      // erase() rather than swap-with-last keeps the order stable, which
      // keeps toString() predictable; entries are few.
      if (!subtractValue(&*it, resource)) items_.erase(it);
      return;
    }
  }
}

bool Resources::contains(const Resources& other) const {
  for (const auto& wanted : other.items_) {
    bool found = false;
    for (const auto& item : items_) {
      if (sameIdentity(item, wanted)) {
        if (!containsValue(item, wanted)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

Resources& Resources::operator+=(const Resources& other) {
  if (&other == this) {
    const Resources copy = other;
    return *this += copy;
  }
  for (const auto& item : other.items_) add(item);
  return *this;
}

Resources& Resources::operator-=(const Resources& other) {
  if (&other == this) {
    items_.clear();
    return *this;
  }
  for (const auto& item : other.items_) {
    if (items_.empty()) break;
    subtract(item);
  }
  return *this;
}

Resources Resources::operator+(const Resources& other) const {
  Resources result = *this;
  result += other;
  return result;
}

Resources Resources::operator-(const Resources& other) const {
  Resources result = *this;
  result -= other;
  return result;
}

bool Resources::operator==(const Resources& other) const {
  // Identities are unique within a normal form, so equal sizes plus a
  // matching equal entry for each of other's entries means equal sets.
  if (items_.size() != other.items_.size()) return false;
  for (const auto& theirs : other.items_) {
    bool found = false;
    for (const auto& ours : items_) {
      if (sameIdentity(ours, theirs)) {
        if (!valueEqual(ours, theirs)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace tepui
