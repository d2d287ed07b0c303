// A job's schedule, in either form its `schedule` field may take:
//   - ISO 8601, Chronos-compatible: "R[n]/<start>/<period>" (text beginning
//     with 'R'; see iso8601.hpp);
//   - cron: five fields or an @alias (see cron.hpp).
// Anything else is refused with a message saying which forms are accepted.
// `scheduleTimeZone` (a tz database name, or "" for UTC/the start's offset)
// applies to both.
//
// The state is what the scheduler needs: the next due time, how many runs
// remain (ISO "Rn"; unlimited for "R" and cron), and whether the schedule is
// exhausted (the job is then disabled). For the ISO form the state lives in
// the text itself (format() gives the next due time as Chronos does); for a
// cron schedule format() gives the expression back and the next due time is
// derived from the last due time the scheduler handled, which the caller
// keeps (see resume()).
//
// Errors from parse() begin with the field they concern: "schedule: ..." or
// "scheduleTimeZone: ...". Pure: the caller passes "now".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.hpp"
#include "jobs/cron.hpp"
#include "jobs/iso8601.hpp"

namespace tepui::jobs {

class Schedule {
 public:
  enum class Form { kIso8601, kCron };

  // A schedule as a job is created or replaced at `now`: an ISO schedule as
  // written (an empty start is now - 1 s); a cron schedule first due at its
  // first fire time after `now`.
  static Result<Schedule> parse(std::string_view text, std::string_view timeZone, Millis now);
  // A stored cron schedule whose last handled due time was `lastDue`: next
  // due at the first fire time after it. An ISO schedule is returned as it is
  // (its text already holds the next due time).
  Schedule resume(Millis lastDue) const;

  Form form() const { return std::holds_alternative<IsoSchedule>(state_) ? Form::kIso8601 : Form::kCron; }
  // The next due time; none when exhausted (or a cron expression that no
  // longer fires).
  std::optional<Millis> nextDue() const;
  // Runs left: n of "Rn"; none for unlimited.
  std::optional<std::int64_t> remaining() const;
  bool exhausted() const { return !nextDue().has_value(); }
  // The first slot of the schedule strictly after `t`, counting from the
  // next due time on (slots before it were handled already).
  std::optional<Millis> slotAfter(Millis t) const;
  // The slot that follows `slot`, itself a slot of this schedule; cheaper
  // than slotAfter for stepping through many.
  std::optional<Millis> slotFollowing(Millis slot) const;

  // After `runs` runs (0 if every due slot was dropped) were launched for
  // the slots up to `now`: the next due time is the first slot after `now`,
  // and `remaining` drops by `runs` (never below 0). afterLaunch(now) =
  // afterRuns(1, now) is Chronos 3's step.
  Schedule afterRuns(std::int64_t runs, Millis now) const;
  Schedule afterLaunch(Millis now) const { return afterRuns(1, now); }

  // What the job's `schedule` field shows: Chronos's ISO text with the next
  // due time, or the cron expression as written.
  std::string format() const;
  const TimeZone& zone() const;

  const IsoSchedule* iso() const { return std::get_if<IsoSchedule>(&state_); }

 private:
  Schedule() = default;  // only parse() makes one

  struct CronState {
    CronExpression cron;
    TimeZone zone;
    std::optional<Millis> next;
  };
  std::variant<IsoSchedule, CronState> state_;
};

}  // namespace tepui::jobs
