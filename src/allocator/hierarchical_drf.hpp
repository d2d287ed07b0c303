// The hierarchical weighted DRF allocator (Mesos's HierarchicalDRF), behind
// the Allocator interface; create it with createHierarchicalDRF().
//
// Private to src/allocator: the rest of the code base uses allocator.hpp.
// The implementation is split by concern:
//   hierarchical_drf.cpp     frameworks, their roles, suppression, metrics
//   role_tree.cpp            the role tree, weights, roles(), quota calls
//   quota_offer.cpp          shape(): what quota lets a role be offered
//   quota_book.hpp           quota configs, consumption, required headroom
//   allocator_agents.cpp     agents, allocation bookkeeping, recovery,
//                            updateAllocation (RESERVE, UNRESERVE, ...)
//   allocation_cycle.cpp     allocate(): one DRF pass over the agents
//
// State in one picture: each agent knows what it has available, split by
// owner (unreserved "*" and one group per reservation role), and what every
// framework holds there per role. Roles form a tree by their "/"-separated
// names under a nameless root (role_tree.cpp): each role has a sorter of its
// child roles plus a "self" client for its own allocation, and a sorter of
// its frameworks. A client in a parent's sorter accounts its whole subtree,
// so fair share is decided between siblings, level by level, then between a
// role's frameworks. Refusals live in OfferFilters.
//
// Performance: an agent is "settled" once a cycle has examined it: whatever
// is left there, nobody could take. While its availability (a per-agent
// generation) and its filters' deadlines don't change, only a framework that
// became eligible since (added, activated, updated, revived: logged as
// eligibility events) can take something, so the next cycle asks just those
// frameworks, in DRF order, instead of walking every role and framework.
// Their list is gathered once per cycle; on each agent those a refusal
// blocks are dropped first, so only the few that could take something get
// a DRF position (more than 64 of those, and the agent is walked in full).
// A quiet cluster's cycle is O(agents) however many frameworks and filters
// it has, and one after k frameworks became eligible O(agents x k) filter
// look-ups, however many filters the others have. A cycle touches protobufs only for offers it actually makes. While
// any quota is set, a role's room under its limits and guarantees also
// changes with allocations on other agents: a settled agent is skipped only
// while no room may have grown since it settled (quotaEpoch()), and is
// otherwise walked in full, as Mesos does; so a cluster whose roles sit at
// their limits has quiet cycles too. Each role caches its quota room until
// consumption in its top-level subtree or the quota configs change.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "allocator/allocator.hpp"
#include "allocator/flat_resources.hpp"
#include "allocator/holdings.hpp"
#include "allocator/key_log.hpp"
#include "allocator/offer_filter.hpp"
#include "allocator/quantities.hpp"
#include "allocator/quota_book.hpp"
#include "allocator/sorter.hpp"

namespace tepui::allocator {

// Resources on an agent owned by one role: "*" for unreserved, else the
// innermost reservation's role; refined reservations (more than one in the
// stack) apart from the others, since only RESERVATION_REFINEMENT
// frameworks may have them. Never empty.
struct AvailableGroup {
  std::string owner;
  bool refined = false;
  Resources resources;  // allocation_info cleared
  FlatResources flat;
  Quantities headroom;  // "*" only: the non-revocable scalars (quota headroom)
};

struct AgentState {
  std::string id;
  uint32_t key = 0;
  v1::AgentInfo info;
  bool active = true;
  Resources total;  // allocation_info cleared
  Quantities totalQuantities;
  bool hasGpus = false;  // totalQuantities has "gpus" (asked per framework in the cycle)
  std::vector<AvailableGroup> available;
  // What each framework holds here, per role (allocation_info cleared).
  Holdings allocated;
  size_t listIndex = 0;  // position in HierarchicalDRF::agentList_
  // Bumped on every change of `available` or `active`. A cycle that finds
  // the generation as it left it only needs to look at eligibility events
  // after settledEpoch.
  uint64_t generation = 0;
  uint64_t settledGeneration = UINT64_MAX;
  uint64_t settledEpoch = 0;
  uint64_t settledQuotaEpoch = 0;  // HierarchicalDRF::quotaEpoch() when it settled

  AvailableGroup* group(const std::string& owner);
};

// True when resources reserved to `owner` may be offered to `role`: it is
// the owner or one of its descendants.
bool usableBy(const std::string& owner, const std::string& role);

struct FrameworkState {
  std::string id;
  uint32_t key = 0;
  // False for a framework known only because an agent reported it holds
  // resources (addAgent's `used`): tracked, never offered.
  bool added = false;
  bool active = false;
  v1::FrameworkInfo info;
  std::set<std::string> roles;
  std::set<std::string> suppressed;        // subset of roles
  bool gpuCapable = false;                 // GPU_RESOURCES
  bool refinementCapable = false;          // RESERVATION_REFINEMENT
  KeyLog agents;                           // keys of agents where it holds resources
  std::map<std::string, size_t> holdings;  // role -> agents holding under it
};

// A node of the role tree. It exists while it has frameworks (subscribed or
// holding resources) or child roles; the root (name "") always exists.
struct RoleState {
  // The tag of a role's "self" client in its own `children` sorter.
  static constexpr uint32_t kSelf = UINT32_MAX;

