#include "services/task_stats.hpp"

#include <algorithm>

#include "common/iso_time.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

std::optional<bj::object> statsOf(const std::vector<const Instance*>& instances, double now) {
  if (instances.empty()) return std::nullopt;
  int64_t staged = 0, running = 0, healthy = 0, unhealthy = 0;
  std::vector<double> lifetimes;
  for (const Instance* i : instances) {
    if (i->state == v1::TASK_STAGING || i->state == v1::TASK_STARTING) staged++;
    if (i->running()) running++;
    if (i->health.alive == true) healthy++;
    if (i->health.alive == false) unhealthy++;
    if (i->startedAt) lifetimes.push_back(std::max(0.0, now - *i->startedAt));
  }
  bj::object stats{
      {"counts", bj::object{{"staged", staged}, {"running", running}, {"healthy", healthy}, {"unhealthy", unhealthy}}}};
  if (!lifetimes.empty()) {
    std::sort(lifetimes.begin(), lifetimes.end());
    double sum = 0;
    for (double l : lifetimes) sum += l;
    size_t n = lifetimes.size();
    double median = n % 2 ? lifetimes[n / 2] : (lifetimes[n / 2 - 1] + lifetimes[n / 2]) / 2;
    stats["lifeTime"] = bj::object{{"averageSeconds", sum / static_cast<double>(n)}, {"medianSeconds", median}};
  }
  return bj::object{{"stats", std::move(stats)}};
}

}  // namespace

bj::object taskStatsJson(const AppDefinition& app, const std::vector<const Instance*>& instances, double now) {
  std::vector<const Instance*> all, afterScaling, latest, outdated;
  auto lastScaling = iso_time::parse(app.versionInfo.lastScalingAt);
  for (const Instance* i : instances) {
    if (i->scheduled || i->terminal()) continue;
    all.push_back(i);
    if (!lastScaling || i->stagedAt >= *lastScaling) afterScaling.push_back(i);
    (i->configVersion == app.versionInfo.lastConfigChangeAt ? latest : outdated).push_back(i);
  }
  bj::object out;
  auto add = [&](const char* name, const std::vector<const Instance*>& group) {
    if (auto stats = statsOf(group, now)) out[name] = std::move(*stats);
  };
  add("startedAfterLastScaling", afterScaling);
  add("withLatestConfig", latest);
  add("withOutdatedConfig", outdated);
  add("totalSummary", all);
  return out;
}

}  // namespace tepui::services
