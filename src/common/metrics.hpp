// A daemon's metrics as one scrape sees them, under Mesos's key names.
//
// Each key ("master/tasks_finished") has a value and a kind: a counter only
// ever grows while the daemon runs; anything else is a gauge. A key with a
// variable path segment (a role, a resource name) is added through its
// family pattern, the key with each such segment written <label>
// ("allocator/mesos/roles/<role>/shares/dominant"), and the label values in
// order; the key is the pattern with the values put in. /metrics/snapshot
// (json()), GET_METRICS (values()) and /metrics/prometheus
// (http/prometheus.hpp, which turns labels into Prometheus labels) are all
// written from one Snapshot, so they always agree.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tepui/v1/mesos.pb.h"

namespace tepui::metrics {

enum class Kind { kGauge, kCounter };

using Labels = std::vector<std::pair<std::string, std::string>>;  // label name -> value, in pattern order

struct Metric {
  double value = 0;
  Kind kind = Kind::kGauge;
  std::string family;  // the pattern; the key itself when it has no labels
  std::string name;    // the pattern without its <label> segments: "allocator/mesos/roles/shares/dominant"
  Labels labels;
};

class Snapshot {
 public:
  void gauge(const std::string& key, double value) { add(key, {}, value, Kind::kGauge); }
  void counter(const std::string& key, double value) { add(key, {}, value, Kind::kCounter); }
  // `labelValues` fill the pattern's <label> segments in order; a value may
  // itself hold '/' (a hierarchical role). A pattern whose <label> count
  // differs from the values given is a programming error (it aborts).
  void gauge(const std::string& pattern, const std::vector<std::string>& labelValues, double value) {
    add(pattern, labelValues, value, Kind::kGauge);
  }
  void counter(const std::string& pattern, const std::vector<std::string>& labelValues, double value) {
    add(pattern, labelValues, value, Kind::kCounter);
  }

  const std::map<std::string, Metric>& entries() const { return entries_; }
  std::map<std::string, double> values() const;
  // The /metrics/snapshot body: {"key": number, ...}; whole numbers are
  // written as integers; NaN and infinities (which JSON cannot hold) as null.
  std::string json() const;

 private:
  void add(const std::string& pattern, const std::vector<std::string>& labelValues, double value, Kind kind);

  std::map<std::string, Metric> entries_;
};

// "tasks_<state>" as Mesos names it: TASK_GONE_BY_OPERATOR -> "tasks_gone_by_operator".
std::string taskStateKey(v1::TaskState state);

// Adds prefix + taskStateKey(s) for each of `states`, of `kind`, from
// `counts` (TaskState -> count; absent is 0).
template <typename Count>
void addTaskStates(Snapshot& snapshot, const std::string& prefix, std::initializer_list<v1::TaskState> states,
                   const std::map<int, Count>& counts, Kind kind) {
  for (v1::TaskState state : states) {
    auto it = counts.find(state);
    double value = it == counts.end() ? 0.0 : static_cast<double>(it->second);
    if (kind == Kind::kCounter) {
      snapshot.counter(prefix + taskStateKey(state), value);
    } else {
      snapshot.gauge(prefix + taskStateKey(state), value);
    }
  }
}

// Fills a GET_METRICS response's `metrics` (master or agent: both have
// repeated Metric{name, value}).
template <typename GetMetrics>
void addTo(const Snapshot& snapshot, GetMetrics* out) {
  for (auto& [name, metric] : snapshot.entries()) {
    auto* m = out->add_metrics();
    m->set_name(name);
    m->set_value(metric.value);
  }
}

}  // namespace tepui::metrics
