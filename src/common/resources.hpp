// Resource algebra over tepui.v1.Resource, with Mesos's semantics.
//
// A Resources value is a normalised multiset: resources that differ only in
// quantity are merged (same name, type, reservation stack, allocation role,
// disk info, revocable/shared markers); scalars use Mesos's fixed-point
// precision of 0.001 (values are rounded to the nearest thousandth, and
// a zero scalar or empty range/set disappears); ranges are kept sorted and
// coalesced; sets are sorted and de-duplicated.
//
// Reservations: the "reservation stack" is `reservations[]`; the legacy
// `role`/`reservation` fields are converted on input by normalize(), and a
// resource with no reservations is unreserved (role "*").
//
// Entries that are empty or invalid once normalised (no name, TEXT type, a
// zero/negative/non-finite scalar, no ranges or set items) are dropped when
// a Resources is built from protobufs: callers that must reject bad input
// call validate() first. Shared resources merge by quantity like any other
// (Mesos instead counts copies of a shared resource).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui {

class Resources {
 public:
  Resources() = default;
  Resources(const google::protobuf::RepeatedPtrField<v1::Resource>& resources);  // NOLINT
  Resources(const std::vector<v1::Resource>& resources);                         // NOLINT

  // Parses Mesos's text form "cpus:4;mem(role):1024;ports:[31000-32000];
  // disks:{a,b}" (`;` separated; `name(role):value`; ranges "[a-b,c-d]"; sets
  // "{a,b}") or a JSON array of Resource objects. `defaultRole` applies to
  // entries without a role ("*" for none). A role other than "*" makes a
  // STATIC reservation. Entries with the same name and role add up.
  static Result<Resources> parse(std::string_view text, const std::string& defaultRole = "*");

  // Unreserved scalar resources from name -> amount (quota, role summaries).
  static Resources scalars(const std::map<std::string, double>& amounts);

  // Validates one resource as the master must before trusting it: a known
  // type with the matching value set, finite non-negative scalars (no NaN),
  // ranges with begin <= end, non-empty name. Returns the reason if invalid.
  static std::optional<Error> validate(const v1::Resource& resource);
  static std::optional<Error> validate(const google::protobuf::RepeatedPtrField<v1::Resource>& resources);

  // Converts legacy role/reservation fields to the reservations[] form.
  static v1::Resource normalize(v1::Resource resource);

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<v1::Resource>& items() const { return items_; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

  // True when every resource in `other` is contained in this one (scalars
  // <=, ranges and sets are subsets), matching reservation and allocation.
  bool contains(const Resources& other) const;

  Resources& operator+=(const Resources& other);
  Resources& operator-=(const Resources& other);  // saturates at empty
  Resources operator+(const Resources& other) const;
  Resources operator-(const Resources& other) const;
  bool operator==(const Resources& other) const;

  // Sum of the named scalar, over every reservation and allocation.
  double scalar(const std::string& name) const;
  std::optional<double> cpus() const;
  std::optional<double> mem() const;
  std::optional<double> disk() const;
  // All port ranges, merged, regardless of reservation.
  std::vector<std::pair<uint64_t, uint64_t>> ports() const;

  // Quantities of every scalar by name (for the allocator's shares).
  std::map<std::string, double> scalars() const;

  Resources unreserved() const;                    // no reservations
  Resources reserved(const std::string& role) const;  // reserved to exactly role
  Resources allocatedTo(const std::string& role) const;  // allocation_info.role == role
  Resources withoutAllocation() const;              // allocation_info cleared
  Resources allocate(const std::string& role) const;  // allocation_info set

  // The role that owns a resource: its innermost reservation, or "*".
  static std::string reservationRole(const v1::Resource& resource);

  // Mesos's text form, e.g. "cpus:2;mem:1024;ports:[31000-32000]" (the
  // innermost reservation role in parentheses when reserved). Allocation,
  // disk, revocable and reservation details other than the role are not
  // shown, so only unreserved and STATIC resources round-trip via parse().
  std::string toString() const;
  // The v1 repeated-field form (replaces the contents of `out`).
  void copyTo(google::protobuf::RepeatedPtrField<v1::Resource>* out) const;

 private:
  // Both take a resource already in normal form (normalize()d, value
  // canonical and non-empty), as the entries of another Resources are.
  void add(const v1::Resource& resource);
  void add(v1::Resource&& resource);
  void subtract(const v1::Resource& resource);
  std::vector<v1::Resource> items_;
};

// toString(), for logs and test failure messages.
std::ostream& operator<<(std::ostream& stream, const Resources& resources);

}  // namespace tepui
