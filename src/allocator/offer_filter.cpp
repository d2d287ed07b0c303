// Refuse filters indexed by agent; see offer_filter.hpp.
#include "allocator/offer_filter.hpp"

#include <algorithm>
#include <array>

namespace tepui::allocator {

namespace {

const FlatResources kNothing;

}  // namespace

void AgentFilters::settle() {
  if (sorted_ == entries_.size()) return;
  auto byFramework = [](const Refusal& a, const Refusal& b) { return a.framework < b.framework; };
  const size_t added = entries_.size() - sorted_;
  // Each cycle's declines add one refusal at a time: moved into place after
  // the framework's others (install order), without a merge buffer.
  constexpr size_t kFewAdded = 8;
  std::array<uint32_t, kFewAdded> touched{};
  size_t touchedCount = 0;
  if (added <= kFewAdded) {
    for (size_t i = sorted_; i < entries_.size(); ++i) {
      auto at = entries_.begin() + static_cast<long>(i);
      std::rotate(std::upper_bound(entries_.begin(), at, *at, byFramework), at, at + 1);
      touched[touchedCount++] = entries_[i].framework;
    }
  } else {
    std::stable_sort(entries_.begin() + static_cast<long>(sorted_), entries_.end(), byFramework);
    std::inplace_merge(entries_.begin(), entries_.begin() + static_cast<long>(sorted_), entries_.end(), byFramework);
  }
  // Drop refusals a later one of the same framework and role dominates
  // (repeated declines of the same offer would otherwise pile up). Only
  // frameworks that got a refusal can have a dominated one (removals never
  // make one). A framework has few refusals per agent, so quadratic per
  // framework is fine.
  auto dropDominated = [&](size_t begin, size_t end) {
    size_t kept = begin;
    for (size_t i = begin; i < end; ++i) {
      bool dominated = false;
      for (size_t j = i + 1; j < end && !dominated; ++j) {
        const Refusal& a = entries_[i];
        const Refusal& b = entries_[j];
        dominated = a.role == b.role && a.deadline <= b.deadline &&
                    (a.refused == b.refused || a.refused->isSubsetOf(*b.refused));
      }
      if (dominated) continue;
      // Entries after i are not moved yet (kept <= i).
      if (kept != i) entries_[kept] = std::move(entries_[i]);
      ++kept;
    }
    entries_.erase(entries_.begin() + static_cast<long>(kept), entries_.begin() + static_cast<long>(end));
  };
  if (added <= kFewAdded) {
    auto last = touched.begin() + static_cast<long>(touchedCount);
    std::sort(touched.begin(), last);
    last = std::unique(touched.begin(), last);
    for (auto it = touched.begin(); it != last; ++it) {
      auto [begin, end] = range(*it);
      dropDominated(begin, end);
    }
  } else {
    for (size_t begin = 0; begin < entries_.size(); ++begin) {
      size_t end = begin;
      while (end < entries_.size() && entries_[end].framework == entries_[begin].framework) ++end;
      dropDominated(begin, end);  // leaves the framework's kept ones at [begin, ...)
      while (begin + 1 < entries_.size() && entries_[begin + 1].framework == entries_[begin].framework) ++begin;
    }
  }
  sorted_ = entries_.size();
}

std::pair<size_t, size_t> AgentFilters::range(uint32_t framework) const {
  auto lower = std::lower_bound(entries_.begin(), entries_.end(), framework,
                                [](const Refusal& r, uint32_t f) { return r.framework < f; });
  auto upper = lower;
  while (upper != entries_.end() && upper->framework == framework) ++upper;
  return {static_cast<size_t>(lower - entries_.begin()), static_cast<size_t>(upper - entries_.begin())};
}

bool AgentFilters::has(uint32_t framework) {
  settle();
  auto [begin, end] = range(framework);
  return begin != end;
}

template <typename Drop>
void AgentFilters::dropIf(Drop drop) {
  settle();
  std::erase_if(entries_, drop);
  sorted_ = entries_.size();
}

bool AgentFilters::blocks(uint32_t framework, uint32_t role, const FlatResources* unreserved,
                          const FlatResources* reserved, double now, uint64_t run, uint64_t generation) {
  settle();
  auto [begin, end] = range(framework);
  for (size_t i = begin; i < end; ++i) {
    Refusal& r = entries_[i];
    if (r.role != role || r.expired(now, run)) continue;
    if (r.coveredAt == generation) return true;
    if ((unreserved ? unreserved : &kNothing)->isSubsetOf(*r.refused) &&
        (reserved ? reserved : &kNothing)->isSubsetOf(*r.refused)) {
      r.coveredAt = generation;
      return true;
    }
  }
  return false;
}

void OfferFilters::install(uint32_t agent, uint32_t framework, uint32_t role, FlatResources refused, double deadline,
                           uint64_t run) {
  AgentFilters& filters = agents_[agent];
  if (!filters.lastRefused_ || !(*filters.lastRefused_ == refused)) {
    filters.lastRefused_ = std::make_shared<const FlatResources>(std::move(refused));
  }
  AgentFilters::Refusal r;
  r.framework = framework;
  r.role = role;
  r.installedRun = run;
  r.deadline = deadline;
  r.refused = filters.lastRefused_;
  filters.entries_.push_back(std::move(r));
  filters.nextDeadline_ = std::min(filters.nextDeadline_, deadline);

  FrameworkIndex& index = frameworks_[framework];
  index.agents.push_back(agent);
  if (index.agents.size() > 2 * index.compactedSize + 64) compact(framework, index, /*thorough=*/false);
}

AgentFilters* OfferFilters::forAgent(uint32_t agent) {
  auto it = agents_.find(agent);
  return it == agents_.end() ? nullptr : &it->second;
}

void OfferFilters::expire(uint32_t agent, double now, uint64_t run) {
  auto it = agents_.find(agent);
  if (it == agents_.end()) return;
  AgentFilters& filters = it->second;
  filters.dropIf([&](const AgentFilters::Refusal& r) { return r.expired(now, run); });
  filters.nextDeadline_ = std::numeric_limits<double>::infinity();
  for (const auto& r : filters.entries_) filters.nextDeadline_ = std::min(filters.nextDeadline_, r.deadline);
  // Framework indexes may now point here in vain; compaction cleans them.
  if (filters.empty()) agents_.erase(it);
}

void OfferFilters::removeAgent(uint32_t agent) { agents_.erase(agent); }

void OfferFilters::removeFramework(uint32_t framework) {
  auto index = frameworks_.find(framework);
  if (index == frameworks_.end()) return;
  for (uint32_t agent : index->second.agents) {
    auto it = agents_.find(agent);
    if (it == agents_.end()) continue;
    it->second.dropIf([&](const AgentFilters::Refusal& r) { return r.framework == framework; });
    if (it->second.empty()) agents_.erase(it);
  }
  frameworks_.erase(index);
}

void OfferFilters::removeFramework(uint32_t framework, uint32_t role) {
  auto index = frameworks_.find(framework);
  if (index == frameworks_.end()) return;
  for (uint32_t agent : index->second.agents) {
    auto it = agents_.find(agent);
    if (it == agents_.end()) continue;
    it->second.dropIf([&](const AgentFilters::Refusal& r) { return r.framework == framework && r.role == role; });
    if (it->second.empty()) agents_.erase(it);
  }
  compact(framework, index->second, /*thorough=*/true);
  if (index->second.agents.empty()) frameworks_.erase(index);
}

size_t OfferFilters::size() {
  size_t n = 0;
  for (auto& [agent, filters] : agents_) n += filters.size();
  return n;
}

void OfferFilters::compact(uint32_t framework, FrameworkIndex& index, bool thorough) {
  std::sort(index.agents.begin(), index.agents.end());
  index.agents.erase(std::unique(index.agents.begin(), index.agents.end()), index.agents.end());
  std::erase_if(index.agents, [&](uint32_t agent) {
    auto it = agents_.find(agent);
    return it == agents_.end() || (thorough && !it->second.has(framework));
  });
  index.compactedSize = index.agents.size();
}

}  // namespace tepui::allocator
