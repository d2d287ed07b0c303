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
  virtual void addFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                            const std::set<std::string>& suppressedRoles, bool active) = 0;
  virtual void updateFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                               const std::set<std::string>& suppressedRoles) = 0;
  virtual void removeFramework(const std::string& frameworkId) = 0;
  virtual void activateFramework(const std::string& frameworkId) = 0;
  virtual void deactivateFramework(const std::string& frameworkId) = 0;

  // Agents. `used` is what frameworks already hold there (tasks and
  // executors an agent reports when it comes back).
  virtual void addAgent(const std::string& agentId, const v1::AgentInfo& info,
                        const Resources& total,
                        const std::map<std::string, Resources>& used) = 0;
  virtual void removeAgent(const std::string& agentId) = 0;
  virtual void activateAgent(const std::string& agentId) = 0;
  virtual void deactivateAgent(const std::string& agentId) = 0;

  // Gives resources back. With refuseSeconds > 0 a filter stops the same
  // framework being offered a subset of them on that agent for that role
  // until now + refuseSeconds (and never before the next allocation run).
  virtual void recoverResources(const std::string& frameworkId, const std::string& agentId,
                                const Resources& resources,
                                std::optional<double> refuseSeconds, double now) = 0;

  // Empty roles means all of the framework's roles. Revive also clears the
  // framework's filters for those roles.
  virtual void suppressOffers(const std::string& frameworkId,
                              const std::set<std::string>& roles) = 0;
  virtual void reviveOffers(const std::string& frameworkId, const std::set<std::string>& roles,
                            double now) = 0;

  virtual void updateWeights(const std::map<std::string, double>& weights) = 0;

  // One allocation cycle over every active agent (in random order) for every
  // active, unsuppressed framework, in weighted DRF order; returns at most
  // one allocation per (framework, role, agent).
  virtual std::vector<Allocation> allocate(double now) = 0;

  virtual Metrics metrics() const = 0;
};

std::unique_ptr<Allocator> createHierarchicalDRF(Options options);

}  // namespace tepui::allocator
