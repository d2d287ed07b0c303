// ISO 8601 timestamps as the start of a Chronos-compatible schedule:
// YYYY-MM-DD[Thh[:mm[:ss[.fff]]]][Z|+hh|+hh:mm|+hhmm|-...]. The fraction
// may have any number of digits and is kept to the millisecond (truncated);
// "," works as the decimal sign too. Without an offset the time is UTC.
// Errors name the text and what is wrong with it; nothing throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "jobs/time_zone.hpp"

namespace tepui::jobs {

struct IsoTimestamp {
  LocalMillis local;                           // the wall-clock fields as written
  std::optional<std::chrono::seconds> offset;  // as written; none when absent

  // The instant: the written offset, or UTC when there is none.
  Millis instant() const { return Millis{local.time_since_epoch() - offset.value_or(std::chrono::seconds(0))}; }
};

Result<IsoTimestamp> parseIsoTimestamp(std::string_view text);
// "2014-03-08T20:00:00.000Z", or "...-05:00": `instant` in `zone`'s local
// time with that zone's offset at the instant (Joda's ISO dateTime form).
std::string formatIsoTimestamp(Millis instant, const TimeZone& zone);

}  // namespace tepui::jobs
