// The Allocator decides which framework is offered which agent's resources.
// The master owns it and calls it on its event loop only (not thread-safe,
// never blocks). Time is passed in (`now`, seconds on a monotonic clock) so
// that filters and expiry are tested without sleeping.
//
// Bookkeeping contract: everything the allocator hands out in allocate() is
// "allocated" to that framework on that agent until the master gives it back
// with recoverResources() (declined or unused offer resources, finished
// tasks, rescinded offers). Resources that move from an offer into a task stay
// allocated, so the master calls nothing for them. Therefore no resource is
// ever offered twice. Resources passed in and out carry
// `allocation_info.role`; the allocator sets it on what it hands out.
//
// Implementations: HierarchicalDRF (hierarchical_drf.hpp). Roles, quota and
// reservations of later features plug in behind this same interface.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/resources.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::allocator {

struct Allocation {
  std::string frameworkId;
  std::string role;
  std::string agentId;
  Resources resources;  // allocation_info.role == role on every resource
};

struct Options {
  // An offer smaller than every one of these (per resource name, all must
  // hold within one entry) is not made: Mesos's --min_allocatable_resources,
  // default "cpus:0.01|mem:32".
  std::vector<std::map<std::string, double>> minAllocatable = {{{"cpus", 0.01}}, {{"mem", 32}}};
  // Resource names left out of dominant-share computations.
  std::set<std::string> fairSharingExcluded;
  // Role weights from --weights (role -> weight); default 1.0.
  std::map<std::string, double> weights;
  // Seed for the per-cycle agent shuffle (tests fix it).
  uint64_t seed = 0;
};

// A role the allocator knows (GET_ROLES, /roles). Roles form a tree by their
// "/"-separated names; a role exists while a framework is subscribed to it,
// an allocation or a reservation uses it, or it is the ancestor of one that
// exists.
struct RoleInfo {
  std::string name;
  double weight = 1.0;
  // Scalar quantities allocated (offered or in use) to the role itself, and
  // to it and all its descendants.
  std::map<std::string, double> allocated;
  std::map<std::string, double> subtreeAllocated;
  std::set<std::string> frameworks;  // subscribed to the role
};

// A role's quota (QuotaConfig of Mesos 1.9+): scalar quantities by resource
// name. The role's subtree is offered at most its limits, and the cluster
// keeps unallocated enough to meet every role's guarantees.
struct QuotaConfig {
  std::string role;
  std::map<std::string, double> guarantees;
  std::map<std::string, double> limits;
};

struct Metrics {
  uint64_t allocationRuns = 0;
  double lastAllocationRunMs = 0;
  std::map<std::string, double> dominantShares;  // role -> share
  std::map<std::string, double> total;           // resource name -> total
  std::map<std::string, double> allocated;       // resource name -> offered or used
};

class Allocator {
 public:
  virtual ~Allocator() = default;

