// In-process cluster tests of the master's v1 operator API (POST /api/v1)
// over real HTTP: the read calls in JSON and protobuf, UPDATE_WEIGHTS then
// GET_WEIGHTS, quota, both kept over a master restart on the same work dir,
// /roles /weights /quota, TEARDOWN of a framework with a
// running task, and bad calls
// (status codes and messages), with the master serving afterwards.
#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

TEST(OperatorApiClusterTest, ReadCallsDescribeTheClusterInJsonAndProtobuf) {
  Cluster cluster;
  cluster.addAgent("cpus:2;mem:1024;disk:1024;ports:[31000-31010]");
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("operated"));
  s.subscribe();
  s.launch({commandTask("sleeper", "sleep 1000")});
  s.waitFor("sleeper", v1::TASK_RUNNING);

  auto health = post(cluster, call(OperatorCall::GET_HEALTH));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.headers["Content-Type"], "application/json");
  EXPECT_TRUE(decoded(health).get_health().healthy());

  // GET_STATE in protobuf: the task, its framework and its agent.
  auto state = post(cluster, call(OperatorCall::GET_STATE), codec::ContentType::PROTOBUF, "application/x-protobuf");
  ASSERT_EQ(state.status, 200);
  EXPECT_EQ(state.headers["Content-Type"], "application/x-protobuf");
  auto r = decoded(state, codec::ContentType::PROTOBUF);
  EXPECT_EQ(r.type(), OperatorResponse::GET_STATE);
  ASSERT_EQ(r.get_state().get_tasks().tasks_size(), 1);
  EXPECT_EQ(r.get_state().get_tasks().tasks(0).task_id().value(), "sleeper");
  EXPECT_EQ(r.get_state().get_tasks().tasks(0).state(), v1::TASK_RUNNING);
  ASSERT_EQ(r.get_state().get_frameworks().frameworks_size(), 1);
  EXPECT_EQ(r.get_state().get_frameworks().frameworks(0).framework_info().id().value(), s.frameworkId());
  EXPECT_TRUE(r.get_state().get_frameworks().frameworks(0).active());
  ASSERT_EQ(r.get_state().get_agents().agents_size(), 1);
  Resources allocated(r.get_state().get_agents().agents(0).allocated_resources());
  EXPECT_GT(allocated.scalar("cpus"), 0);
  EXPECT_EQ(Resources(r.get_state().get_agents().agents(0).total_resources()).scalar("cpus"), 2);

  auto metrics = decoded(post(cluster, call(OperatorCall::GET_METRICS))).get_metrics();
  bool running = false;
  for (auto& m : metrics.metrics()) running |= m.name() == "master/tasks_running" && m.value() == 1;
  EXPECT_TRUE(running);
  EXPECT_EQ(decoded(post(cluster, call(OperatorCall::GET_VERSION))).get_version().version_info().version(),
            TEPUI_VERSION);
  // In-process masters parse no command line: their flag list is empty
  // (tepui master lists its flags; /flags has the same source).
  EXPECT_EQ(decoded(post(cluster, call(OperatorCall::GET_FLAGS))).type(), OperatorResponse::GET_FLAGS);
}

TEST(OperatorApiClusterTest, UpdateWeightsIsWhatGetWeightsReturns) {
  Cluster cluster;
  OperatorCall update = call(OperatorCall::UPDATE_WEIGHTS);
  auto* w = update.mutable_update_weights()->add_weight_infos();
  w->set_role("eng/web");
  w->set_weight(2.5);
  EXPECT_EQ(post(cluster, update).status, 200);
  auto weights = decoded(post(cluster, call(OperatorCall::GET_WEIGHTS))).get_weights();
  ASSERT_EQ(weights.weight_infos_size(), 1);
  EXPECT_EQ(weights.weight_infos(0).role(), "eng/web");
  EXPECT_EQ(weights.weight_infos(0).weight(), 2.5);
  EXPECT_EQ(cluster.get("/weights"), "[{\"role\":\"eng/web\",\"weight\":2.5}]");

  w->set_weight(0);  // refused, and nothing changes
  auto refused = post(cluster, update);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("positive"), std::string::npos) << refused.body;
  w->set_weight(1);
  w->set_role("..");
  EXPECT_EQ(post(cluster, update).status, 400);
  EXPECT_EQ(decoded(post(cluster, call(OperatorCall::GET_WEIGHTS))).get_weights().weight_infos(0).weight(), 2.5);
}

