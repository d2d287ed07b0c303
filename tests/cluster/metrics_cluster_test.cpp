// In-process cluster tests of the metrics over real HTTP: the master's and
// the agent's /metrics/snapshot keys after a task ran to the end, the same
// values in /metrics/prometheus (with a role as a label), and the agent's
// GET_METRICS in Mesos's shape with the keys of its /metrics/snapshot.
#include <boost/json.hpp>

#include "cluster.hpp"
#include "common/json.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"
#include "tepui/v1/agent.pb.h"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

// The /metrics/snapshot object of `endpoint` as name -> number.
std::map<std::string, double> snapshot(const http::Endpoint& endpoint) {
  std::map<std::string, double> out;
  auto response = httpGet(endpoint, "/metrics/snapshot");
  EXPECT_EQ(response.status, 200);
  bj::error_code ec;
  auto parsed = bj::parse(response.body, ec);
  if (ec || !parsed.is_object()) {
    ADD_FAILURE() << response.body;
    return out;
  }
  for (auto& [key, value] : parsed.as_object()) out[std::string(key)] = value.to_number<double>();
  return out;
}

class MetricsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31010]");
    ASSERT_TRUE(cluster_.agentRegistered(0));
    agent_ = {"127.0.0.1", cluster_.agent(0).call([](agent::Agent& a) { return a.port(); })};
  }

  Cluster cluster_;
  http::Endpoint agent_;
};

TEST_F(MetricsClusterTest, AFinishedTaskIsCountedByTheMasterAndTheAgent) {
  auto info = frameworkInfo("metered");
  info.set_role("web");
  TestScheduler s(cluster_.masterEndpoint(), info);
  s.subscribe();
  s.launch({commandTask("short", "true")});
  s.waitFor("short", v1::TASK_FINISHED);

  // The terminal update is acknowledged: the task leaves both sides.
  std::map<std::string, double> master, agent;
  EXPECT_TRUE(eventually([&] {
    master = snapshot(cluster_.masterEndpoint());
    agent = snapshot(agent_);
    return master["master/tasks_finished"] == 1 && agent["slave/executors_terminated"] == 1 &&
           agent["slave/status_updates_pending"] == 0 && master["master/valid_status_update_acknowledgements"] >= 3;
  })) << "master/tasks_finished "
      << master["master/tasks_finished"];
  EXPECT_EQ(master["master/tasks_running"], 0);
  EXPECT_EQ(master["master/tasks_failed"], 0);
  EXPECT_EQ(master["master/messages_register_framework"], 1);
  EXPECT_EQ(master["master/messages_reregister_framework"], 0);
  EXPECT_EQ(master["master/messages_register_slave"], 1);
  EXPECT_EQ(master["master/messages_launch_tasks"], 1);
  // STARTING, RUNNING, FINISHED, each acknowledged.
  EXPECT_EQ(master["master/valid_status_updates"], 3);
  EXPECT_EQ(master["master/messages_status_update"], 3);
  EXPECT_EQ(master["master/messages_status_update_acknowledgement"], 3);
  EXPECT_EQ(master["master/frameworks_active"], 1);
  EXPECT_EQ(master["master/slaves_active"], 1);
  EXPECT_EQ(master["master/cpus_total"], 2);
  EXPECT_EQ(master["allocator/mesos/resources/cpus/total"], 2);
  EXPECT_EQ(master.count("allocator/mesos/roles/web/shares/dominant"), 1u);
  EXPECT_GE(master["allocator/mesos/allocation_runs"], 1);

  EXPECT_EQ(agent["slave/registered"], 1);
  EXPECT_EQ(agent["slave/tasks_finished"], 1);
  EXPECT_EQ(agent["slave/tasks_running"], 0);
  EXPECT_EQ(agent["slave/tasks_failed"], 0);
  EXPECT_EQ(agent["slave/executors_running"], 0);
  EXPECT_EQ(agent["slave/valid_status_updates"], 3);
  EXPECT_EQ(agent["slave/invalid_status_updates"], 0);
  EXPECT_EQ(agent["slave/container_launch_errors"], 0);
  EXPECT_EQ(agent["slave/frameworks_active"], 0);  // it forgets a framework with nothing left there
  EXPECT_EQ(agent["slave/cpus_total"], 2);
  EXPECT_EQ(agent["slave/cpus_used"], 0);
  for (auto* m : {&master, &agent}) {
    for (const char* key : {"system/cpus_total", "system/load_1min", "system/load_5min", "system/load_15min",
                            "system/mem_total_bytes", "system/mem_free_bytes"}) {
      EXPECT_EQ(m->count(key), 1u) << key;
    }
  }

  // The same counts in the Prometheus text format; the role is a label.
  auto text = httpGet(cluster_.masterEndpoint(), "/metrics/prometheus");
  EXPECT_EQ(text.status, 200);
  EXPECT_EQ(text.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text.body.find("\n# TYPE master_tasks_finished_total counter\nmaster_tasks_finished_total 1\n"),
            std::string::npos)
      << text.body;
  EXPECT_NE(text.body.find("\n# TYPE master_cpus_total gauge\nmaster_cpus_total 2\n"), std::string::npos);
  EXPECT_NE(text.body.find("\nallocator_mesos_roles_shares_dominant{role=\"web\"} "), std::string::npos);
  text = httpGet(agent_, "/metrics/prometheus");
  EXPECT_EQ(text.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text.body.find("\nslave_tasks_finished_total 1\n"), std::string::npos) << text.body;
}