  explicit RoleState(const ShareBasis* basis) : children(basis), frameworks(basis) {}
  std::string name;
  uint32_t key = 0;
  RoleState* parent = nullptr;       // null for the root
  Sorter::Client* client = nullptr;  // in parent->children; its subtree's allocation
  // Child roles (tag = role key) and, except at the root, the role's own
  // allocation as the client `self` (tag = kSelf, name ".", which no role
  // name component can be). A client is active while its subtree has an
  // eligible framework.
  Sorter children;
  Sorter::Client* self = nullptr;
  size_t childRoles = 0;
  Sorter frameworks;
  // The role's room under quota (QuotaBook::guaranteeRoom and limitRoom)
  // as of the book's configVersion() `config` and its top-level role's
  // `quotaChanges` `changes`: a role's room depends only on consumption in
  // its own top-level subtree.
  struct QuotaRoom {
    uint64_t config = UINT64_MAX;
    uint64_t changes = 0;
    std::optional<QuotaBook::Caps> guarantee;
    QuotaBook::Caps limit;
  };
  QuotaRoom quotaRoom;
  // Top-level roles only: bumped whenever quota consumption in the subtree
  // changes.
  uint64_t quotaChanges = 0;
};

class HierarchicalDRF final : public Allocator {
 public:
  // `shortcuts` = false examines every agent fully every cycle: slower,
  // same offers; tests use it as the reference the shortcuts must match.
  explicit HierarchicalDRF(Options options, bool shortcuts = true);

  void addFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                    const std::set<std::string>& suppressedRoles, bool active) override;
  void updateFramework(const std::string& frameworkId, const v1::FrameworkInfo& info,
                       const std::set<std::string>& suppressedRoles) override;
  void removeFramework(const std::string& frameworkId) override;
  void activateFramework(const std::string& frameworkId) override;
  void deactivateFramework(const std::string& frameworkId) override;

  void addAgent(const std::string& agentId, const v1::AgentInfo& info, const Resources& total,
                const std::map<std::string, Resources>& used) override;
  void removeAgent(const std::string& agentId) override;
  bool updateAllocation(const std::string& frameworkId, const std::string& agentId, const Resources& from,
                        const Resources& to) override;
  bool updateAvailable(const std::string& agentId, const Resources& from, const Resources& to) override;
  void activateAgent(const std::string& agentId) override;
  void deactivateAgent(const std::string& agentId) override;

  void recoverResources(const std::string& frameworkId, const std::string& agentId, const Resources& resources,
                        std::optional<double> refuseSeconds, double now) override;

  void suppressOffers(const std::string& frameworkId, const std::set<std::string>& roles) override;
  void reviveOffers(const std::string& frameworkId, const std::set<std::string>& roles, double now) override;
  void updateWeights(const std::map<std::string, double>& weights) override;
  std::map<std::string, double> weights() const override;
  std::vector<RoleInfo> roles() const override;
  void updateQuota(const std::vector<QuotaConfig>& configs) override;
  std::vector<QuotaConfig> quotas() const override;
  std::map<std::string, double> consumedQuota(const std::string& role) const override;

  std::vector<Allocation> allocate(double now) override;
  Metrics metrics() const override;

 private:
  // The roles FrameworkInfo asks for: `roles` with MULTI_ROLE, else `role`.
  static std::set<std::string> rolesOf(const v1::FrameworkInfo& info);
  static bool hasCapability(const v1::FrameworkInfo& info, v1::FrameworkInfo::Capability::Type type);
  // False when the agent has GPUs and the framework cannot use them.
  static bool mayUse(const AgentState& agent, const FrameworkState& framework);

  // --- frameworks and roles (hierarchical_drf.cpp)
  FrameworkState* findFramework(const std::string& id);
  // The agents where the framework holds something.
  const std::vector<uint32_t>& agentsOf(FrameworkState& framework);
  // KeyLog's question for a framework's agents: does it hold on this one?
  auto holdsOn(const FrameworkState& framework) const {
    return [this, key = framework.key](uint32_t agent) {
      auto it = agentsByKey_.find(agent);
      return it != agentsByKey_.end() && it->second->allocated.holds(key);
    };
  }
  FrameworkState& frameworkState(const std::string& id);  // creates if absent
  void forgetIfUnused(FrameworkState& framework);
  RoleState* findRole(const std::string& name);

