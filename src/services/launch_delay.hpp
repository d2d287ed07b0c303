// Launch backoff of the services scheduler (Marathon's launch delay).
//
// Contract:
// - Each app version that failed has a delay: its first failure sets it to
//   backoffSeconds, each further failure multiplies it by backoffFactor, up
//   to maxLaunchDelaySeconds. New instances of that version are not
//   launched before the deadline (the failure's time plus the delay).
// - Only failures count: TASK_FAILED, TASK_ERROR, and a TASK_FINISHED of a
//   service (which should never end). A kill does not (the caller decides).
// - A new version starts without a delay; reset() (DELETE
//   /v2/queue/{id}/delay) forgets an app's delays. A delay is also
//   forgotten after a quiet period: once maxLaunchDelaySeconds have passed
//   beyond its deadline without another failure, the next failure starts
//   again from backoffSeconds.
// - Times are epoch seconds passed in by the caller (tests drive them).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace tepui::services {

struct BackoffPolicy {
  double backoffSeconds = 1;
  double backoffFactor = 1.15;
  double maxLaunchDelaySeconds = 300;
};

class LaunchDelays {
 public:
  struct Delay {
    double seconds = 0;   // the current delay
    double deadline = 0;  // no launch of the version before this
  };

  // A task of `appId` at `version` failed at `now`.
  void failed(const std::string& appId, const std::string& version, const BackoffPolicy& policy, double now);
  // When instances of the version may be launched again (nothing: now).
  std::optional<Delay> delay(const std::string& appId, const std::string& version, double now) const;
  bool mayLaunch(const std::string& appId, const std::string& version, double now) const;
  // Forgets every delay of the app (all versions).
  void reset(const std::string& appId);

 private:
  struct Entry {
    Delay delay;
    double maxSeconds = 0;
  };
  static bool forgotten(const Entry& e, double now) { return now > e.delay.deadline + e.maxSeconds; }
  std::map<std::pair<std::string, std::string>, Entry> delays_;
};

}  // namespace tepui::services
