#include "services/convergence.hpp"

#include <algorithm>
#include <cmath>

#include "services/restart_strategy.hpp"

namespace tepui::services {

namespace {

bool unreachable(const Instance& i) { return !i.scheduled && i.state == v1::TASK_UNREACHABLE; }

bool healthyNew(const Instance& i, const AppGoal& goal) {
  if (i.scheduled || !i.running()) return false;
  if (goal.healthChecked && i.health.alive != true) return false;
  return !goal.readinessChecked || i.ready;
}

bool healthyOld(const Instance& i) { return !i.scheduled && i.running() && i.health.alive != false; }

void kill(Convergence& c, const std::vector<const Instance*>& from, size_t count, const KillPicker& pick) {
  if (count == 0 || from.empty()) return;
  for (auto& id : pick(from, std::min(count, from.size()))) c.toKill.push_back(id);
}

}  // namespace

std::vector<std::string> youngestFirst(const std::vector<const Instance*>& candidates, size_t count) {
  std::vector<const Instance*> order(candidates);
  auto rank = [](const Instance* i) { return i->scheduled ? 0 : i->running() ? 2 : 1; };
  std::stable_sort(order.begin(), order.end(), [&](const Instance* a, const Instance* b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (a->stagedAt != b->stagedAt) return a->stagedAt > b->stagedAt;
    return a->id < b->id;
  });
  std::vector<std::string> out;
  for (size_t k = 0; k < count && k < order.size(); ++k) out.push_back(order[k]->id);
  return out;
}

Convergence converge(const AppGoal& goal, const std::vector<const Instance*>& instances, double now,
                     const KillPicker& pick) {
  Convergence c;
  std::vector<const Instance*> current, old, unhealthyOldOnes, healthyOldOnes;
  for (const Instance* i : instances) {
    if (i->terminal()) continue;
    if (i->goal != Instance::Goal::RUNNING) {
      if (!i->scheduled) c.stopping++;
      continue;
    }
    if (unreachable(*i) && i->unreachableSince) {
      double away = now - *i->unreachableSince;
      if (goal.expungeAfterSeconds && away >= *goal.expungeAfterSeconds) {
        c.toExpunge.push_back(i->id);
        continue;
      }
      if (goal.inactiveAfterSeconds && away >= *goal.inactiveAfterSeconds) continue;
    }
    if (!goal.restartOld || i->configVersion == goal.configVersion) {
      current.push_back(i);
      if (healthyNew(*i, goal)) c.healthyNew++;
      if (!i->scheduled && i->running()) c.runningNew++;
    } else {
      old.push_back(i);
      (healthyOld(*i) ? healthyOldOnes : unhealthyOldOnes).push_back(i);
    }
  }
  c.healthyOld = static_cast<int64_t>(healthyOldOnes.size());
  c.oldActive = static_cast<int64_t>(old.size());
  c.newActive = static_cast<int64_t>(current.size());
  const int64_t n = std::max<int64_t>(goal.instances, 0);

  if (c.newActive > n) kill(c, current, static_cast<size_t>(c.newActive - n), pick);
  const int64_t keptNew = std::min(c.newActive, n);
  if (old.empty()) {
    c.toSchedule = n - keptNew;
    c.complete = c.newActive == n && c.healthyNew >= n && c.stopping == 0;
    return c;
  }
  if (n == 0) {
    kill(c, old, old.size(), pick);
    return c;
  }
  RestartStrategy bounds =
      restartStrategy(n, goal.minimumHealthCapacity, goal.maximumOverCapacity, c.healthyOld, c.oldActive);
  const int64_t minHealthy = bounds.minHealthy;
  // The strategy allows one instance of over-capacity when there is no room
  // at all; decided afresh each time, it must hold for the whole restart,
  // also once some old instances have gone.
  const int64_t maxCapacity = bounds.maxCapacity == minHealthy ? minHealthy + 1 : bounds.maxCapacity;
  // Old instances that are not healthy add nothing to the capacity that
  // must stay up: they go first.
  kill(c, unhealthyOldOnes, unhealthyOldOnes.size(), pick);
  int64_t healthy = std::min(c.healthyNew, n) + c.healthyOld;
  int64_t killHealthy = std::clamp<int64_t>(healthy - minHealthy, 0, c.healthyOld);
  kill(c, healthyOldOnes, static_cast<size_t>(killHealthy), pick);
  // Old instances killed now still run until they end: they take their
  // room until then (as those killed earlier, `stopping`, do).
  int64_t room = maxCapacity - c.oldActive - keptNew - c.stopping;
  c.toSchedule = std::clamp<int64_t>(std::min(n - keptNew, room), 0, n);
  return c;
}

}  // namespace tepui::services
