// Quota bookkeeping for the allocator (Mesos 1.9+ QuotaConfig semantics):
// each role's guarantees and limits, each role subtree's consumption, and
// the headroom the cluster must keep for unmet guarantees.
//
// Consumption of a role = its reservations (allocated or not) + the
// unreserved resources allocated to it (offered or in use); a role's
// consumption counts in every ancestor's. The book keeps subtree sums only
// for roles with a quota: the allocator reports changes (addConsumed /
// removeConsumed with the role whose resources they are) only for roles
// that bounds(), and measures a role's consumption when it gets a quota
// (update's `measure`) or when asked about a role without one. A cluster
// without quota thus pays nothing for it on every offer and recovery.
//
// Required headroom = sum, over the top-most roles with guarantees (no
// ancestor has guarantees: a parent's guarantee covers its children's), of
// max(0, guarantee - consumed) per resource name. It is kept current on
// every change, in O(depth of the role).
//
// Two counters let the allocator cache what it derives from the book:
// configVersion() changes with the configs (consumption changes are the
// caller's to notice: it reports them); roomGrowth() changes only when some
// role's room under its limits or guarantees may have grown, or the
// required headroom may have shrunk (a change of configs, a release under a
// limit, any change under a guarantee). Between two equal roomGrowth()
// values, quota can only have taken room away.
//
// All quantities are fixed point (Quantities). Not thread-safe; owned by
// the allocator.
#pragma once

#include <cstdint>
#include <functional>
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
  // `measure` returns the current consumption of each role given, for the
  // roles that had no quota before.
  using Measure = std::function<std::map<std::string, Quantities>(const std::set<std::string>& roles)>;
  void update(const std::vector<QuotaConfig>& configs, const Measure& measure);
  std::vector<QuotaConfig> configs() const;  // sorted by role

  void addConsumed(const std::string& role, const Quantities& quantities);
  void removeConsumed(const std::string& role, const Quantities& quantities);
  // The subtree's; empty for a role without quota (not kept).
  const Quantities& consumed(const std::string& role) const;
  bool has(const std::string& role) const { return quotas_.contains(role); }
  // True when the role or an ancestor has a quota: its consumption counts.
  bool bounds(const std::string& role) const;

  const Quantities& requiredHeadroom() const { return required_; }

  uint64_t configVersion() const { return configVersion_; }
  uint64_t roomGrowth() const { return roomGrowth_; }

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
  uint64_t configVersion_ = 0;
  uint64_t roomGrowth_ = 0;
};

}  // namespace tepui::allocator
