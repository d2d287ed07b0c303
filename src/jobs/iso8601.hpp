// ISO 8601 repeating intervals, R[n]/<start>/<period>, read and advanced as
// Chronos 3 does (the `schedule` field of a Chronos-compatible job):
//   - "R" repeats forever, "Rn" means n more runs, "R0" none (exhausted);
//   - an empty start means "now - 1 s", so the job is due at once;
//   - a start before 1970 is refused;
//   - with a scheduleTimeZone (a tz database name) the wall-clock fields of
//     the start are kept and re-read in that zone (Joda's
//     withZoneRetainFields); without one the start keeps its written offset
//     (UTC when it has none) and the period is added in that fixed offset.
// The stored schedule is the next due time: after a launch, the start moves
// by whole periods, one at a time (so that month-end clamping and DST follow
// the same steps whether or not launches were missed), until it lies after
// the launch time, and n drops by one. Missed periods thus collapse into one
// run (Chronos 3's behaviour; see misfire.hpp for the other policies).
// Pure functions of their arguments: the caller passes "now".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "jobs/iso_period.hpp"
#include "jobs/time_zone.hpp"

namespace tepui::jobs {

struct IsoSchedule {
  std::optional<std::int64_t> remaining;  // none: forever ("R")
  Millis start;                           // the next due time
  IsoPeriod period;
  TimeZone zone;  // the scheduleTimeZone, or the start's fixed offset

  bool exhausted() const { return remaining && *remaining <= 0; }
  bool operator==(const IsoSchedule&) const = default;
};

// `timeZone` is the job's scheduleTimeZone ("" for none). Errors name the
// part that is wrong ("the period 'P1X' has an unknown unit 'X' ...").
Result<IsoSchedule> parseIsoSchedule(std::string_view text, std::string_view timeZone, Millis now);
// Chronos's text, as GET /jobs shows it: "R9/2014-03-08T20:00:00.000Z/PT2M".
std::string formatIsoSchedule(const IsoSchedule& schedule);

// The first start + k periods (k >= 0, stepping one period at a time) that is
// after `t`.
Millis isoSlotAfter(const IsoSchedule& schedule, Millis t);
// The schedule after a run launched at `now`: start moved past `now` (by at
// least one period), remaining decremented once.
IsoSchedule advanceAfterLaunch(const IsoSchedule& schedule, Millis now);

}  // namespace tepui::jobs
