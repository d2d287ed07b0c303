// Time zones for job schedules: a tz database zone (America/New_York, read
// from the operating system's /usr/share/zoneinfo) or a fixed UTC offset (what
// an ISO 8601 start such as "2014-03-08T20:00:00-05:00" carries).
//
// Contract: converts instants to local wall-clock time and back. A local time
// may be unique, ambiguous (a fall-back overlap: it happens twice) or
// non-existent (a spring-forward gap); `mapLocal` reports which, and
// `resolve` picks one instant the way Joda-Time's non-strict conversion does,
// so that schedules behave as Chronos-compatible clients expect:
//   - in a gap, the local time is read with the offset in force before the
//     gap, i.e. it moves forward by the gap's length (02:30 -> 03:30);
//   - in an overlap, the preferred offset if it is one of the two (Joda keeps
//     the offset of the instant the arithmetic started from), else the
//     earlier instant.
// Zones are immutable and cheap to copy; the tz database is loaded once.
#pragma once

#include <date/tz.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::jobs {

using Millis = std::chrono::sys_time<std::chrono::milliseconds>;
using LocalMillis = date::local_time<std::chrono::milliseconds>;

// Where a local wall-clock time falls.
struct LocalMapping {
  enum class Kind { kUnique, kAmbiguous, kGap };
  Kind kind = Kind::kUnique;
  // kUnique: the instant (both fields). kAmbiguous: the earlier and the later
  // instant. kGap: `first` is the local time read with the offset before the
  // gap (Joda's answer), `second` the instant the gap ends (the transition).
  Millis first;
  Millis second;
};

class TimeZone {
 public:
  // UTC.
  TimeZone() = default;
  // A tz database name ("Europe/Berlin", "UTC"); an error names the zone.
  static Result<TimeZone> named(std::string_view name);
  static TimeZone fixed(std::chrono::seconds offset);

  // The offset from UTC in force at `instant`.
  std::chrono::seconds offsetAt(Millis instant) const;
  LocalMillis toLocal(Millis instant) const { return LocalMillis{(instant + offsetAt(instant)).time_since_epoch()}; }
  LocalMapping mapLocal(LocalMillis local) const;
  // One instant for `local`, as the contract above describes.
  Millis resolve(LocalMillis local, std::optional<std::chrono::seconds> preferredOffset = std::nullopt) const;

  // The tz name, or "" for a fixed offset.
  const std::string& name() const { return name_; }
  bool operator==(const TimeZone& other) const { return zone_ == other.zone_ && fixed_ == other.fixed_; }

 private:
  const date::time_zone* zone_ = nullptr;  // null: the fixed offset below
  std::chrono::seconds fixed_{0};
  std::string name_;
};

}  // namespace tepui::jobs
