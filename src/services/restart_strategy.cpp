#include "services/restart_strategy.hpp"

#include <algorithm>
#include <cmath>

namespace tepui::services {

namespace {
constexpr double kMargin = 1e-9;
}

RestartStrategy restartStrategy(int64_t instances, double minimumHealthCapacity, double maximumOverCapacity,
                                int64_t healthyOld, int64_t runningOld, bool resident) {
  if (instances <= 0) return {.killImmediately = std::max<int64_t>(0, runningOld), .maxCapacity = 0, .minHealthy = 0};
  double n = static_cast<double>(instances);
  RestartStrategy out;
  out.minHealthy = static_cast<int64_t>(std::ceil(n * minimumHealthCapacity - kMargin));
  out.maxCapacity = static_cast<int64_t>(std::floor(n * (1 + maximumOverCapacity) + kMargin));
  out.killImmediately = std::max<int64_t>(0, healthyOld - out.minHealthy);
  if (out.minHealthy == out.maxCapacity && out.maxCapacity <= healthyOld) {
    if (resident) {
      out.killImmediately = healthyOld - out.minHealthy + 1;
    } else {
      out.maxCapacity += 1;
    }
  }
  if (runningOld > instances) out.killImmediately = std::max(out.killImmediately, runningOld - instances);
  return out;
}

}  // namespace tepui::services
