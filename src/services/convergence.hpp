// Convergence: what to do with one app's instances so that they become
// what the app asks for, decided from scratch from the instances as they
// are (so it needs no memory of its own, and a new leader that loaded the
// instances goes on exactly where the old one stopped).
//
// Contract (converge() is a pure function):
// - Instances whose goal is not RUNNING (being killed) and terminal ones
//   are ignored; the caller forgets terminal instances.
// - An unreachable instance counts as active until it has been unreachable
//   for inactiveAfterSeconds (then a replacement is scheduled), and is
//   listed in toExpunge once unreachable for expungeAfterSeconds. Without
//   an unreachable strategy it counts as active for ever.
// - An instance is current when its configVersion is the goal's (or when
//   the goal does not restart old instances: restartOld false, for apps no
//   deployment holds); others are old and are replaced by a rolling
//   restart:
//     minHealthy and maxCapacity as restart_strategy.hpp computes them;
//     new instances are scheduled while old + new active, and instances
//     of the app still being killed, stay below maxCapacity (never more
//     than N new), so that what runs never exceeds it; old instances that are not healthy are
//     killed at once; healthy old ones are killed while the healthy old
//     and new together stay at or above minHealthy, one more each time a
//     new instance becomes healthy (and ready). N = 0 kills every old one.
// - Without old instances: missing ones are scheduled, extra ones killed
//   (the picker chooses which: the app's killSelection and GROUP_BY).
// - A new instance counts as healthy when it runs and, if the app has
//   health checks, its last health result passed, and, if it has a
//   readiness check, it is ready; an old one when it runs and its last
//   health result (if any) passed.
// - complete: no old instance, N current active ones, all healthy, and
//   nothing of the app still being killed (a deployment ends only when
//   what it stopped has ended).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "services/instance.hpp"

namespace tepui::services {

struct AppGoal {
  std::string version;        // the app's version: what new instances get
  std::string configVersion;  // its lastConfigChangeAt
  int64_t instances = 0;
  double minimumHealthCapacity = 1.0;
  double maximumOverCapacity = 1.0;
  bool healthChecked = false;
  bool readinessChecked = false;
  std::optional<double> inactiveAfterSeconds;  // nothing: unreachableStrategy disabled
  std::optional<double> expungeAfterSeconds;
  bool restartOld = true;
};

struct Convergence {
  int64_t toSchedule = 0;
  std::vector<std::string> toKill;
  std::vector<std::string> toExpunge;
  bool complete = false;
  // What was counted (for /v2/deployments and the app's counts).
  int64_t oldActive = 0, newActive = 0, healthyOld = 0, healthyNew = 0, runningNew = 0;
  int64_t stopping = 0;  // being killed, not ended yet
};

// Picks `count` of `candidates` to kill, first to kill first.
using KillPicker =
    std::function<std::vector<std::string>(const std::vector<const Instance*>& candidates, size_t count)>;

// The picker used when the caller has no better one: instances not launched
// yet first, then those not running, then the youngest.
std::vector<std::string> youngestFirst(const std::vector<const Instance*>& candidates, size_t count);

Convergence converge(const AppGoal& goal, const std::vector<const Instance*>& instances, double now,
                     const KillPicker& pick = youngestFirst);

}  // namespace tepui::services
