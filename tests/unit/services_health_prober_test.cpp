// The services leader's prober, with a fake probe and a fake clock: what is
// probed when, the bound on probes in flight, kills, forgetting.
#include <gtest/gtest.h>

#include "services/health_prober.hpp"

namespace tepui::services {
namespace {

struct Pending {
  ProbeTarget target;
  ProbeDone done;
};

class HealthProberTest : public ::testing::Test {
 protected:
  std::unique_ptr<HealthProber> makeProber(size_t maxConcurrent) {
    return std::make_unique<HealthProber>(
        [this](const ProbeTarget& t, ProbeDone d) {
          pending.push_back({t, std::move(d)});
        },
        [this] { return now; }, maxConcurrent,
        [this](const ProbeReport& r) {
          reports.push_back({r.instanceId, r.check, r.verdict, r.states});
        },
        &counters);
  }

  // Ends the oldest probe in flight with `result`.
  void answer(ProbeOutcome::Result result) {
    ASSERT_FALSE(pending.empty());
    Pending p = std::move(pending.front());
    pending.pop_front();
    p.done({result, result == ProbeOutcome::Result::kPassed ? "" : "refused"});
  }

  static HealthCheck httpCheck(int64_t interval, int64_t maxFailures) {
    HealthCheck c;
    c.protocol = "HTTP";
    c.path = "/health";
    c.portIndex = 0;
    c.gracePeriodSeconds = 0;
    c.intervalSeconds = interval;
    c.timeoutSeconds = 2;
    c.maxConsecutiveFailures = maxFailures;
    return c;
  }

  static ProbedInstance instance(const std::string& id, std::vector<HealthCheck> checks) {
    return {id, "host-" + id, {31000, 31001}, 0, std::move(checks)};
  }

  struct Seen {
    std::string id;
    size_t check;
    CheckVerdict verdict;
    std::vector<HealthState> states;
  };
  double now = 100;
  HealthProbeCounters counters;
  std::deque<Pending> pending;
  std::vector<Seen> reports;
};

TEST_F(HealthProberTest, EachCheckIsProbedAtOnceThenEveryInterval) {
  HealthCheck tcp = httpCheck(5, 3);
  tcp.protocol = "TCP";
  tcp.portIndex = 1;
  HealthCheck fixed = httpCheck(10, 3);
  fixed.portIndex.reset();
  fixed.port = 8080;
  auto prober = makeProber(10);
  std::vector<ProbedInstance> running{instance("a", {httpCheck(5, 3), tcp, fixed})};
  prober->update(running);
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].target.protocol, "HTTP");
  EXPECT_EQ(pending[0].target.host, "host-a");
  EXPECT_EQ(pending[0].target.port, 31000);
  EXPECT_EQ(pending[0].target.path, "/health");
  EXPECT_EQ(pending[0].target.timeoutSeconds, 2);
  EXPECT_EQ(pending[1].target.protocol, "TCP");
  EXPECT_EQ(pending[1].target.port, 31001);
  EXPECT_EQ(pending[2].target.port, 8080);
  // Still in flight when due again: not probed twice.
  now = 106;
  prober->update(running);
  EXPECT_EQ(pending.size(), 3u);
  answer(ProbeOutcome::Result::kPassed);
  answer(ProbeOutcome::Result::kPassed);
  answer(ProbeOutcome::Result::kPassed);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports.back().states.size(), 3u);
  // Due at 105 (the first two) and 110 (the third).
  now = 107;
  prober->update(running);
  EXPECT_EQ(pending.size(), 2u);
  now = 110;
  prober->update(running);
  EXPECT_EQ(pending.size(), 3u);
}

