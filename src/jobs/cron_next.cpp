// cronNextAfter: the next fire time of a cron expression in a zone, with
// cronie's daylight-saving rules (see cron.hpp).
#include "jobs/cron.hpp"

namespace tepui::jobs {

namespace {

using std::chrono::hours;
using std::chrono::minutes;

// How far before `t`'s local time a local time may lie and still happen after
// `t` (the second pass through a fall-back overlap); real overlaps are at
// most two hours.
constexpr hours kOverlapMargin{3};
constexpr int kSearchDays = 366 * 10;

// The earliest instant a local time can stand for; non-decreasing in the
// local time, so the search can stop once it passes the best fire time.
Millis earliest(const LocalMapping& m) { return m.kind == LocalMapping::Kind::kGap ? m.second : m.first; }

}  // namespace

std::optional<Millis> cronNextAfter(const CronExpression& cron, Millis t, const TimeZone& zone) {
  LocalMillis from = zone.toLocal(t) - kOverlapMargin;
  date::local_days day = date::floor<date::days>(from);
  std::optional<Millis> best;
  auto consider = [&](Millis candidate) {
    if (candidate > t && (!best || candidate < *best)) best = candidate;
  };
  for (int i = 0; i < kSearchDays; ++i, day += date::days(1)) {
    // Fire times of later days come later (the margin covers overlaps).
    if (best && day > date::floor<date::days>(zone.toLocal(*best)) + date::days(1)) return best;
    if (!cron.matchesDay(day)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!cron.hours[static_cast<std::size_t>(h)]) continue;
      for (int m = 0; m < 60; ++m) {
        if (!cron.minutes[static_cast<std::size_t>(m)]) continue;
        LocalMillis local = day + hours(h) + minutes(m);
        if (local < from) continue;
        LocalMapping mapping = zone.mapLocal(local);
        if (best && earliest(mapping) > *best) return best;
        switch (mapping.kind) {
          case LocalMapping::Kind::kUnique: consider(mapping.first); break;
          case LocalMapping::Kind::kAmbiguous:
            consider(mapping.first);
            if (cron.wildcardTime) consider(mapping.second);
            break;
          case LocalMapping::Kind::kGap:
            if (!cron.wildcardTime) consider(mapping.second);
            break;
        }
      }
    }
  }
  return best;
}

}  // namespace tepui::jobs
