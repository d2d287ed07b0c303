#include "jobs/iso_timestamp.hpp"

#include <cstdio>

#include "jobs/iso_digits.hpp"

namespace tepui::jobs {

namespace {

Error timestampError(std::string_view text, const std::string& why) {
  return Error("the start '" + std::string(text) + "' " + why +
               " (expected an ISO 8601 time such as 2014-03-08T20:00:00.000Z)");
}

// Exactly `width` digits off the front of `rest`, or nothing.
std::optional<int> takeFixed(std::string_view& rest, int width) {
  std::string_view probe = rest.substr(0, static_cast<std::size_t>(width));
  Digits d = takeDigits(probe);
  if (d.count != width) return std::nullopt;
  rest.remove_prefix(static_cast<std::size_t>(width));
  return static_cast<int>(d.value);
}

bool takeChar(std::string_view& rest, char c) {
  if (rest.empty() || rest.front() != c) return false;
  rest.remove_prefix(1);
  return true;
}

}  // namespace

Result<IsoTimestamp> parseIsoTimestamp(std::string_view text) {
  std::string_view rest = text;
  std::optional<int> year = takeFixed(rest, 4);
  if (!year || !takeChar(rest, '-')) return timestampError(text, "does not start with a four-digit year and '-'");
  std::optional<int> month = takeFixed(rest, 2);
  if (!month || !takeChar(rest, '-')) return timestampError(text, "has no two-digit month followed by '-'");
  std::optional<int> day = takeFixed(rest, 2);
  if (!day) return timestampError(text, "has no two-digit day");
  date::year_month_day ymd{date::year{*year}, date::month{static_cast<unsigned>(*month)},
                           date::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok()) return timestampError(text, "is not a calendar date");

  int hour = 0, minute = 0, second = 0;
  std::int64_t millis = 0;
  if (takeChar(rest, 'T')) {
    std::optional<int> h = takeFixed(rest, 2);
    if (!h || *h > 23) return timestampError(text, "has no hour 00-23 after T");
    hour = *h;
    if (takeChar(rest, ':')) {
      std::optional<int> m = takeFixed(rest, 2);
      if (!m || *m > 59) return timestampError(text, "has no minute 00-59");
      minute = *m;
      if (takeChar(rest, ':')) {
        std::optional<int> s = takeFixed(rest, 2);
        if (!s || *s > 59) return timestampError(text, "has no second 00-59");
        second = *s;
        if (takeChar(rest, '.') || takeChar(rest, ',')) {
          Digits fraction = takeDigits(rest);
          if (fraction.count == 0) return timestampError(text, "has a decimal sign without digits after it");
          millis = fraction.millis;
        }
      }
    }
  }

  IsoTimestamp out;
  out.local = date::local_days{ymd} + std::chrono::hours(hour) + std::chrono::minutes(minute) +
              std::chrono::seconds(second) + std::chrono::milliseconds(millis);
  if (takeChar(rest, 'Z')) {
    out.offset = std::chrono::seconds(0);
  } else if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    int sign = rest.front() == '-' ? -1 : 1;
    rest.remove_prefix(1);
    std::optional<int> oh = takeFixed(rest, 2);
    if (!oh || *oh > 23) return timestampError(text, "has an offset without two-digit hours");
    int om = 0;
    bool colon = takeChar(rest, ':');
    if (colon || !rest.empty()) {
      std::optional<int> m = takeFixed(rest, 2);
      if (!m || *m > 59) return timestampError(text, "has an offset without two-digit minutes");
      om = *m;
    }
    out.offset = std::chrono::seconds(sign * (*oh * 3600 + om * 60));
  }
  if (!rest.empty()) return timestampError(text, "has '" + std::string(rest) + "' left over");
  return out;
}

std::string formatIsoTimestamp(Millis instant, const TimeZone& zone) {
  std::chrono::seconds offset = zone.offsetAt(instant);
  LocalMillis local{instant.time_since_epoch() + offset};
  date::local_days day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::hh_mm_ss<std::chrono::milliseconds> tod{local - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()), static_cast<int>(tod.subseconds().count()));
  std::string out = buf;
  if (offset.count() == 0) return out + "Z";
  long total = offset.count() < 0 ? -offset.count() : offset.count();
  std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", offset.count() < 0 ? '-' : '+', total / 3600, (total % 3600) / 60);
  return out + buf;
}

}  // namespace tepui::jobs