  // --- the role tree (role_tree.cpp)
  // Creates the role (and its missing ancestors) if absent.
  RoleState& roleState(const std::string& name);
  // Drops the role, and then its ancestors, while nobody is left in them.
  void dropIfEmpty(RoleState* role);
  // Brings `self` and the role's and ancestors' clients' activity in line
  // with whether their subtrees have an eligible framework.
  void syncActive(RoleState* role);
  // Adds (or with `add` false, removes) quantities to the role's framework
  // client (if any), its self client and every ancestor's client.
  void account(RoleState& role, Sorter::Client* framework, const Quantities& quantities, bool add);
  // The clients from the root's sorter down to `leaf` (a client of role's
  // frameworks sorter): the DRF order of offers is the lexicographic order
  // of these paths, by (share, name) at each level.
  static std::vector<const Sorter::Client*> pathOf(const RoleState& role, const Sorter::Client* leaf);
  void refreshSorters();
  // Brings the framework's client in the role's sorter (and the role in the
  // role sorter) in line: present while subscribed or holding, active while
  // eligible for offers; drops the role when nobody is left in it.
  void syncClient(const std::string& role, FrameworkState& framework);
  void setRoles(FrameworkState& framework, const std::set<std::string>& roles, const std::set<std::string>& suppressed);
  double weightOf(const std::string& role) const;
  // Logs that the framework may now accept offers for these roles.
  void becameEligible(const FrameworkState& framework, const std::set<std::string>& roles);

  // --- bookkeeping (allocator_agents.cpp)
  // `resources` (allocation_info cleared) held by framework under role on
  // agent; updates both sorters and the totals. Does not touch `available`.
  // `client`, when the caller has it, is the framework's in the role.
  void track(AgentState& agent, FrameworkState& framework, const std::string& role, Resources resources,
             const Quantities& quantities, Sorter::Client* client = nullptr);
  // Inverse of track for at most what is held; returns what was released.
  Resources untrack(AgentState& agent, FrameworkState& framework, const std::string& role, const Resources& resources);
  void setAvailable(AgentState& agent, Resources available);
  // What the roles' subtrees consume against quota now (reservations and
  // unreserved allocations), counted from the agents: for roles the quota
  // book does not keep.
  std::map<std::string, Quantities> measureConsumption(const std::set<std::string>& roles) const;
  // Reports consumption of `role` (one the quota book bounds()) to the book
  // and invalidates the quota rooms cached in its top-level subtree.
  void consume(const std::string& role, const Quantities& quantities, bool add);
  // Reports the reservations of an agent's total to the quota book.
  void consumeReservations(const Resources& total, bool add);
  // Adds (or removes) the agent's total to the cluster totals and the
  // reservation bookkeeping.
  void countTotal(const AgentState& agent, bool add);
  static Resources availableOf(const AgentState& agent);
  // Replaces `before` by `after` in the agent's total (both without
  // allocation_info), keeping the cluster totals and reservation
  // bookkeeping in step.
  void replaceInTotal(AgentState& agent, const Resources& before, const Resources& after);

