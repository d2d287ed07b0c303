// Metrics in the Prometheus text exposition format 0.0.4, for
// /metrics/prometheus on the master and the agent.
//
// Naming rule, from a Snapshot's keys (common/metrics.hpp):
// - A key's family pattern loses its <label> segments, which become labels:
//   "allocator/mesos/roles/<role>/shares/dominant" with role "web" is
//   allocator_mesos_roles_shares_dominant{role="web"}.
// - Every character outside [a-zA-Z0-9_:] becomes '_' ("master/cpus_total"
//   is master_cpus_total); a leading digit gets a '_' before it.
// - A counter's name ends in _total (added unless already there) and its
//   family is `# TYPE ... counter`; every other metric is a gauge, whatever
//   its name ends with (master_cpus_total is a gauge).
// - Each family has a `# HELP` naming the Tepui key it comes from.
// Label values are escaped (\\, \", \n); values are written as the
// shortest decimal that reads back exactly, or NaN, +Inf, -Inf. Samples
// that come out with the same name and labels (keys that differ only in
// characters the rule turns into '_') are written once, the first in key
// order.
#pragma once

#include <functional>
#include <string>

#include "common/metrics.hpp"
#include "http/message.hpp"
#include "http/server.hpp"

namespace tepui::http {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheusName(const std::string& key);  // the rule above, for one key without labels
std::string prometheusText(const metrics::Snapshot& snapshot);
Response prometheusResponse(const metrics::Snapshot& snapshot);  // 200 with the text and its Content-Type
// A GET (or HEAD) handler answering with prometheusResponse(scrape()); 405
// for any other method.
Handler prometheusHandler(std::function<metrics::Snapshot()> scrape);

}  // namespace tepui::http
