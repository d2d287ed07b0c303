// Run-time statistics of jobs, for Chronos's `GET /job/stat/{name}` (the
// `histogram`) and `GET /stats/{percentile}`, computed from run durations
// in milliseconds (the run history is the Store's; callers pass a list).
//
// Percentiles interpolate between the sorted durations at rank
// q * (n + 1), clamped to the smallest and largest (the estimate of the
// metrics library Chronos reports with). `mean` is the arithmetic mean
// (Chronos printed the median under that name). With no runs every figure
// is 0 and count is 0.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace tepui::jobs {

struct RunHistogram {
  double median = 0;
  double mean = 0;
  double p75 = 0;
  double p95 = 0;
  double p98 = 0;
  double p99 = 0;
  int64_t count = 0;
};

RunHistogram runHistogram(std::vector<double> durationsMillis);

// The q-quantile (0 <= q <= 1) of `sorted` (ascending), as above.
double quantile(const std::vector<double>& sorted, double q);

// {"75thPercentile", "95thPercentile", "98thPercentile", "99thPercentile",
// "median", "mean", "count"}, in milliseconds.
boost::json::object histogramJson(const RunHistogram& histogram);

// `GET /stats/{percentile}`: for each job with at least one run,
// {"jobNameLabel": name, "time": seconds}, slowest first. `percentile` is
// one of the keys of histogramJson but "count"; another is an error.
Result<boost::json::array> statsByPercentile(const std::map<std::string, std::vector<double>>& durationsByJob,
                                             const std::string& percentile);

}  // namespace tepui::jobs
