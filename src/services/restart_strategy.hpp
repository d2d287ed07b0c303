// The arithmetic of a rolling restart (Marathon-compatible), for an app of
// `instances` (N) instances whose upgradeStrategy is
// {minimumHealthCapacity, maximumOverCapacity}, when `healthyOld` of its
// `runningOld` old instances are healthy:
//   minHealthy      = ceil(N x minimumHealthCapacity): healthy instances to keep
//   maxCapacity     = floor(N x (1 + maximumOverCapacity)): old + new at most
//   killImmediately = max(0, healthyOld - minHealthy) old instances killed
//                     before any new one starts; more when more than N old
//                     instances run (the extra ones go too).
// When minHealthy == maxCapacity and healthyOld >= maxCapacity no new
// instance could start: a resident app (persistent volumes, cannot exceed
// capacity) kills one instance more than otherwise (healthyOld - minHealthy
// + 1); any other app is allowed one instance of over-capacity.
// After that, the runtime launches while old + new < maxCapacity and kills
// one old instance per new instance that is healthy and ready.
// With N = 0 every running old instance is killed. Products are rounded
// with a 1e-9 margin so that floating-point noise (10 x 0.7) never moves a
// count. Pure function.
#pragma once

#include <cstdint>

namespace tepui::services {

struct RestartStrategy {
  int64_t killImmediately = 0;
  int64_t maxCapacity = 0;
  int64_t minHealthy = 0;
  bool operator==(const RestartStrategy&) const = default;
};

RestartStrategy restartStrategy(int64_t instances, double minimumHealthCapacity, double maximumOverCapacity,
                                int64_t healthyOld, int64_t runningOld, bool resident = false);

}  // namespace tepui::services
