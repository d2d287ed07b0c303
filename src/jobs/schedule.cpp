#include "jobs/schedule.hpp"

#include <algorithm>

namespace tepui::jobs {

Result<Schedule> Schedule::parse(std::string_view text, std::string_view timeZone, Millis now) {
  TimeZone zone;
  if (!timeZone.empty()) {
    Result<TimeZone> named = TimeZone::named(timeZone);
    if (!named) return named.error().context("scheduleTimeZone");
    zone = *named;
  }
  Schedule s;
  if (!text.empty() && text.front() == 'R') {
    Result<IsoSchedule> iso = parseIsoSchedule(text, timeZone, now);
    if (!iso) return iso.error().context("schedule");
    s.state_ = *iso;
    return s;
  }
  if (!looksLikeCron(text)) {
    return Error("schedule: '" + std::string(text) +
                 "' is neither an ISO 8601 repeating interval (R[n]/<start>/<period>) nor a cron expression (5 "
                 "fields or an @alias such as @daily)");
  }
  Result<CronExpression> cron = parseCron(text);
  if (!cron) return cron.error().context("schedule");
  s.state_ = CronState{*cron, zone, cronNextAfter(*cron, now, zone)};
  return s;
}

Schedule Schedule::resume(Millis lastDue) const {
  Schedule s = *this;
  if (auto* c = std::get_if<CronState>(&s.state_)) c->next = cronNextAfter(c->cron, lastDue, c->zone);
  return s;
}

std::optional<Millis> Schedule::nextDue() const {
  if (const auto* iso = std::get_if<IsoSchedule>(&state_)) {
    if (iso->exhausted()) return std::nullopt;
    return iso->start;
  }
  return std::get<CronState>(state_).next;
}

std::optional<std::int64_t> Schedule::remaining() const {
  if (const auto* iso = std::get_if<IsoSchedule>(&state_)) return iso->remaining;
  return std::nullopt;
}

std::optional<Millis> Schedule::slotAfter(Millis t) const {
  std::optional<Millis> due = nextDue();
  if (!due) return std::nullopt;
  if (*due > t) return due;
  if (const auto* iso = std::get_if<IsoSchedule>(&state_)) return isoSlotAfter(*iso, t);
  const CronState& c = std::get<CronState>(state_);
  return cronNextAfter(c.cron, t, c.zone);
}

std::optional<Millis> Schedule::slotFollowing(Millis slot) const {
  if (const auto* iso = std::get_if<IsoSchedule>(&state_)) return addPeriod(slot, iso->period, iso->zone);
  const CronState& c = std::get<CronState>(state_);
  return cronNextAfter(c.cron, slot, c.zone);
}

Schedule Schedule::afterRuns(std::int64_t runs, Millis now) const {
  Schedule s = *this;
  if (auto* iso = std::get_if<IsoSchedule>(&s.state_)) {
    iso->start = isoSlotAfter(*iso, std::max(now, iso->start));
    if (iso->remaining) *iso->remaining = std::max<std::int64_t>(0, *iso->remaining - runs);
    return s;
  }
  CronState& c = std::get<CronState>(s.state_);
  if (c.next) c.next = cronNextAfter(c.cron, std::max(now, *c.next), c.zone);
  return s;
}

std::string Schedule::format() const {
  if (const auto* iso = std::get_if<IsoSchedule>(&state_)) return formatIsoSchedule(*iso);
  return std::get<CronState>(state_).cron.text;
}

const TimeZone& Schedule::zone() const {
  if (const auto* iso = std::get_if<IsoSchedule>(&state_)) return iso->zone;
  return std::get<CronState>(state_).zone;
}

}  // namespace tepui::jobs