  // --- the cycle (allocation_cycle.cpp)
  // `filters`: the agent's (OfferFilters::forAgent), looked up once per
  // agent by the cycle.
  void allocateAgent(AgentState& agent, AgentFilters* filters, double now, std::vector<Allocation>& out);
  // For a settled agent: offers to the frameworks that became eligible since
  // it settled. False when events were dropped, or when more than a few of
  // them could take something here (the caller walks everything).
  bool allocateToNewlyEligible(AgentState& agent, AgentFilters* filters, double now, std::vector<Allocation>& out);
  // A (role, framework) that became eligible after some epoch.
  struct Candidate {
    RoleState* role;
    Sorter::Client* client;  // in role->frameworks, active
    FrameworkState* framework;
  };
  // The candidates eligible after `since` (an agent's settledEpoch), grouped
  // by role: gathered once per cycle for all the agents settled then (the
  // reference is valid until the next call).
  const std::vector<Candidate>& newlyEligible(uint64_t since);
  // True when a live refusal of the framework covers `offer` (see
  // AgentFilters::blocks).
  struct Shape;
  bool refused(AgentFilters* filters, const AgentState& agent, const RoleState& role, const FrameworkState& framework,
               const Shape& offer, double now);
  // Grants to `framework` (`client` in the role) unless a refusal blocks it.
  bool tryGrant(AgentState& agent, RoleState& role, FrameworkState& framework, Sorter::Client* client,
                AgentFilters* filters, double now, std::vector<Allocation>& out);
  bool offerToRole(AgentState& agent, RoleState& role, AgentFilters* filters, double now, bool stage1,
                   std::vector<Allocation>& out);
  // Walks `node`'s subtree in DRF order offering to each role; true once the
  // unreserved part of the agent is gone.
  bool offerToSubtree(AgentState& agent, RoleState& node, AgentFilters* filters, double now, bool stage1,
                      std::vector<Allocation>& out, bool untilUnreservedGone = true);
  // What `role` may be offered on the agent now: the reservations of it
  // and its ancestors (refined ones only with `refined`) and the
  // unreserved part, cut to what quota lets it have (stage 1: only roles
  // with an unmet guarantee, up to it). Nullopt when that is nothing
  // min_allocatable lets through.
  struct Shape {
    const AvailableGroup* unreserved = nullptr;
    std::vector<const AvailableGroup*> reserved;
    // Their resources as one, for refusals (points into `reserved`'s only
    // group, or at `merged` when there are several).
    const FlatResources* reservedFlat = nullptr;
    std::shared_ptr<FlatResources> merged;
    bool withRefined = false;      // some group of `reserved` is refined
    std::optional<Resources> cut;  // the part of `unreserved` offered, if quota cuts it
  };
  std::optional<Shape> shape(AgentState& agent, RoleState& role, bool stage1, bool refined);
  // The role's quota room, from its cache while neither the quota configs
  // nor the consumption in its top-level subtree changed.
  const RoleState::QuotaRoom& quotaRoomOf(RoleState& role) const;
  // Changes whenever quota room may have grown anywhere: the book's
  // roomGrowth() or more unreserved resources available (a larger surplus
  // over the required headroom).
  uint64_t quotaEpoch() const { return quota_.roomGrowth() + availableGrowth_; }
  // The shape for `framework`: `forCapable` (made with refined groups), or
  // when that has some and the framework may not have them, one without
  // (computed once into `forOthers`).
  const std::optional<Shape>& shapeFor(const FrameworkState& framework, AgentState& agent, RoleState& role, bool stage1,
                                       const std::optional<Shape>& forCapable,
                                       std::optional<std::optional<Shape>>& forOthers);
  bool allocatable(const Quantities* unreserved, const Quantities* reserved) const;
  // `client`: as for track().
  void grant(AgentState& agent, RoleState& role, FrameworkState& framework, const Shape& shape,
             std::vector<Allocation>& out, Sorter::Client* client = nullptr);

  Options options_;
  bool shortcuts_;
  std::vector<std::vector<Quantities::Entry>> minAllocatable_;  // fixed point
  std::map<std::string, double> weights_;
  std::mt19937_64 rng_;

  ShareBasis basis_;
  Quantities allocatedTotal_;
  RoleState root_{&basis_};

  std::unordered_map<std::string, std::unique_ptr<AgentState>> agents_;
  std::unordered_map<uint32_t, AgentState*> agentsByKey_;
  std::vector<AgentState*> agentList_;  // shuffled in place every cycle
  uint32_t nextAgentKey_ = 0;

  std::unordered_map<std::string, std::unique_ptr<FrameworkState>> frameworks_;
  std::vector<FrameworkState*> frameworksByKey_;  // null once removed

  std::unordered_map<std::string, std::unique_ptr<RoleState>> roles_;
  std::unordered_map<std::string, uint32_t> roleKeys_;  // interned forever
  std::vector<RoleState*> rolesByKey_;                  // null while absent
  // Reservation role -> agents whose total has reservations for it (roles
  // exist while a reservation uses them, for roles()).
  std::map<std::string, size_t> reservedRoles_;

  QuotaBook quota_;
  // Unreserved, non-revocable scalars available on all agents: the quota
  // headroom there is (the "*" groups' `headroom`).
  Quantities unreservedAvailable_;
  uint64_t availableGrowth_ = 0;  // bumped when some agent's headroom grows
  // Set when quota changes: agents settled under the old quota are walked
  // again by the next cycle.
  bool forceFullWalk_ = false;

  OfferFilters filters_;
  ResourceKeys keys_;

  struct EligibilityEvent {
    uint64_t epoch;
    uint32_t framework;
    uint32_t role;
  };
  // The most recent events, oldest first; epoch_ is the last one's.
  std::deque<EligibilityEvent> events_;
  // This cycle's newlyEligible() lists, by the epoch they follow.
  std::vector<std::pair<uint64_t, std::vector<Candidate>>> eligible_;
  uint64_t epoch_ = 0;
  uint64_t runs_ = 0;  // allocation runs started
  double lastRunMs_ = 0;
  size_t lastOffers_ = 0;     // allocations the last run returned
  size_t agentOutStart_ = 0;  // first allocation of the agent being examined
};

}  // namespace tepui::allocator
