#include "common/iso_time.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace tepui::iso_time {

std::string format(double epochSeconds) {
  // To the nearest millisecond: 1443469657.681 is 1443469657.680999... in
  // binary.
  long long total = std::llround(epochSeconds * 1000);
  long long seconds = total / 1000, millis = total % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return out;
}

namespace {

// Reads exactly `n` digits at `pos` into `out`.
bool digits(std::string_view s, size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool literal(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<double> parse(std::string_view s) {
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!digits(s, pos, 4, year) || !literal(s, pos, '-') || !digits(s, pos, 2, month) || !literal(s, pos, '-') ||
      !digits(s, pos, 2, day) || !literal(s, pos, 'T') || !digits(s, pos, 2, hour) || !literal(s, pos, ':') ||
      !digits(s, pos, 2, minute) || !literal(s, pos, ':') || !digits(s, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  double fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    double scale = 0.1;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start || pos - start > 9) return std::nullopt;
  }
  int offsetSeconds = 0;
  if (literal(s, pos, 'Z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!digits(s, pos, 2, oh) || !literal(s, pos, ':') || !digits(s, pos, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offsetSeconds = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  // timegm normalises 31 April to 1 May: such a date is not a timestamp.
  std::tm back{};
  gmtime_r(&t, &back);
  if (back.tm_mday != day && second < 60) return std::nullopt;
  return static_cast<double>(t) - offsetSeconds + fraction;
}

}  // namespace tepui::iso_time
