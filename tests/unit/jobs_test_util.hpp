// Helpers shared by the jobs schedule tests: instants written as ISO text.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "jobs/iso_timestamp.hpp"

namespace tepui::jobs::testing {

// "2024-03-10T07:00:00Z" (or with an offset) as an instant; fails the test
// on bad text.
inline Millis at(const std::string& text) {
  Result<IsoTimestamp> t = parseIsoTimestamp(text);
  EXPECT_TRUE(t.ok()) << text << ": " << (t.ok() ? "" : t.error().message);
  return t.ok() ? t->instant() : Millis{};
}

// An instant as UTC text, for readable failures.
inline std::string utc(Millis instant) { return formatIsoTimestamp(instant, TimeZone()); }

inline TimeZone zone(const std::string& name) {
  Result<TimeZone> z = TimeZone::named(name);
  EXPECT_TRUE(z.ok()) << name;
  return z.ok() ? *z : TimeZone();
}

}  // namespace tepui::jobs::testing
