#include "common/iso_time.hpp"

#include <gtest/gtest.h>

namespace tepui {
namespace {

TEST(IsoTimeTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(iso_time::format(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso_time::format(1443469657.681), "2015-09-28T19:47:37.681Z");
  EXPECT_EQ(iso_time::format(951782400), "2000-02-29T00:00:00.000Z");  // a leap day
  EXPECT_EQ(iso_time::format(0.005), "1970-01-01T00:00:00.005Z");
}

TEST(IsoTimeTest, ParsesWhatItFormats) {
  for (double t : {0.0, 1443469657.681, 951782400.5, 4102444799.999}) {
    auto back = iso_time::parse(iso_time::format(t));
    ASSERT_TRUE(back) << t;
    EXPECT_NEAR(*back, t, 0.001);
  }
}

TEST(IsoTimeTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(iso_time::parse("2015-09-28T19:47:37Z"), 1443469657.0);
  EXPECT_EQ(iso_time::parse("2015-09-28T21:47:37+02:00"), 1443469657.0);
  EXPECT_EQ(iso_time::parse("2015-09-28T14:47:37-05:00"), 1443469657.0);
  EXPECT_NEAR(*iso_time::parse("2015-09-28T19:47:37.681123456Z"), 1443469657.681123456, 1e-6);
}

TEST(IsoTimeTest, RefusesWhatIsNotATimestamp) {
  for (const char* bad :
       {"", "2015-09-28", "2015-09-28T19:47:37", "2015-13-01T00:00:00Z", "2015-04-31T00:00:00Z", "2015-09-28T24:00:00Z",
        "2015-09-28T19:47:37.Z", "2015-09-28T19:47:37Zjunk", "2015-09-28 19:47:37Z", "2015-09-28T19:47:37+0200"}) {
    EXPECT_FALSE(iso_time::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace tepui