TEST(OperatorApiClusterTest, WeightsAndQuotasSurviveAMasterRestartOnTheSameWorkDir) {
  MasterWorkDir workDir("registry-test");
  master::MasterFlags flags = workDir.flags();
  {
    Cluster cluster(flags);
    ASSERT_TRUE(cluster.agentRegistered(cluster.addAgent("cpus:8;mem:4096")));  // the guarantee fits
    OperatorCall weights = call(OperatorCall::UPDATE_WEIGHTS);
    auto* w = weights.mutable_update_weights()->add_weight_infos();
    w->set_role("eng");
    w->set_weight(3);
    ASSERT_EQ(post(cluster, weights).status, 200);
    OperatorCall quota = call(OperatorCall::UPDATE_QUOTA);
    auto* config = quota.mutable_update_quota()->add_quota_configs();
    config->set_role("eng");
    (*config->mutable_limits())["cpus"].set_value(4);
    (*config->mutable_guarantees())["cpus"].set_value(2);
    auto* removed = quota.mutable_update_quota()->add_quota_configs();
    removed->set_role("ops");  // no guarantees, no limits: none kept
    ASSERT_EQ(post(cluster, quota).status, 200);
  }
  Cluster restarted(flags);
  auto weights = decoded(post(restarted, call(OperatorCall::GET_WEIGHTS))).get_weights();
  ASSERT_EQ(weights.weight_infos_size(), 1);
  EXPECT_EQ(weights.weight_infos(0).role(), "eng");
  EXPECT_EQ(weights.weight_infos(0).weight(), 3);
  auto status = decoded(post(restarted, call(OperatorCall::GET_QUOTA))).get_quota().status();
  ASSERT_EQ(status.configs_size(), 1);
  EXPECT_EQ(status.configs(0).role(), "eng");
  EXPECT_EQ(status.configs(0).limits().at("cpus").value(), 4);
  EXPECT_EQ(status.configs(0).guarantees().at("cpus").value(), 2);
}

TEST(OperatorApiClusterTest, TeardownKillsTheFrameworksTasks) {
  Cluster cluster;
  cluster.addAgent();
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("doomed"));
  s.subscribe();
  s.launch({commandTask("victim", "sleep 1000")});
  s.waitFor("victim", v1::TASK_RUNNING);
  OperatorCall teardown = call(OperatorCall::TEARDOWN);
  teardown.mutable_teardown()->mutable_framework_id()->set_value(s.frameworkId());
  EXPECT_EQ(post(cluster, teardown).status, 200);
  auto frameworks = decoded(post(cluster, call(OperatorCall::GET_FRAMEWORKS))).get_frameworks();
  EXPECT_EQ(frameworks.frameworks_size(), 0);
  ASSERT_EQ(frameworks.completed_frameworks_size(), 1);
  EXPECT_EQ(frameworks.completed_frameworks(0).framework_info().id().value(), s.frameworkId());
  // Its task is kept, ended, with why.
  auto tasks = decoded(post(cluster, call(OperatorCall::GET_TASKS))).get_tasks();
  EXPECT_EQ(tasks.tasks_size(), 0);
  ASSERT_EQ(tasks.completed_tasks_size(), 1);
  EXPECT_EQ(tasks.completed_tasks(0).task_id().value(), "victim");
  EXPECT_EQ(tasks.completed_tasks(0).state(), v1::TASK_KILLED);
  ASSERT_GT(tasks.completed_tasks(0).statuses_size(), 0);
  auto last = tasks.completed_tasks(0).statuses(tasks.completed_tasks(0).statuses_size() - 1);
  EXPECT_EQ(last.reason(), v1::TaskStatus::REASON_FRAMEWORK_REMOVED);
  EXPECT_EQ(post(cluster, teardown).status, 400);  // gone now
}

TEST(OperatorApiClusterTest, BadCallsGetAClearStatusAndTheMasterStillServes) {
  Cluster cluster;
  http::Request r;
  r.method = "POST";
  r.target = "/api/v1";
  r.headers["Content-Type"] = "application/json";
  r.body = "{\"type\": ";
  auto garbage = http::fetch(cluster.masterEndpoint(), r);
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_NE(garbage->body.find("Failed to validate master::Call"), std::string::npos) << garbage->body;

  r.body = "{}";
  r.headers["Content-Type"] = "text/plain";
  EXPECT_EQ(http::fetch(cluster.masterEndpoint(), r)->status, 415);
  EXPECT_EQ(post(cluster, call(OperatorCall::GET_HEALTH), codec::ContentType::JSON, "text/html").status, 406);
  EXPECT_EQ(post(cluster, OperatorCall()).status, 400);  // no type
  auto unserved = post(cluster, call(OperatorCall::GET_MAINTENANCE_STATUS));
  EXPECT_EQ(unserved.status, 501);
  EXPECT_NE(unserved.body.find("GET_MAINTENANCE_STATUS"), std::string::npos) << unserved.body;
  r.method = "GET";
  EXPECT_EQ(http::fetch(cluster.masterEndpoint(), r)->status, 405);
  EXPECT_EQ(post(cluster, call(OperatorCall::GET_HEALTH)).status, 200);
}

