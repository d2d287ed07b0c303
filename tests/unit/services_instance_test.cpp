#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/instance.hpp"

namespace tepui::services {
namespace {

namespace bj = boost::json;

Instance sample() {
  Instance i;
  i.id = newInstanceId("/product/service/rails-app");
  i.appId = "/product/service/rails-app";
  i.version = "2015-09-17T09:32:36.583Z";
  i.state = v1::TASK_RUNNING;
  i.agentId = "M-S1";
  i.host = "srv4.example.com";
  i.ports = {31292, 31293};
  i.servicePorts = {10019, 10020};
  i.role = "*";
  i.stagedAt = 1442482356.822;
  i.startedAt = 1442482362.598;
  i.message = "running";
  i.health.record(true, 1442482370);
  return i;
}

TEST(InstanceTest, IdsNameTheirApp) {
  std::string id = newInstanceId("/product/service/rails-app");
  EXPECT_TRUE(id.starts_with("product_service_rails-app.instance-")) << id;
  EXPECT_EQ(appIdOf(id), "/product/service/rails-app");
  EXPECT_NE(newInstanceId("/a"), newInstanceId("/a"));
  EXPECT_FALSE(appIdOf("some-task"));
  EXPECT_FALSE(appIdOf(".instance-x"));
}

TEST(InstanceTest, TaskJsonHasMarathonsShape) {
  Instance i = sample();
  bj::object o = toTaskJson(i);
  EXPECT_EQ(o.at("appId").as_string(), "/product/service/rails-app");
  EXPECT_EQ(o.at("host").as_string(), "srv4.example.com");
  EXPECT_EQ(o.at("ports").as_array().size(), 2u);
  EXPECT_EQ(o.at("ports").as_array()[0].to_number<int>(), 31292);
  EXPECT_EQ(o.at("stagedAt").as_string(), "2015-09-17T09:32:36.822Z");
  EXPECT_EQ(o.at("startedAt").as_string(), "2015-09-17T09:32:42.598Z");
  EXPECT_EQ(o.at("state").as_string(), "TASK_RUNNING");
  EXPECT_EQ(o.at("slaveId").as_string(), "M-S1");
  auto& health = o.at("healthCheckResults").as_array();
  ASSERT_EQ(health.size(), 1u);
  EXPECT_TRUE(health[0].at("alive").as_bool());
  EXPECT_TRUE(health[0].at("lastFailure").is_null());
  EXPECT_EQ(health[0].at("instanceId").as_string(), i.id);

  Instance staged = sample();
  staged.startedAt.reset();
  staged.health = {};
  bj::object s = toTaskJson(staged);
  EXPECT_TRUE(s.at("startedAt").is_null());
  EXPECT_TRUE(s.at("healthCheckResults").as_array().empty());
}

TEST(InstanceTest, RecordsRoundTrip) {
  Instance i = sample();
  i.goal = Instance::Goal::STOPPED;
  i.unreachableSince = 1442482400;
  i.health.record(false, 1442482401, "HTTP 503");
  i.zone = "eu-1a";
  i.agentAttributes = {{"rack_id", "r2"}, {"cores", "8"}};
  auto back = fromRecord(bj::parse(bj::serialize(toRecord(i))));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, i.id);
  EXPECT_EQ(back->goal, Instance::Goal::STOPPED);
  EXPECT_EQ(back->state, v1::TASK_RUNNING);
  EXPECT_EQ(back->ports, i.ports);
  EXPECT_EQ(back->servicePorts, i.servicePorts);
  EXPECT_EQ(back->agentAttributes, i.agentAttributes);
  EXPECT_EQ(back->zone, "eu-1a");
  EXPECT_FALSE(back->region);
  EXPECT_EQ(back->startedAt, i.startedAt);
  EXPECT_EQ(back->unreachableSince, i.unreachableSince);
  EXPECT_EQ(back->health.alive, false);
  EXPECT_EQ(back->health.consecutiveFailures, 1);
  EXPECT_EQ(back->health.lastFailureCause, "HTTP 503");
  EXPECT_EQ(back->health.firstSuccess, i.health.firstSuccess);
  EXPECT_EQ(bj::serialize(toRecord(*back)), bj::serialize(toRecord(i)));
}

TEST(InstanceTest, BadRecordsAreRefusedWithTheField) {
  EXPECT_FALSE(fromRecord(bj::value(3)));
  bj::object o = toRecord(sample());
  o.erase("appId");
  auto r = fromRecord(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("appId"), std::string::npos) << r.error().message;
  o = toRecord(sample());
  o["state"] = "TASK_SLEEPING";
  r = fromRecord(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("TASK_SLEEPING"), std::string::npos);
  o = toRecord(sample());
  o["ports"] = "31000";
  EXPECT_FALSE(fromRecord(o));
}

TEST(InstanceTest, ConditionsFollowTheState) {
  Instance i = sample();
  EXPECT_EQ(i.condition(0, std::nullopt), "Running");
  i.state = v1::TASK_UNREACHABLE;
  i.unreachableSince = 100;
  EXPECT_EQ(i.condition(150, 300.0), "Unreachable");
  EXPECT_EQ(i.condition(400, 300.0), "UnreachableInactive");
  EXPECT_EQ(i.condition(400, std::nullopt), "Unreachable");  // unreachableStrategy disabled
  i.state = v1::TASK_GONE_BY_OPERATOR;
  EXPECT_EQ(i.condition(0, std::nullopt), "Gone");
  EXPECT_TRUE(i.terminal());
}

TEST(InstanceTest, HealthCountsConsecutiveFailures) {
  HealthState h;
  h.record(false, 1, "refused");
  h.record(false, 2, "refused");
  EXPECT_EQ(h.consecutiveFailures, 2);
  EXPECT_FALSE(h.firstSuccess);
  h.record(true, 3);
  EXPECT_EQ(h.consecutiveFailures, 0);
  EXPECT_EQ(h.firstSuccess, 3);
  h.record(true, 4);
  EXPECT_EQ(h.firstSuccess, 3);
  EXPECT_EQ(h.lastSuccess, 4);
  EXPECT_EQ(h.lastFailure, 2);
}

}  // namespace
}  // namespace tepui::services
