// Quota bookkeeping for the allocator (Mesos 1.9+ QuotaConfig semantics):
// each role's guarantees and limits, each role subtree's consumption, and
// the headroom the cluster must keep for unmet guarantees.
//
// Consumption of a role = its reservations (allocated or not) + the
// unreserved resources allocated to it (offered or in use); a role's
// consumption counts in every ancestor's. The allocator reports changes of
// both (addConsumed / removeConsumed with the role whose resources they
// are); the book keeps subtree sums for every role with anything consumed.
//
// Required headroom = sum, over the top-most roles with guarantees (no
// ancestor has guarantees: a parent's guarantee covers its children's), of
// max(0, guarantee - consumed) per resource name. It is kept current on
// every change, in O(depth of the role).
//
// All quantities are fixed point (Quantities). Not thread-safe; owned by
// the allocator.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "allocator/allocator.hpp"
#include "allocator/quantities.hpp"

namespace tepui::allocator {

class QuotaBook {
 public:
  // Per resource name, how much more a role may be given; names absent are
  // unbounded.
  using Caps = std::map<std::string, int64_t>;

  bool empty() const { return quotas_.empty(); }

  // Sets the configs at once; a config with no guarantees and no limits
  // removes the role's quota.
  void update(const std::vector<QuotaConfig>& configs);
  std::vector<QuotaConfig> configs() const;  // sorted by role

  void addConsumed(const std::string& role, const Quantities& quantities);
  void removeConsumed(const std::string& role, const Quantities& quantities);
  const Quantities& consumed(const std::string& role) const;  // the subtree's

  const Quantities& requiredHeadroom() const { return required_; }

  // min over the role and its ancestors with limits of (limit - consumed),
  // at least zero, per limited name.
  Caps limitRoom(const std::string& role) const;
  // min over the role and its ancestors with guarantees of (guarantee -
  // consumed), at least zero, per guaranteed name; nullopt when none of
  // them has guarantees.
  std::optional<Caps> guaranteeRoom(const std::string& role) const;

  static std::string parentOf(const std::string& role);  // "" for top-level

 private:
  struct Quota {
    Quantities guarantees;
    std::map<std::string, int64_t> limits;  // a zero limit counts, so not Quantities
  };
  void change(const std::string& role, const Quantities& quantities, bool add);
  // The unmet part of a top-most guaranteed role's guarantee.
  Quantities unmet(const std::string& role) const;
  bool topMost(const std::string& role) const;
  void recomputeRequired();

  std::map<std::string, Quota> quotas_;
  std::set<std::string> topMost_;  // top-most roles with guarantees
  std::unordered_map<std::string, Quantities> consumed_;
  Quantities required_;
};

}  // namespace tepui::allocator
