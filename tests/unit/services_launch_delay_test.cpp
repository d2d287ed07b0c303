#include <gtest/gtest.h>

#include "services/launch_delay.hpp"

namespace tepui::services {
namespace {

TEST(LaunchDelayTest, NoDelayBeforeAFailure) {
  LaunchDelays d;
  EXPECT_TRUE(d.mayLaunch("/a", "v1", 100));
  EXPECT_FALSE(d.delay("/a", "v1", 100));
}

TEST(LaunchDelayTest, GrowsByTheFactorUpToTheMaximum) {
  LaunchDelays d;
  BackoffPolicy p{.backoffSeconds = 1, .backoffFactor = 2, .maxLaunchDelaySeconds = 5};
  d.failed("/a", "v1", p, 100);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 100)->seconds, 1);
  EXPECT_FALSE(d.mayLaunch("/a", "v1", 100.5));
  EXPECT_TRUE(d.mayLaunch("/a", "v1", 101));
  d.failed("/a", "v1", p, 101);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 101)->seconds, 2);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 101)->deadline, 103);
  d.failed("/a", "v1", p, 103);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 103)->seconds, 4);
  d.failed("/a", "v1", p, 107);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 107)->seconds, 5);  // capped
  d.failed("/a", "v1", p, 112);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 112)->seconds, 5);
}

TEST(LaunchDelayTest, ANewVersionAndOtherAppsStartFresh) {
  LaunchDelays d;
  BackoffPolicy p{.backoffSeconds = 10, .backoffFactor = 2, .maxLaunchDelaySeconds = 100};
  d.failed("/a", "v1", p, 0);
  EXPECT_FALSE(d.mayLaunch("/a", "v1", 5));
  EXPECT_TRUE(d.mayLaunch("/a", "v2", 5));
  EXPECT_TRUE(d.mayLaunch("/b", "v1", 5));
}

TEST(LaunchDelayTest, ResetForgetsEveryVersionOfTheApp) {
  LaunchDelays d;
  BackoffPolicy p{.backoffSeconds = 10, .backoffFactor = 2, .maxLaunchDelaySeconds = 100};
  d.failed("/a", "v1", p, 0);
  d.failed("/a", "v2", p, 0);
  d.failed("/a/b", "v1", p, 0);
  d.reset("/a");
  EXPECT_TRUE(d.mayLaunch("/a", "v1", 1));
  EXPECT_TRUE(d.mayLaunch("/a", "v2", 1));
  EXPECT_FALSE(d.mayLaunch("/a/b", "v1", 1));  // another app
}

TEST(LaunchDelayTest, AQuietPeriodStartsTheBackoffAgain) {
  LaunchDelays d;
  BackoffPolicy p{.backoffSeconds = 1, .backoffFactor = 3, .maxLaunchDelaySeconds = 10};
  d.failed("/a", "v1", p, 0);
  d.failed("/a", "v1", p, 1);  // 3 s, deadline 4
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 1)->seconds, 3);
  EXPECT_TRUE(d.delay("/a", "v1", 14));     // 10 s past the deadline: still known
  EXPECT_FALSE(d.delay("/a", "v1", 14.5));  // beyond: forgotten
  d.failed("/a", "v1", p, 20);
  EXPECT_DOUBLE_EQ(d.delay("/a", "v1", 20)->seconds, 1);
}

}  // namespace
}  // namespace tepui::services
