#include "jobs/job_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace tepui::jobs {

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = q * static_cast<double>(sorted.size() + 1);
  if (rank < 1) return sorted.front();
  if (rank >= static_cast<double>(sorted.size())) return sorted.back();
  const double below = sorted[static_cast<size_t>(rank) - 1];
  const double above = sorted[static_cast<size_t>(rank)];
  return below + (rank - std::floor(rank)) * (above - below);
}

RunHistogram runHistogram(std::vector<double> durationsMillis) {
  RunHistogram h;
  if (durationsMillis.empty()) return h;
  std::sort(durationsMillis.begin(), durationsMillis.end());
  h.count = static_cast<int64_t>(durationsMillis.size());
  h.mean = std::accumulate(durationsMillis.begin(), durationsMillis.end(), 0.0) / static_cast<double>(h.count);
  h.median = quantile(durationsMillis, 0.5);
  h.p75 = quantile(durationsMillis, 0.75);
  h.p95 = quantile(durationsMillis, 0.95);
  h.p98 = quantile(durationsMillis, 0.98);
  h.p99 = quantile(durationsMillis, 0.99);
  return h;
}

boost::json::object histogramJson(const RunHistogram& h) {
  return boost::json::object{{"75thPercentile", h.p75}, {"95thPercentile", h.p95}, {"98thPercentile", h.p98},
                             {"99thPercentile", h.p99}, {"median", h.median},      {"mean", h.mean},
                             {"count", h.count}};
}

Result<boost::json::array> statsByPercentile(const std::map<std::string, std::vector<double>>& durationsByJob,
                                             const std::string& percentile) {
  static const std::map<std::string, double RunHistogram::*> kFigures{
      {"75thPercentile", &RunHistogram::p75}, {"95thPercentile", &RunHistogram::p95},
      {"98thPercentile", &RunHistogram::p98}, {"99thPercentile", &RunHistogram::p99},
      {"median", &RunHistogram::median},      {"mean", &RunHistogram::mean}};
  auto figure = kFigures.find(percentile);
  if (figure == kFigures.end()) {
    return Error("unknown statistic '" + percentile +
                 "' (75thPercentile, 95thPercentile, 98thPercentile, 99thPercentile, median or mean)");
  }
  std::vector<std::pair<double, std::string>> rows;
  for (const auto& [name, durations] : durationsByJob) {
    if (durations.empty()) continue;
    rows.emplace_back(runHistogram(durations).*(figure->second), name);
  }
  // Slowest first; equal times in name order.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  boost::json::array out;
  for (const auto& [millis, name] : rows)
    out.push_back(boost::json::object{{"jobNameLabel", name}, {"time", millis / 1000.0}});
  return out;
}

}  // namespace tepui::jobs
