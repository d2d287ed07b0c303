// Forgetting agents that are not coming back: every --registry_gc_interval
// the registry drops the unreachable and the gone agents recorded longer
// ago than --registry_max_agent_age, and the oldest beyond
// --registry_max_agent_count of each kind, as Mesos does. The records go
// from the registry first, then from memory, with the unreachable tasks of
// those agents; afterwards such an agent and its tasks are unknown
// (reconciliation answers TASK_UNKNOWN), and an agent that comes back is
// admitted like any returning agent, with its tasks.
#include <algorithm>
#include <map>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {

// The records (id -> since) to forget: too old, or the oldest beyond
// `maxCount`.
template <typename Records, typename Since>
std::map<std::string, double> expired(const Records& records, Since since, double oldest, size_t maxCount) {
  std::vector<std::pair<double, std::string>> bySince;
  for (const auto& [id, record] : records) bySince.emplace_back(since(record), id);
  std::sort(bySince.begin(), bySince.end());
  std::map<std::string, double> out;
  size_t left = bySince.size();
  for (const auto& [when, id] : bySince) {
    if (when >= oldest && left <= maxCount) break;
    out[id] = when;
    --left;
  }
  return out;
}

}  // namespace

void MasterImpl::scheduleRegistryGc() {
  registryGc_.expires_after(clock::seconds(flags_.registry_gc_interval.count()));
  registryGc_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    pruneRegistry();
    scheduleRegistryGc();
  });
}

void MasterImpl::pruneRegistry() {
  double oldest = clock::wallSeconds() - flags_.registry_max_agent_age.count();
  auto maxCount = static_cast<size_t>(flags_.registry_max_agent_count);
  auto unreachable = expired(
      unreachableAgents_, [](const UnreachableAgent& a) { return a.since; }, oldest, maxCount);
  auto gone = expired(
      goneAgents_, [](double since) { return since; }, oldest, maxCount);
  if (unreachable.empty() && gone.empty()) return;
  std::vector<registry::Write> writes;
  for (auto& [id, since] : unreachable) {
    writes.push_back(forgetUnreachableWrite(id));
    if (deactivatedAgents_.count(id)) writes.push_back(deactivatedWrite(id, false));
  }
  for (auto& [id, since] : gone) writes.push_back(forgetGoneWrite(id));
  persist(std::move(writes), [this, unreachable, gone](const Status& s) {
    if (!s) {
      TLOG(ERROR) << "Failed to prune the registry (tried again later): " << s.error().message;
      return;
    }
    // Unless the agent came back (and was lost again) meanwhile.
    for (auto& [id, since] : unreachable) {
      auto it = unreachableAgents_.find(id);
      if (it == unreachableAgents_.end() || it->second.since != since) {
        // Back meanwhile: its deactivation, if any, is written again.
        if (deactivatedAgents_.count(id)) persist({deactivatedWrite(id, true)}, [](const Status&) {});
        continue;
      }
      unreachableAgents_.erase(it);
      deactivatedAgents_.erase(id);
      // Its tasks are forgotten too (reconciliation: TASK_UNKNOWN).
      for (auto& [frameworkId, f] : frameworks_) {
        std::erase_if(f.unreachableTasks, [&](const v1::Task& t) { return t.agent_id().value() == id; });
      }
    }
    for (auto& [id, since] : gone) {
      if (auto it = goneAgents_.find(id); it != goneAgents_.end() && it->second == since) goneAgents_.erase(it);
    }
    TLOG(INFO) << "Forgot " << unreachable.size() << " unreachable and " << gone.size()
               << " gone agent(s) past --registry_max_agent_age or --registry_max_agent_count";
  });
}

}  // namespace tepui::master