OperatorCall quotaUpdate(const std::string& role, std::map<std::string, double> guarantees,
                         std::map<std::string, double> limits, bool force = false) {
  OperatorCall c = call(OperatorCall::UPDATE_QUOTA);
  c.mutable_update_quota()->set_force(force);
  auto* config = c.mutable_update_quota()->add_quota_configs();
  config->set_role(role);
  for (auto& [name, value] : guarantees) (*config->mutable_guarantees())[name].set_value(value);
  for (auto& [name, value] : limits) (*config->mutable_limits())[name].set_value(value);
  return c;
}

TEST(OperatorApiClusterTest, QuotaLimitsWhatARoleIsOfferedAndBadUpdatesAreRefused) {
  Cluster cluster;
  cluster.addAgent("cpus:4;mem:4096;disk:1024;ports:[31000-31010]");
  auto info = frameworkInfo("web-framework");
  info.set_role("web");
  TestScheduler s(cluster.masterEndpoint(), info);
  s.subscribe();
  auto first = s.next(Event::OFFERS);  // the whole agent, before any quota
  ASSERT_TRUE(first.has_offers());

  // A limit below what the role holds now (its outstanding offer) needs force.
  auto refused = post(cluster, quotaUpdate("web", {}, {{"cpus", 1}}));
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("use 'force'"), std::string::npos) << refused.body;
  EXPECT_EQ(post(cluster, quotaUpdate("web", {}, {{"cpus", 1}}, true)).status, 200);

  auto quota = decoded(post(cluster, call(OperatorCall::GET_QUOTA))).get_quota().status();
  ASSERT_EQ(quota.configs_size(), 1);
  EXPECT_EQ(quota.configs(0).role(), "web");
  EXPECT_EQ(quota.configs(0).limits().at("cpus").value(), 1);

  // Once the offer comes back, the role is offered at most its limit.
  std::vector<v1::OfferID> ids;
  for (auto& o : first.offers().offers()) ids.push_back(o.id());
  s.run([&](auto& c) { c.decline(ids, 0); });
  auto limited = s.next(Event::OFFERS);
  ASSERT_TRUE(limited.has_offers());
  double cpus = 0;
  for (auto& o : limited.offers().offers()) cpus += Resources(o.resources()).scalar("cpus");
  EXPECT_GT(cpus, 0);
  EXPECT_LE(cpus, 1);

  auto roles = decoded(post(cluster, call(OperatorCall::GET_ROLES))).get_roles();
  bool web = false;
  for (auto& r : roles.roles()) {
    web |= r.name() == "web" && r.frameworks_size() == 1 && r.frameworks(0).value() == s.frameworkId();
  }
  EXPECT_TRUE(web);
  // The legacy endpoints tell the same.
  EXPECT_NE(cluster.get("/roles").find("\"frameworks\":[\"" + s.frameworkId() + "\"]"), std::string::npos)
      << cluster.get("/roles");
  EXPECT_NE(cluster.get("/quota").find("\"role\":\"web\""), std::string::npos) << cluster.get("/quota");

  // Refused as a whole, each with a reason.
  for (auto& [bad, why] : std::vector<std::pair<OperatorCall, std::string>>{
           {quotaUpdate("web", {{"cpus", 2}}, {{"cpus", 1}}), "above its limit"},
           {quotaUpdate("web/child", {}, {{"cpus", 3}}), "limit of its ancestor"},
           {quotaUpdate("other", {{"cpus", 100}}, {}), "more than the cluster has"},
           {quotaUpdate("*", {}, {{"cpus", 1}}), "'*'"},
           {quotaUpdate("other", {}, {{"mem", -1}}), "non-negative"}}) {
    auto r = post(cluster, bad);
    EXPECT_EQ(r.status, 400) << why;
    EXPECT_NE(r.body.find(why), std::string::npos) << r.body;
  }
  EXPECT_EQ(decoded(post(cluster, call(OperatorCall::GET_QUOTA))).get_quota().status().configs_size(), 1);

  // An empty config removes the quota.
  EXPECT_EQ(post(cluster, quotaUpdate("web", {}, {})).status, 200);
  EXPECT_EQ(decoded(post(cluster, call(OperatorCall::GET_QUOTA))).get_quota().status().configs_size(), 0);
}

}  // namespace
}  // namespace tepui::testing