  // Frameworks. `roles` are the roles it may be offered for (FrameworkInfo's
  // roles, or its single legacy role). Suppressed roles get no offers.
  // Agents with GPUs are offered only to frameworks with the GPU_RESOURCES
  // capability.
  virtual void addFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                            const std::set<std::string>& suppressedRoles, bool active) = 0;
  virtual void updateFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                               const std::set<std::string>& suppressedRoles) = 0;
  virtual void removeFramework(const std::string& frameworkId) = 0;
  virtual void activateFramework(const std::string& frameworkId) = 0;
  virtual void deactivateFramework(const std::string& frameworkId) = 0;

  // Agents. `used` is what frameworks already hold there (tasks and
  // executors an agent reports when it comes back).
  virtual void addAgent(const std::string& agentId, const v1::AgentInfo& info, const Resources& total,
                        const std::map<std::string, Resources>& used) = 0;
  virtual void removeAgent(const std::string& agentId) = 0;
  // Converts resources the framework holds on the agent, in place, for the
  // operations of an ACCEPT that reshape resources without launching
  // anything (RESERVE, UNRESERVE, CREATE, DESTROY): `from` (held there, as
  // offered: allocation_info.role set, one role) becomes `to` (same role),
  // both in the framework's allocation and in the agent's total, so that
  // reservations, quota consumption and later offers follow. The master
  // calls it once per operation, in order, after validating it and before
  // launching the ACCEPT's tasks or recovering what it leaves unused.
  // Returns false, changing nothing, when the framework does not hold
  // `from` there.
  virtual bool updateAllocation(const std::string& frameworkId, const std::string& agentId, const Resources& from,
                                const Resources& to) = 0;
  // The same for resources nobody holds on the agent (the operator's
  // RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES and
  // DESTROY_VOLUMES): unallocated `from` (allocation_info cleared) becomes
  // `to` in the agent's available resources and total. Returns false,
  // changing nothing, when `from` is not all unallocated there (the master
  // may rescind offers and try again).
  virtual bool updateAvailable(const std::string& agentId, const Resources& from, const Resources& to) = 0;
  virtual void activateAgent(const std::string& agentId) = 0;
  virtual void deactivateAgent(const std::string& agentId) = 0;

  // Gives resources back. With refuseSeconds > 0 a filter stops the same
  // framework being offered a subset of them on that agent for that role
  // until now + refuseSeconds (and never before the next allocation run).
  virtual void recoverResources(const std::string& frameworkId, const std::string& agentId, const Resources& resources,
                                std::optional<double> refuseSeconds, double now) = 0;

  // Empty roles means all of the framework's roles. Revive also clears the
  // framework's filters for those roles.
  virtual void suppressOffers(const std::string& frameworkId, const std::set<std::string>& roles) = 0;
  virtual void reviveOffers(const std::string& frameworkId, const std::set<std::string>& roles, double now) = 0;

  // Replaces the weights of the given roles (UPDATE_WEIGHTS, PUT /weights);
  // other roles keep theirs. A weight is the role's weight among its
  // siblings. Non-positive or non-finite weights count as 1.0.
  virtual void updateWeights(const std::map<std::string, double>& weights) = 0;
  // The weights set by --weights and updateWeights (GET_WEIGHTS, /weights);
  // roles not listed weigh 1.0.
  virtual std::map<std::string, double> weights() const = 0;
  // Every known role, sorted by name (GET_ROLES, /roles).
  virtual std::vector<RoleInfo> roles() const = 0;

  // Quota (UPDATE_QUOTA, GET_QUOTA). updateQuota applies all configs at
  // once; a config with no guarantees and no limits removes the role's
  // quota. The master validates configs first (guarantees <= limits, a
  // child's within its parent's, and without `force` that limits are not
  // below consumedQuota()); the allocator enforces whatever it is given from
  // the next allocate() on: a role's subtree is never offered beyond a limit
  // of the role or of an ancestor (scalars are cut to fit), roles below a
  // guarantee are offered first, and offers to anyone leave unallocated
  // (unreserved, non-revocable) at least the sum of the unmet guarantees.
  virtual void updateQuota(const std::vector<QuotaConfig>& configs) = 0;
  virtual std::vector<QuotaConfig> quotas() const = 0;  // sorted by role
  // What the role's subtree consumes against quota, by resource name:
  // reservations to it or its descendants (allocated or not) plus the
  // unreserved resources allocated to them, where offered resources count
  // as allocated (an outstanding offer can become tasks without the
  // allocator hearing of it, so it must count against the limit).
  virtual std::map<std::string, double> consumedQuota(const std::string& role) const = 0;

  // One allocation cycle over every active agent (in random order) for every
  // active, unsuppressed framework, in hierarchical weighted DRF order
  // (sibling roles by subtree dominant share / weight, level by level, then
  // the frameworks of a role); returns at most one allocation per
  // (framework, role, agent).
  virtual std::vector<Allocation> allocate(double now) = 0;

  virtual Metrics metrics() const = 0;
};

std::unique_ptr<Allocator> createHierarchicalDRF(Options options);

}  // namespace tepui::allocator
