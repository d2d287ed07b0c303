#include "jobs/iso8601.hpp"

#include <algorithm>

#include "jobs/iso_digits.hpp"
#include "jobs/iso_timestamp.hpp"

namespace tepui::jobs {

namespace {

Error scheduleError(std::string_view text, const std::string& why) {
  return Error("the schedule '" + std::string(text) + "' " + why + " (expected R[n]/<start>/<period>)");
}

}  // namespace

Result<IsoSchedule> parseIsoSchedule(std::string_view text, std::string_view timeZone, Millis now) {
  std::size_t firstSlash = text.find('/');
  std::size_t lastSlash = text.rfind('/');
  if (firstSlash == std::string_view::npos || firstSlash == lastSlash) {
    return scheduleError(text, "does not have three parts separated by '/'");
  }
  std::string_view repeat = text.substr(0, firstSlash);
  std::string_view startText = text.substr(firstSlash + 1, lastSlash - firstSlash - 1);
  std::string_view periodText = text.substr(lastSlash + 1);

  IsoSchedule s;
  if (repeat.empty() || repeat.front() != 'R') return scheduleError(text, "does not start with R");
  std::string_view count = repeat.substr(1);
  if (!count.empty()) {
    Digits n = takeDigits(count);
    if (!count.empty() || n.overflow) {
      return scheduleError(
          text, "has a repetition count '" + std::string(repeat.substr(1)) + "' that is not a whole number of runs");
    }
    s.remaining = n.value;
  }
  if (periodText.empty()) return scheduleError(text, "has no period");
  Result<IsoPeriod> period = parseIsoPeriod(periodText);
  if (!period) return period.error();
  s.period = *period;

  if (!timeZone.empty()) {
    Result<TimeZone> zone = TimeZone::named(timeZone);
    if (!zone) return zone.error();
    s.zone = *zone;
  }
  if (startText.empty()) {
    s.start = now - std::chrono::seconds(1);
    return s;
  }
  Result<IsoTimestamp> start = parseIsoTimestamp(startText);
  if (!start) return start.error();
  if (timeZone.empty()) {
    s.zone = TimeZone::fixed(start->offset.value_or(std::chrono::seconds(0)));
    s.start = start->instant();
  } else {
    s.start = s.zone.resolve(start->local, start->offset.value_or(std::chrono::seconds(0)));
  }
  if (s.start < Millis{}) return scheduleError(text, "starts before 1970");
  return s;
}

std::string formatIsoSchedule(const IsoSchedule& s) {
  std::string repeat = s.remaining ? "R" + std::to_string(*s.remaining) : "R";
  return repeat + "/" + formatIsoTimestamp(s.start, s.zone) + "/" + formatIsoPeriod(s.period);
}

Millis isoSlotAfter(const IsoSchedule& s, Millis t) {
  if (s.start > t) return s.start;
  if (!s.period.hasDateFields()) {
    // Exact periods: no need to step through every missed one.
    // A zero period never comes from the parser; stepping 1 ms keeps a
    // hand-made one from dividing by zero.
    auto step = std::max(s.period.exactPart(), std::chrono::milliseconds(1));
    return s.start + step * ((t - s.start) / step + 1);
  }
  Millis next = s.start;
  while (next <= t) next = addPeriod(next, s.period, s.zone);
  return next;
}

IsoSchedule advanceAfterLaunch(const IsoSchedule& s, Millis now) {
  IsoSchedule next = s;
  next.start = isoSlotAfter(s, std::max(now, s.start));
  if (next.remaining && *next.remaining > 0) --*next.remaining;
  return next;
}

}  // namespace tepui::jobs
