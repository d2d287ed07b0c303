// Run statistics for /job/stat/{name} and /stats/{percentile}.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jobs/job_stats.hpp"

namespace tepui::jobs {
namespace {

TEST(JobsStats, HistogramOfDurations) {
  // 1..100 ms, shuffled: rank q*(n+1) interpolated.
  std::vector<double> d;
  for (int i = 100; i >= 1; --i) d.push_back(i);
  const RunHistogram h = runHistogram(d);
  EXPECT_EQ(h.count, 100);
  EXPECT_DOUBLE_EQ(h.mean, 50.5);
  EXPECT_DOUBLE_EQ(h.median, 50.5);
  EXPECT_DOUBLE_EQ(h.p75, 75.75);
  EXPECT_DOUBLE_EQ(h.p95, 95.95);
  EXPECT_DOUBLE_EQ(h.p98, 98.98);
  EXPECT_DOUBLE_EQ(h.p99, 99.99);
}

TEST(JobsStats, SmallAndEmptyHistograms) {
  const RunHistogram empty = runHistogram({});
  EXPECT_EQ(empty.count, 0);
  EXPECT_DOUBLE_EQ(empty.p99, 0);
  const RunHistogram one = runHistogram({7});
  EXPECT_DOUBLE_EQ(one.median, 7);
  EXPECT_DOUBLE_EQ(one.p99, 7);
  // Mean and median differ (Chronos printed the median as the mean).
  const RunHistogram skewed = runHistogram({1, 2, 3, 100});
  EXPECT_DOUBLE_EQ(skewed.mean, 26.5);
  EXPECT_DOUBLE_EQ(skewed.median, 2.5);
  EXPECT_DOUBLE_EQ(skewed.p99, 100);                   // rank past the end: the largest
  EXPECT_DOUBLE_EQ(quantile({1, 2, 3, 100}, 0.1), 1);  // rank before the start: the smallest
}

TEST(JobsStats, HistogramJsonHasChronosKeys) {
  RunHistogram h;
  h.p75 = 1;
  h.p95 = 2;
  h.p98 = 3;
  h.p99 = 4;
  h.median = 5;
  h.mean = 6;
  h.count = 7;
  EXPECT_EQ(boost::json::serialize(histogramJson(h)),
            R"({"75thPercentile":1E0,"95thPercentile":2E0,"98thPercentile":3E0,"99thPercentile":4E0,)"
            R"("median":5E0,"mean":6E0,"count":7})");
}

TEST(JobsStats, StatsByPercentileSlowestFirstInSeconds) {
  const std::map<std::string, std::vector<double>> runs = {
      {"fast", {100, 200}}, {"slow", {5000, 7000}}, {"never", {}}, {"also_fast", {150, 150}}};
  Result<boost::json::array> median = statsByPercentile(runs, "median");
  ASSERT_TRUE(median.ok()) << median.error().message;
  EXPECT_EQ(boost::json::serialize(*median),
            R"([{"jobNameLabel":"slow","time":6E0},{"jobNameLabel":"also_fast","time":1.5E-1},)"
            R"({"jobNameLabel":"fast","time":1.5E-1}])");
  Result<boost::json::array> bad = statsByPercentile(runs, "50thPercentile");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "unknown statistic '50thPercentile' (75thPercentile, 95thPercentile, 98thPercentile, 99thPercentile, "
            "median or mean)");
}

}  // namespace
}  // namespace tepui::jobs
