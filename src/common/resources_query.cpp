// Reading a tepui::Resources: scalar and port totals, the filters by
// reservation and allocation, and the text form (toString). See
// resources.hpp for the contract.
#include <algorithm>
#include <ostream>
#include <utility>

#include "common/attributes.hpp"
#include "common/resources.hpp"
#include "common/resources_internal.hpp"

namespace tepui {
namespace {

using resources_detail::appendRanges;
using resources_detail::clampFixed;
using resources_detail::coalesce;
using resources_detail::fromFixed;
using resources_detail::Interval;
using resources_detail::toFixed;

std::string formatValue(const v1::Resource& r) {
  switch (r.type()) {
    case v1::Value::SCALAR: return values::formatScalar(r.scalar().value());
    case v1::Value::RANGES: return values::formatRanges(r.ranges());
    case v1::Value::SET: return values::formatSet(r.set());
    default: return {};
  }
}

std::optional<double> optionalScalar(const std::vector<v1::Resource>& items, const char* name) {
  bool found = false;
  int64_t total = 0;
  for (const auto& item : items) {
    if (item.type() == v1::Value::SCALAR && item.name() == name) {
      found = true;
      total = clampFixed(total + toFixed(item.scalar().value()));
    }
  }
  if (!found) return std::nullopt;
  return fromFixed(total);
}

}  // namespace

double Resources::scalar(const std::string& name) const {
  int64_t total = 0;
  for (const auto& item : items_) {
    if (item.type() == v1::Value::SCALAR && item.name() == name)
      total = clampFixed(total + toFixed(item.scalar().value()));
  }
  return fromFixed(total);
}

std::optional<double> Resources::cpus() const { return optionalScalar(items_, "cpus"); }
std::optional<double> Resources::mem() const { return optionalScalar(items_, "mem"); }
std::optional<double> Resources::disk() const { return optionalScalar(items_, "disk"); }

std::vector<std::pair<uint64_t, uint64_t>> Resources::ports() const {
  std::vector<Interval> result;
  for (const auto& item : items_) {
    if (item.type() == v1::Value::RANGES && item.name() == "ports") appendRanges(item.ranges(), &result);
  }
  coalesce(&result);
  return result;
}

std::map<std::string, double> Resources::scalars() const {
  std::map<std::string, int64_t> fixed;
  for (const auto& item : items_) {
    if (item.type() != v1::Value::SCALAR) continue;
    int64_t& total = fixed[item.name()];
    total = clampFixed(total + toFixed(item.scalar().value()));
  }
  std::map<std::string, double> result;
  for (const auto& [name, total] : fixed) result.emplace_hint(result.end(), name, fromFixed(total));
  return result;
}

Resources Resources::unreserved() const {
  Resources result;
  for (const auto& item : items_) {
    if (item.reservations_size() == 0) result.items_.push_back(item);
  }
  return result;
}

Resources Resources::reserved(const std::string& role) const {
  Resources result;
  for (const auto& item : items_) {
    if (item.reservations_size() > 0 && item.reservations(item.reservations_size() - 1).role() == role) {
      result.items_.push_back(item);
    }
  }
  return result;
}

Resources Resources::allocatedTo(const std::string& role) const {
  Resources result;
  for (const auto& item : items_) {
    if (item.has_allocation_info() && item.allocation_info().role() == role) result.items_.push_back(item);
  }
  return result;
}

Resources Resources::withoutAllocation() const {
  // Entries that differed only by allocation now merge, hence add().
  Resources result;
  result.items_.reserve(items_.size());
  for (const auto& item : items_) {
    v1::Resource copy = item;
    copy.clear_allocation_info();
    result.add(std::move(copy));
  }
  return result;
}

Resources Resources::allocate(const std::string& role) const {
  // Items are pairwise distinct: tagged with one role, items that had no
  // allocation stay so and need no merge (the allocator's common case).
  bool untagged = std::none_of(items_.begin(), items_.end(), [](const auto& i) { return i.has_allocation_info(); });
  Resources result;
  result.items_.reserve(items_.size());
  for (const auto& item : items_) {
    v1::Resource copy = item;
    copy.mutable_allocation_info()->set_role(role);
    if (untagged) {
      result.items_.push_back(std::move(copy));
    } else {
      result.add(std::move(copy));
    }
  }
  return result;
}

std::string Resources::reservationRole(const v1::Resource& resource) {
  if (resource.reservations_size() > 0) return resource.reservations(resource.reservations_size() - 1).role();
  // Not yet normalize()d: the legacy field says.
  if (resource.has_role()) return resource.role();
  return "*";
}

std::string Resources::toString() const {
  std::string out;
  for (const auto& item : items_) {
    if (!out.empty()) out.push_back(';');
    out += item.name();
    if (item.reservations_size() > 0) {
      out.push_back('(');
      out += item.reservations(item.reservations_size() - 1).role();
      out.push_back(')');
    }
    out.push_back(':');
    out += formatValue(item);
  }
  return out;
}

void Resources::copyTo(google::protobuf::RepeatedPtrField<v1::Resource>* out) const {
  out->Clear();
  out->Reserve(static_cast<int>(items_.size()));
  for (const auto& item : items_) *out->Add() = item;
}

std::ostream& operator<<(std::ostream& stream, const Resources& resources) { return stream << resources.toString(); }

}  // namespace tepui
