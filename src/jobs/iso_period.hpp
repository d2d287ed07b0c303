// ISO 8601 durations as Chronos-compatible schedules use them:
// P[n]Y[n]M[n]W[n]DT[n]H[n]M[n]S, where P is required, T separates the date
// part from the time part (P10M is ten months, PT10M ten minutes), and only
// the seconds may have a fraction (".5" or ",5"; kept to the millisecond).
//
// Adding a period to an instant in a zone follows Joda-Time's Period
// arithmetic, field by field in the order Y, M, W, D, H, M, S:
//   - date fields add calendar units to the local wall-clock time, so P1D
//     keeps 20:00 across a daylight-saving change, and a day of month that
//     does not exist is clamped (Jan 31 + P1M = Feb 28 or 29; Feb 29 + P1Y =
//     Feb 28); the local result is turned back into an instant with
//     TimeZone::resolve, preferring the offset the instant had;
//   - time fields add exact elapsed time, so PT24H is 24 real hours.
// Parsing refuses negative, empty and zero periods with a message naming the
// text; nothing here throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "jobs/time_zone.hpp"

namespace tepui::jobs {

struct IsoPeriod {
  std::int64_t years = 0;
  std::int64_t months = 0;
  std::int64_t weeks = 0;
  std::int64_t days = 0;
  std::int64_t hours = 0;
  std::int64_t minutes = 0;
  std::int64_t seconds = 0;
  std::int64_t millis = 0;  // the seconds' fraction, 0..999

  bool hasDateFields() const { return years != 0 || months != 0 || weeks != 0 || days != 0; }
  // The time fields as one exact length (all of the period when it has no
  // date fields).
  std::chrono::milliseconds exactPart() const;
  bool operator==(const IsoPeriod&) const = default;
};

Result<IsoPeriod> parseIsoPeriod(std::string_view text);
// Joda's ISO form: "PT2M", "P1D", "P1Y2M3W4DT5H6M7.500S".
std::string formatIsoPeriod(const IsoPeriod& period);

// `instant` + `period` in `zone`, as the header comment describes.
Millis addPeriod(Millis instant, const IsoPeriod& period, const TimeZone& zone);

}  // namespace tepui::jobs
