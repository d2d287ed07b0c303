// Snapshot: keys from patterns, and the /metrics/snapshot JSON.
#include "common/metrics.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>

#include "common/json.hpp"
#include "common/logging.hpp"

namespace tepui::metrics {

namespace {
[[noreturn]] void mismatch(const std::string& pattern, size_t values) {
  TLOG(ERROR) << "The metric pattern " << pattern << " was given " << values << " label values";
  std::abort();
}
}  // namespace

void Snapshot::add(const std::string& pattern, const std::vector<std::string>& labelValues, double value, Kind kind) {
  Metric metric{value, kind, pattern, {}, {}};
  std::string key;
  size_t next = 0, at = 0;
  while (at < pattern.size()) {
    size_t open = pattern.find('<', at);
    size_t close = open == std::string::npos ? std::string::npos : pattern.find('>', open);
    if (close == std::string::npos) {
      key += pattern.substr(at);
      metric.name += pattern.substr(at);
      break;
    }
    if (next >= labelValues.size()) mismatch(pattern, labelValues.size());
    key += pattern.substr(at, open - at) + labelValues[next];
    metric.name += pattern.substr(at, open - at);
    // A whole <label> segment leaves no empty segment behind.
    bool wholeSegment =
        (open == 0 || pattern[open - 1] == '/') && (close + 1 == pattern.size() || pattern[close + 1] == '/');
    if (wholeSegment && !metric.name.empty() && metric.name.back() == '/') metric.name.pop_back();
    metric.labels.emplace_back(pattern.substr(open + 1, close - open - 1), labelValues[next]);
    ++next;
    at = close + 1;
  }
  if (next != labelValues.size()) mismatch(pattern, labelValues.size());
  entries_.insert_or_assign(std::move(key), std::move(metric));
}

std::string taskStateKey(v1::TaskState state) {
  std::string name = v1::TaskState_Name(state);  // "TASK_GONE_BY_OPERATOR"
  std::string key = "tasks_";
  for (char c : name.substr(name.rfind("TASK_", 0) == 0 ? 5 : 0)) {
    key += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return key;
}

std::map<std::string, double> Snapshot::values() const {
  std::map<std::string, double> out;
  for (auto& [name, metric] : entries_) out.emplace(name, metric.value);
  return out;
}

std::string Snapshot::json() const {
  boost::json::object o;
  for (auto& [name, metric] : entries_) {
    double v = metric.value;
    if (!std::isfinite(v)) {
      o[name] = nullptr;
    } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
      o[name] = static_cast<int64_t>(v);  // counts as integers, as they always were
    } else {
      o[name] = v;
    }
  }
  return json::serialize(o);
}

}  // namespace tepui::metrics
