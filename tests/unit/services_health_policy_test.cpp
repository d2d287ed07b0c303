// What one result of a check the services scheduler runs means: grace,
// consecutive failures, 0 = never kill, ignored 1xx, and an instance's
// health from all its checks.
#include <gtest/gtest.h>

#include "services/health_policy.hpp"

namespace tepui::services {
namespace {

const ProbeOutcome kPass{ProbeOutcome::Result::kPassed, ""};
const ProbeOutcome kFail{ProbeOutcome::Result::kFailed, "GET http://h:1/ returned 500"};
const ProbeOutcome kIgnored{ProbeOutcome::Result::kIgnored, "GET http://h:1/ returned 102"};

HealthCheck check(int64_t grace, int64_t maxFailures) {
  HealthCheck c;
  c.gracePeriodSeconds = grace;
  c.maxConsecutiveFailures = maxFailures;
  return c;
}

TEST(HealthPolicyTest, FailuresWithinGraceAreIgnoredUntilTheFirstSuccess) {
  HealthCheck c = check(10, 1);
  HealthState s;
  // Started at 100: failures before 110 do not count.
  CheckVerdict v = recordProbe(c, 100, kFail, 105, s);
  EXPECT_FALSE(v.counted);
  EXPECT_FALSE(v.kill);
  EXPECT_FALSE(s.alive.has_value());
  EXPECT_EQ(s.consecutiveFailures, 0);
  // A success ends the grace at once...
  v = recordProbe(c, 100, kPass, 106, s);
  EXPECT_TRUE(v.counted);
  EXPECT_TRUE(v.aliveChanged);
  EXPECT_EQ(s.alive, true);
  EXPECT_EQ(s.firstSuccess, 106);
  // ...so the next failure counts, within the period, and kills (max 1).
  v = recordProbe(c, 100, kFail, 107, s);
  EXPECT_TRUE(v.counted);
  EXPECT_TRUE(v.aliveChanged);
  EXPECT_TRUE(v.kill);
  EXPECT_EQ(s.alive, false);
  EXPECT_EQ(s.lastFailureCause, kFail.cause);
}

TEST(HealthPolicyTest, AfterGraceFailuresCountAndKillAtTheLimit) {
  HealthCheck c = check(10, 3);
  HealthState s;
  EXPECT_TRUE(recordProbe(c, 100, kFail, 110, s).counted);  // the period is over at 110
  EXPECT_FALSE(recordProbe(c, 100, kFail, 111, s).kill);
  EXPECT_EQ(s.consecutiveFailures, 2);
  // A success resets the count.
  recordProbe(c, 100, kPass, 112, s);
  EXPECT_EQ(s.consecutiveFailures, 0);
  EXPECT_FALSE(recordProbe(c, 100, kFail, 113, s).kill);
  EXPECT_FALSE(recordProbe(c, 100, kFail, 114, s).kill);
  EXPECT_TRUE(recordProbe(c, 100, kFail, 115, s).kill);
  EXPECT_EQ(s.consecutiveFailures, 3);
  EXPECT_EQ(s.lastSuccess, 112);
  EXPECT_EQ(s.lastFailure, 115);
}

TEST(HealthPolicyTest, ZeroMaxConsecutiveFailuresNeverKills) {
  HealthCheck c = check(0, 0);
  HealthState s;
  for (int k = 0; k < 50; ++k) EXPECT_FALSE(recordProbe(c, 0, kFail, 1 + k, s).kill);
  EXPECT_EQ(s.alive, false);
  EXPECT_EQ(s.consecutiveFailures, 50);
}

TEST(HealthPolicyTest, AnIgnoredAnswerChangesNothing) {
  HealthCheck c = check(0, 1);
  HealthState s;
  recordProbe(c, 0, kPass, 1, s);
  CheckVerdict v = recordProbe(c, 0, kIgnored, 2, s);
  EXPECT_FALSE(v.counted);
  EXPECT_FALSE(v.kill);
  EXPECT_EQ(s.alive, true);
  EXPECT_EQ(s.lastSuccess, 1);
}

TEST(HealthPolicyTest, AnInstanceIsAliveOnlyWhenEveryCheckIs) {
  HealthState up, down, unknown;
  up.record(true, 10);
  down.record(true, 5);
  down.record(false, 12, "refused");
  EXPECT_FALSE(combinedHealth({}).alive.has_value());
  EXPECT_EQ(combinedHealth({up, up}).alive, true);
  EXPECT_FALSE(combinedHealth({up, unknown}).alive.has_value());
  HealthState combined = combinedHealth({up, down, unknown});
  EXPECT_EQ(combined.alive, false);
  EXPECT_EQ(combined.consecutiveFailures, 1);
  EXPECT_EQ(combined.lastFailure, 12);
  EXPECT_EQ(combined.lastFailureCause, "refused");
  // Success times count once every check has passed.
  EXPECT_FALSE(combined.firstSuccess.has_value());
  HealthState both = combinedHealth({up, down});
  EXPECT_EQ(both.firstSuccess, 10);
  EXPECT_EQ(both.lastSuccess, 5);
}

}  // namespace
}  // namespace tepui::services
