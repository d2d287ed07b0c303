#include "services/health_policy.hpp"

#include <algorithm>

namespace tepui::services {

CheckVerdict recordProbe(const HealthCheck& check, double startedAt, const ProbeOutcome& outcome, double now,
                         HealthState& state) {
  CheckVerdict verdict;
  if (outcome.result == ProbeOutcome::Result::kIgnored) return verdict;
  bool passed = outcome.result == ProbeOutcome::Result::kPassed;
  bool inGrace = !state.firstSuccess && now < startedAt + static_cast<double>(check.gracePeriodSeconds);
  if (!passed && inGrace) return verdict;
  std::optional<bool> before = state.alive;
  state.record(passed, now, outcome.cause);
  verdict.counted = true;
  verdict.aliveChanged = before != state.alive;
  verdict.kill = !passed && check.maxConsecutiveFailures > 0 &&
                 state.consecutiveFailures >= static_cast<int>(check.maxConsecutiveFailures);
  return verdict;
}

HealthState combinedHealth(const std::vector<HealthState>& checks) {
  HealthState out;
  if (checks.empty()) return out;
  bool allKnown = true, anyDead = false, allPassedOnce = true;
  for (const HealthState& c : checks) {
    allKnown = allKnown && c.alive.has_value();
    anyDead = anyDead || c.alive == false;
    allPassedOnce = allPassedOnce && c.firstSuccess.has_value();
    out.consecutiveFailures = std::max(out.consecutiveFailures, c.consecutiveFailures);
    if (c.lastFailure && (!out.lastFailure || *c.lastFailure > *out.lastFailure)) {
      out.lastFailure = c.lastFailure;
      out.lastFailureCause = c.lastFailureCause;
    }
    if (c.lastSuccess && (!out.lastSuccess || *c.lastSuccess < *out.lastSuccess)) out.lastSuccess = c.lastSuccess;
    if (c.firstSuccess && (!out.firstSuccess || *c.firstSuccess > *out.firstSuccess)) {
      out.firstSuccess = c.firstSuccess;
    }
  }
  if (anyDead) {
    out.alive = false;
  } else if (allKnown) {
    out.alive = true;
  }
  if (!allPassedOnce) out.firstSuccess.reset();
  // A success counts only once every check has had one.
  if (!allPassedOnce) out.lastSuccess.reset();
  return out;
}

}  // namespace tepui::services
