// Digit scanning shared by the ISO 8601 timestamp and period parsers (private
// to src/jobs). Never throws; overflow is reported, not wrapped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tepui::jobs {

struct Digits {
  std::int64_t value = 0;   // the digits as a whole number
  int count = 0;            // how many digits were taken
  bool overflow = false;    // more than 15 digits: value is meaningless
  std::int64_t millis = 0;  // the digits read as a fraction of a second, in ms (truncated)
};

// Takes the leading ASCII digits of `text` off it.
inline Digits takeDigits(std::string_view& text) {
  Digits d;
  while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
    int digit = text.front() - '0';
    if (d.count < 15) {
      d.value = d.value * 10 + digit;
    } else {
      d.overflow = true;
    }
    if (d.count < 3) d.millis += digit * (d.count == 0 ? 100 : d.count == 1 ? 10 : 1);
    ++d.count;
    text.remove_prefix(1);
  }
  return d;
}

// 0..999 as three digits: 5 -> "005".
inline std::string threeDigits(std::int64_t v) {
  std::string s = std::to_string(v);
  return std::string(s.size() < 3 ? 3 - s.size() : 0, '0') + s;
}

}  // namespace tepui::jobs
