// The metrics Snapshot (keys from patterns, the /metrics/snapshot JSON) and
// its Prometheus text format: names, labels and their escaping, counters
// and gauges, NaN and infinities, one TYPE line per family.
#include "http/prometheus.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/metrics.hpp"

namespace tepui {
namespace {

using metrics::Kind;
using metrics::Snapshot;

TEST(MetricsSnapshotTest, PatternsGiveKeysWithTheLabelValuesPutIn) {
  Snapshot s;
  s.gauge("allocator/mesos/roles/<role>/shares/dominant", {"eng/web"}, 0.25);
  s.counter("master/tasks_finished", 3);
  auto& e = s.entries();
  ASSERT_EQ(e.count("allocator/mesos/roles/eng/web/shares/dominant"), 1u);
  auto& share = e.at("allocator/mesos/roles/eng/web/shares/dominant");
  EXPECT_EQ(share.family, "allocator/mesos/roles/<role>/shares/dominant");
  ASSERT_EQ(share.labels.size(), 1u);
  EXPECT_EQ(share.labels[0], (std::pair<std::string, std::string>{"role", "eng/web"}));
  EXPECT_EQ(share.kind, Kind::kGauge);
  EXPECT_EQ(e.at("master/tasks_finished").kind, Kind::kCounter);
  EXPECT_EQ(s.values().at("master/tasks_finished"), 3);
}

TEST(MetricsSnapshotTest, JsonWritesCountsAsIntegersAndNonFiniteAsNull) {
  Snapshot s;
  s.counter("a", 2);
  s.gauge("b", 0.5);
  s.gauge("c", std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(s.json(), R"({"a":2,"b":0.5,"c":null})");
}

TEST(MetricsSnapshotTest, TaskStateKeysAreMesosNames) {
  EXPECT_EQ(metrics::taskStateKey(v1::TASK_GONE_BY_OPERATOR), "tasks_gone_by_operator");
  EXPECT_EQ(metrics::taskStateKey(v1::TASK_STAGING), "tasks_staging");
  Snapshot s;
  std::map<int, int> counts{{v1::TASK_RUNNING, 2}};
  metrics::addTaskStates(s, "slave/", {v1::TASK_RUNNING, v1::TASK_KILLING}, counts, Kind::kGauge);
  EXPECT_EQ(s.values(), (std::map<std::string, double>{{"slave/tasks_killing", 0}, {"slave/tasks_running", 2}}));
}

TEST(PrometheusTest, NamesAreSanitisedAndCountersEndInTotal) {
  EXPECT_EQ(http::prometheusName("master/cpus_total"), "master_cpus_total");
  EXPECT_EQ(http::prometheusName("a.b-c/d:e"), "a_b_c_d:e");
  EXPECT_EQ(http::prometheusName("9lives"), "_9lives");
  Snapshot s;
  s.gauge("master/cpus_total", 16);
  s.counter("master/tasks_finished", 1);
  s.counter("master/already_total", 2);
  EXPECT_EQ(http::prometheusText(s),
            "# HELP master_already_total Tepui metric master/already_total\n"
            "# TYPE master_already_total counter\n"
            "master_already_total 2\n"
            "# HELP master_cpus_total Tepui metric master/cpus_total\n"
            "# TYPE master_cpus_total gauge\n"
            "master_cpus_total 16\n"
            "# HELP master_tasks_finished_total Tepui metric master/tasks_finished\n"
            "# TYPE master_tasks_finished_total counter\n"
            "master_tasks_finished_total 1\n");
}

TEST(PrometheusTest, VariableSegmentsBecomeLabelsOfOneFamily) {
  Snapshot s;
  s.gauge("allocator/mesos/roles/<role>/shares/dominant", {"web"}, 0.5);
  s.gauge("allocator/mesos/roles/<role>/shares/dominant", {"eng/db"}, 0.125);
  s.gauge("allocator/mesos/quota/roles/<role>/resources/<resource>/limit", {"web", "cpus"}, 4);
  EXPECT_EQ(http::prometheusText(s),
            "# HELP allocator_mesos_quota_roles_resources_limit Tepui metric "
            "allocator/mesos/quota/roles/<role>/resources/<resource>/limit\n"
            "# TYPE allocator_mesos_quota_roles_resources_limit gauge\n"
            "allocator_mesos_quota_roles_resources_limit{role=\"web\",resource=\"cpus\"} 4\n"
            "# HELP allocator_mesos_roles_shares_dominant Tepui metric allocator/mesos/roles/<role>/shares/dominant\n"
            "# TYPE allocator_mesos_roles_shares_dominant gauge\n"
            "allocator_mesos_roles_shares_dominant{role=\"eng/db\"} 0.125\n"
            "allocator_mesos_roles_shares_dominant{role=\"web\"} 0.5\n");
}

TEST(PrometheusTest, LabelValuesAreEscaped) {
  Snapshot s;
  s.gauge("x/<role>/y", {"a\"b\\c\nd"}, 1);
  auto text = http::prometheusText(s);
  EXPECT_NE(text.find("x_y{role=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(PrometheusTest, NonFiniteValuesAndFractionsAreWrittenAsTheFormatSays) {
  Snapshot s;
  s.gauge("a", std::numeric_limits<double>::quiet_NaN());
  s.gauge("b", std::numeric_limits<double>::infinity());
  s.gauge("c", -std::numeric_limits<double>::infinity());
  s.gauge("d", 0.1);
  s.gauge("e", 1e20);
  auto text = http::prometheusText(s);
  EXPECT_NE(text.find("\na NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nb +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nc -Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nd 0.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ne 1e+20\n"), std::string::npos) << text;
}

TEST(PrometheusTest, KeysThatSanitiseAlikeAreWrittenOnce) {
  Snapshot s;
  s.gauge("a-b", 1);
  s.gauge("a.b", 2);
  auto text = http::prometheusText(s);
  EXPECT_EQ(text, "# HELP a_b Tepui metric a-b\n# TYPE a_b gauge\na_b 1\n");
}

TEST(PrometheusTest, ResponseHasTheTextFormatContentType) {
  Snapshot s;
  s.gauge("a", 1);
  auto response = http::prometheusResponse(s);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace
}  // namespace tepui
