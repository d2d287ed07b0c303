// Mesos-style duration parsing and formatting (see duration.hpp).
#include "common/duration.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace tepui {

namespace {
constexpr std::pair<std::string_view, double> kUnits[] = {
    {"ns", 1e-9},   {"us", 1e-6},      {"ms", 1e-3},      {"secs", 1.0},
    {"mins", 60.0}, {"hrs", 3600.0},   {"days", 86400.0}, {"weeks", 604800.0},
};
}  // namespace

Result<Seconds> parseDuration(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string_view number = text.substr(0, i), unit = text.substr(i);
  double value = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || p != number.data() + number.size() || !std::isfinite(value)) {
    return Error("invalid duration '" + std::string(text) + "'");
  }
  if (unit.empty()) return Seconds(value);
  for (auto& [name, scale] : kUnits) {
    if (unit == name) return Seconds(value * scale);
  }
  return Error("invalid duration '" + std::string(text) +
               "': unit must be one of ns, us, ms, secs, mins, hrs, days, weeks");
}

std::string formatDuration(Seconds d) {
  double s = d.count();
  // Pick the largest unit in which the value is a whole number, else secs.
  for (int i = 7; i >= 0; --i) {
    double v = s / kUnits[i].second;
    if (v >= 1 && std::fabs(v - std::round(v)) < 1e-9) {
      return std::to_string(static_cast<long long>(std::llround(v))) + std::string(kUnits[i].first);
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%gsecs", s);
  return buf;
}

}  // namespace tepui