// The master keeps its live-task gauges as tasks change rather than walking
// them: after launches, a kill and a teardown they still match the tasks
// its /master/state lists.
TEST_F(MetricsClusterTest, LiveTaskGaugesFollowTasksThroughKillAndTeardown) {
  TestScheduler s(cluster_.masterEndpoint(), frameworkInfo("counted"));
  s.subscribe();
  s.launch({commandTask("c", "true")}, 0.0);
  s.untilTerminal({"c"});
  s.launch({commandTask("a", "sleep 1000"), commandTask("b", "sleep 1000")});
  ASSERT_TRUE(s.untilRunning({"a", "b"}));
  // The master's own view: its live tasks by state in /master/state
  // ("TASK_RUNNING" counted as "master/tasks_running").
  auto listed = [&] {
    std::map<std::string, double> counts;
    auto state = bj::parse(cluster_.get("/master/state")).as_object();
    for (auto& f : state.at("frameworks").as_array()) {
      for (auto& t : f.as_object().at("tasks").as_array()) {
        std::string name(t.as_object().at("state").as_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(c));
        counts["master/tasks_" + name.substr(5)]++;
      }
    }
    return counts;
  };
  auto gaugesMatch = [&] {
    auto metrics = snapshot(cluster_.masterEndpoint());
    auto counts = listed();
    for (const char* key : {"master/tasks_staging", "master/tasks_starting", "master/tasks_running"}) {
      if (metrics[key] != counts[key]) return false;
    }
    return true;
  };
  EXPECT_TRUE(eventually([&] { return snapshot(cluster_.masterEndpoint())["master/tasks_running"] == 2; }));
  EXPECT_TRUE(eventually(gaugesMatch));
  auto onAgent = snapshot(agent_);
  EXPECT_EQ(onAgent["slave/tasks_running"], 2);
  EXPECT_EQ(onAgent["slave/executors_running"], 2);
  EXPECT_EQ(onAgent["slave/frameworks_active"], 1);
  EXPECT_DOUBLE_EQ(onAgent["slave/cpus_used"], 0.2);

  s.run([](auto& c) {
    v1::TaskID id;
    id.set_value("a");
    c.kill(id);
  });
  s.waitFor("a", v1::TASK_KILLED);
  EXPECT_TRUE(eventually([&] {
    auto m = snapshot(cluster_.masterEndpoint());
    return m["master/tasks_running"] == 1 && m["master/tasks_killed"] == 1 && m["master/messages_kill_task"] == 1;
  }));
  EXPECT_TRUE(eventually(gaugesMatch));

  // TEARDOWN: the running task ends KILLED with its framework.
  s.run([](auto& c) { c.teardown(); });
  EXPECT_TRUE(eventually([&] {
    auto m = snapshot(cluster_.masterEndpoint());
    return m["master/tasks_running"] == 0 && m["master/tasks_killed"] == 2 && m["master/frameworks_active"] == 0 &&
           m["master/messages_unregister_framework"] == 1;
  }));
  auto m = snapshot(cluster_.masterEndpoint());
  for (const char* key : {"master/tasks_staging", "master/tasks_starting", "master/tasks_killing"}) {
    EXPECT_EQ(m[key], 0) << key;
  }
}

TEST_F(MetricsClusterTest, TheAgentAnswersGetMetricsWithTheKeysOfItsSnapshot) {
  v1::agent::Call call;
  call.set_type(v1::agent::Call::GET_METRICS);
  auto response = http::fetch(agent_, http::apiRequest("/api/v1", call, codec::ContentType::JSON));
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->status, 200) << response->body;
  // Mesos's shape: {"type":"GET_METRICS","get_metrics":{"metrics":[{"name","value"}]}}.
  auto body = bj::parse(response->body).as_object();
  EXPECT_EQ(body.at("type").as_string(), "GET_METRICS");
  auto& metrics = body.at("get_metrics").as_object().at("metrics").as_array();
  std::map<std::string, double> named;
  for (auto& m : metrics) {
    auto& o = m.as_object();
    EXPECT_EQ(o.size(), 2u) << bj::serialize(o);
    named[std::string(o.at("name").as_string())] = o.at("value").to_number<double>();
  }
  EXPECT_EQ(named["slave/registered"], 1);
  EXPECT_EQ(named["slave/cpus_total"], 2);
  std::set<std::string> keys, snapshotKeys;
  for (auto& [k, v] : named) keys.insert(k);
  for (auto& [k, v] : snapshot(agent_)) snapshotKeys.insert(k);
  EXPECT_EQ(keys, snapshotKeys);

  // The same call in protobuf.
  auto proto = http::apiRequest("/api/v1", call, codec::ContentType::PROTOBUF);
  proto.headers["Accept"] = "application/x-protobuf";
  response = http::fetch(agent_, proto);
  ASSERT_TRUE(response.ok());
  v1::agent::Response decoded;
  ASSERT_TRUE(decoded.ParseFromString(response->body));
  EXPECT_EQ(decoded.type(), v1::agent::Response::GET_METRICS);
  EXPECT_EQ(static_cast<size_t>(decoded.get_metrics().metrics_size()), keys.size());
}

TEST_F(MetricsClusterTest, PrometheusRefusesOtherMethods) {
  http::Request r;
  r.method = "POST";
  r.target = "/metrics/prometheus";
  for (auto& endpoint : {cluster_.masterEndpoint(), agent_}) {
    auto response = http::fetch(endpoint, r);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 405);
    EXPECT_EQ(response->headers["Allow"], "GET");
  }
}

}  // namespace
}  // namespace tepui::testing
