#include "services/launch_delay.hpp"

#include <algorithm>

namespace tepui::services {

void LaunchDelays::failed(const std::string& appId, const std::string& version, const BackoffPolicy& policy,
                          double now) {
  auto [it, created] = delays_.try_emplace({appId, version});
  Entry& e = it->second;
  if (created || forgotten(e, now)) {
    e.delay.seconds = policy.backoffSeconds;
  } else {
    e.delay.seconds = e.delay.seconds * policy.backoffFactor;
  }
  e.delay.seconds = std::min(e.delay.seconds, policy.maxLaunchDelaySeconds);
  e.delay.deadline = now + e.delay.seconds;
  e.maxSeconds = policy.maxLaunchDelaySeconds;
}

std::optional<LaunchDelays::Delay> LaunchDelays::delay(const std::string& appId, const std::string& version,
                                                       double now) const {
  auto it = delays_.find({appId, version});
  if (it == delays_.end() || forgotten(it->second, now)) return std::nullopt;
  return it->second.delay;
}

bool LaunchDelays::mayLaunch(const std::string& appId, const std::string& version, double now) const {
  auto d = delay(appId, version, now);
  return !d || now >= d->deadline;
}

void LaunchDelays::reset(const std::string& appId) {
  auto it = delays_.lower_bound({appId, ""});
  while (it != delays_.end() && it->first.first == appId) it = delays_.erase(it);
}

}  // namespace tepui::services