TEST_F(HealthProberTest, AtMostMaxConcurrentProbesAreInFlight) {
  auto prober = makeProber(2);
  prober->update({instance("a", {httpCheck(60, 3), httpCheck(60, 3)}), instance("b", {httpCheck(60, 3)})});
  EXPECT_EQ(pending.size(), 2u);
  EXPECT_EQ(prober->inFlight(), 2u);
  EXPECT_EQ(prober->queued(), 1u);
  EXPECT_EQ(counters.inFlight, 2u);
  EXPECT_EQ(counters.queued, 1u);
  answer(ProbeOutcome::Result::kPassed);
  EXPECT_EQ(counters.passed, 1u);
  // The queued probe starts as one ends.
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending.back().target.host, "host-b");
  EXPECT_EQ(prober->queued(), 0u);
}

TEST_F(HealthProberTest, ConsecutiveFailuresOfOneCheckKillAndEndTheProbing) {
  auto prober = makeProber(10);
  std::vector<ProbedInstance> running{instance("a", {httpCheck(1, 2), httpCheck(1, 0)})};
  for (int round = 0; round < 2; ++round) {
    prober->update(running);
    ASSERT_EQ(pending.size(), 2u);
    answer(ProbeOutcome::Result::kPassed);  // check 0 passes
    answer(ProbeOutcome::Result::kFailed);  // check 1 fails, never kills (0)
    now += 1;
  }
  EXPECT_FALSE(reports.back().verdict.kill);
  EXPECT_EQ(reports.back().states[1].consecutiveFailures, 2);
  EXPECT_EQ(reports.back().states[0].alive, true);
  prober->update(running);
  answer(ProbeOutcome::Result::kFailed);  // check 0: 1 of 2
  EXPECT_FALSE(reports.back().verdict.kill);
  answer(ProbeOutcome::Result::kFailed);
  now += 1;
  prober->update(running);
  answer(ProbeOutcome::Result::kFailed);  // check 0: 2 of 2
  EXPECT_TRUE(reports.back().verdict.kill);
  EXPECT_EQ(reports.back().check, 0u);
  EXPECT_EQ(counters.kills, 1u);
  EXPECT_EQ(counters.passed, 2u);
  EXPECT_EQ(counters.failed, 5u);
  // Check 1's probe in flight still reports; nothing is probed after.
  size_t seen = reports.size();
  answer(ProbeOutcome::Result::kFailed);
  EXPECT_EQ(reports.size(), seen);
  now += 5;
  prober->update(running);
  EXPECT_TRUE(pending.empty());
}

TEST_F(HealthProberTest, InstancesLeftOutAreForgottenAndComeBackUnknown) {
  auto prober = makeProber(10);
  std::vector<ProbedInstance> running{instance("a", {httpCheck(1, 3)})};
  prober->update(running);
  answer(ProbeOutcome::Result::kPassed);
  ASSERT_NE(prober->states("a"), nullptr);
  EXPECT_EQ(prober->states("a")->at(0).alive, true);
  now += 1;
  prober->update(running);
  ASSERT_EQ(pending.size(), 1u);
  // Unreachable (left out) while its probe is in flight.
  prober->update({});
  EXPECT_EQ(prober->states("a"), nullptr);
  answer(ProbeOutcome::Result::kFailed);
  EXPECT_EQ(reports.size(), 1u);  // the late result is dropped
  EXPECT_EQ(prober->inFlight(), 0u);
  // Back: from unknown, probed at once.
  prober->update(running);
  ASSERT_NE(prober->states("a"), nullptr);
  EXPECT_FALSE(prober->states("a")->at(0).alive.has_value());
  EXPECT_EQ(pending.size(), 1u);
}

TEST_F(HealthProberTest, NoReportAfterTheProberIsGone) {
  auto prober = makeProber(10);
  prober->update({instance("a", {httpCheck(1, 3)})});
  EXPECT_EQ(counters.inFlight, 1u);
  prober.reset();
  EXPECT_EQ(counters.inFlight, 0u);
  answer(ProbeOutcome::Result::kPassed);
  EXPECT_TRUE(reports.empty());
}

}  // namespace
}  // namespace tepui::services
