// What one result of a health check the services scheduler runs itself
// means for an instance (Marathon's semantics, reference section 1.4):
//
// - A probe passes, fails, or is ignored (an HTTP 1xx answer when the check
//   says ignoreHttp1xx: the instance's health stays as it was).
// - Grace: a failure is not counted while the instance is within
//   gracePeriodSeconds of its start and has never passed this check.
// - Kill: once maxConsecutiveFailures counted failures follow each other
//   (0: never, the meaning of 0 for checks the scheduler runs).
// - An instance is alive only when every one of its checks is: false as
//   soon as one check is false, unknown while any check has no result.
//
// Pure functions over HealthState (instance.hpp); times are epoch seconds
// passed in by the caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/app.hpp"
#include "services/instance.hpp"

namespace tepui::services {

struct ProbeOutcome {
  enum class Result { kPassed, kFailed, kIgnored };
  Result result = Result::kFailed;
  std::string cause;  // why it failed or was ignored ("" when it passed)
};

struct CheckVerdict {
  bool counted = false;       // recorded in the state (not ignored, not within grace)
  bool aliveChanged = false;  // the check's alive flag changed
  bool kill = false;          // maxConsecutiveFailures reached: kill and replace
};

// Records `outcome` of one probe of `check` at `now` in `state`, for an
// instance that started running at `startedAt`.
CheckVerdict recordProbe(const HealthCheck& check, double startedAt, const ProbeOutcome& outcome, double now,
                         HealthState& state);

// The instance's health from its checks' states: alive only when all are,
// with the latest failure's time and cause, the most consecutive failures
// of any check, the time all of them had first passed and the oldest of
// their last successes.
HealthState combinedHealth(const std::vector<HealthState>& checks);

}  // namespace tepui::services
