// Refuse filters: "don't offer framework F, for role R, on agent A, anything
// that is a subset of what it just declined, until the deadline".
//
// Contract:
// - A refusal blocks an offer when the offer (split in two parts: the
//   agent's unreserved resources and those reserved to R) is a subset of the
//   refused resources. Several refusals for one (F, R, A) may coexist; any of
//   them blocks. A refusal dominated by a later one (no larger, ending no
//   later) is dropped.
// - A refusal expires at its deadline but never before the allocation run
//   that follows its installation: it is live during run `installedRun + 1`
//   whatever the clock says (runs are numbered by the allocator, 1, 2, ...).
// - Indexed by agent: the allocation loop fetches an agent's filters once,
//   then pays one binary search in a small contiguous array per framework it
//   considers, however many filters exist elsewhere. A refusal remembers the
//   agent generation at which it last covered the offer, so re-examining an
//   unchanged agent skips the subset test. A per-framework list of agents
//   makes revive and framework removal proportional to that framework's
//   filters, not to the cluster.
// - Expired refusals are dropped lazily, by expire() once an agent's
//   earliest deadline has passed, so no cycle scans all filters.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <unordered_map>
#include <vector>

#include "allocator/flat_resources.hpp"

namespace tepui::allocator {

// The filters on one agent.
class AgentFilters {
 public:
  // True when a live refusal of (framework, role) covers unreserved +
  // reserved (either may be null: nothing of that part). `generation`
  // identifies the agent's available resources (see AgentState).
  bool blocks(uint32_t framework, uint32_t role, const FlatResources* unreserved, const FlatResources* reserved,
              double now, uint64_t run, uint64_t generation);

  // Earliest deadline of the refusals here (may be stale-low after
  // removals, never stale-high); +inf when none.
  double nextDeadline() const { return nextDeadline_; }
  bool empty() const { return entries_.empty(); }
  size_t size() {
    settle();
    return entries_.size();
  }

 private:
  friend class OfferFilters;

  struct Refusal {
    uint32_t framework = 0;
    uint32_t role = 0;
    uint64_t installedRun = 0;
    double deadline = 0;
    // Refusals on one agent are usually identical (the whole agent), so
    // they share one copy.
    std::shared_ptr<const FlatResources> refused;
    uint64_t coveredAt = UINT64_MAX;  // agent generation known to be covered

    bool expired(double now, uint64_t run) const { return now >= deadline && run > installedRun + 1; }
  };

  // Installs append to an unsorted tail; lookups first merge it in (stable,
  // so a framework's refusals stay in install order) and drop dominated ones.
  void settle();
  // The framework's refusals (entries_ must be settled).
  std::pair<size_t, size_t> range(uint32_t framework) const;
  bool has(uint32_t framework);
  template <typename Drop>
  void dropIf(Drop drop);

  std::vector<Refusal> entries_;  // sorted by framework up to sorted_
  size_t sorted_ = 0;
  double nextDeadline_ = std::numeric_limits<double>::infinity();
  std::shared_ptr<const FlatResources> lastRefused_;
};

class OfferFilters {
 public:
  void install(uint32_t agent, uint32_t framework, uint32_t role, FlatResources refused, double deadline, uint64_t run);

  // Null when the agent has no filters.
  AgentFilters* forAgent(uint32_t agent);

  // Drops the agent's expired refusals and recomputes its next deadline.
  void expire(uint32_t agent, double now, uint64_t run);

  void removeAgent(uint32_t agent);
  void removeFramework(uint32_t framework);
  void removeFramework(uint32_t framework, uint32_t role);

  size_t size();  // refusals held, expired or not (tests, metrics)

 private:
  // Agents where a framework has (or had) refusals: appended on every
  // install, so it holds duplicates and stale entries until compacted.
  // Whenever it doubles, duplicates and agents without any filter go
  // (amortised O(log n) per install, and it never touches the agents'
  // filter arrays); revive also drops agents left without its refusals.
  struct FrameworkIndex {
    std::vector<uint32_t> agents;
    size_t compactedSize = 0;
  };

  void compact(uint32_t framework, FrameworkIndex& index, bool thorough);

  std::unordered_map<uint32_t, AgentFilters> agents_;
  std::unordered_map<uint32_t, FrameworkIndex> frameworks_;
};

}  // namespace tepui::allocator
