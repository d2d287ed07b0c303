// Standard 5-field cron expressions, an alternative form of a job's
// `schedule` beyond what Chronos offers: "minute hour day-of-month month
// day-of-week", each field "*", a value, a range "a-b", a list "a,b-c", and a
// step "*/n", "a-b/n" or "a/n" (= a to the field's end, every n). Months
// and days of week may be named (JAN-DEC, SUN-SAT, any case); day of week 0
// and 7 are both Sunday. The aliases @yearly (@annually), @monthly,
// @weekly, @daily (@midnight) and @hourly stand for their usual 5 fields.
//
// Days follow the classic rule: when both day fields are restricted, a day
// matches if EITHER matches; when either begins with '*' (cronie's test,
// so "*/2" counts as unrestricted) both must match.
//
// Next fire times are computed in a zone, with daylight-saving changes
// handled as cronie handles them:
//   - a "fixed-time" expression (neither minute nor hour begins with '*')
//     whose time falls in a spring-forward gap runs once, right when the gap
//     ends; in a fall-back overlap it runs once, at the first occurrence;
//   - a "wildcard" expression (minute or hour begins with '*') follows the
//     clock as it is: skipped local times do not run, repeated local times
//     run again (so "0 * * * *" runs every real hour across both changes).
// Parsing refuses what can never fire (e.g. "0 0 30 2 *"), and errors name
// the field. Pure functions; nothing throws.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "jobs/time_zone.hpp"

namespace tepui::jobs {

struct CronExpression {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> daysOfMonth;  // 1..31
  std::bitset<13> months;       // 1..12
  std::bitset<7> daysOfWeek;    // 0 = Sunday .. 6
  bool dayOfMonthStar = false;  // the field begins with '*'
  bool dayOfWeekStar = false;
  bool wildcardTime = false;  // the minute or the hour field begins with '*'
  std::string text;           // as written (trimmed)

  // Whether the local calendar day `day` matches the day and month fields.
  bool matchesDay(date::local_days day) const;
};

Result<CronExpression> parseCron(std::string_view text);

// Whether `text` has the cron form (an @alias, or five fields) rather than
// the ISO 8601 form (which begins with 'R'); used to tell them apart.
bool looksLikeCron(std::string_view text);

// The first fire time strictly after `t` in `zone`; none if there is none in
// the next ten years.
std::optional<Millis> cronNextAfter(const CronExpression& cron, Millis t, const TimeZone& zone);

}  // namespace tepui::jobs
