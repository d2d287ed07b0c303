// Unit tests of the master's pure validators (master/validation.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "common/resources.hpp"
#include "master/validation.hpp"

namespace tepui::master::validation {
namespace {

using Call = v1::scheduler::Call;

v1::TaskInfo goodTask() {
  v1::TaskInfo t;
  t.set_name("t");
  t.mutable_task_id()->set_value("t1");
  t.mutable_agent_id()->set_value("A");
  t.mutable_command()->set_value("true");
  Resources::parse("cpus:1;mem:32")->copyTo(t.mutable_resources());
  return t;
}

TEST(ValidationRole, AcceptsStarPlainAndHierarchicalRoles) {
  for (const char* r : {"*", "web", "eng/web/frontend", "a.b", "x-y"}) EXPECT_FALSE(role(r).has_value()) << r;
}

TEST(ValidationRole, RejectsMalformedRoles) {
  for (const char* r : {"", ".", "..", "-web", "a b", "a//b", "/a", "a/", "a/./b", "a/*", "tab\there"}) {
    EXPECT_TRUE(role(r).has_value()) << "'" << r << "'";
  }
}

TEST(ValidationCall, NeedsTypeAndTheMatchingPayload) {
  Call call;
  EXPECT_EQ(schedulerCall(call)->message, "Expecting 'type' to be present");
  call.set_type(Call::ACCEPT);
  call.mutable_framework_id()->set_value("F");
  EXPECT_EQ(schedulerCall(call)->message, "Expecting 'accept' to be present");
  call.mutable_accept();
  EXPECT_FALSE(schedulerCall(call).has_value());
}

TEST(ValidationCall, NonSubscribeCallsNeedAFrameworkId) {
  Call call;
  call.set_type(Call::REVIVE);
  EXPECT_EQ(schedulerCall(call)->message, "Expecting 'framework_id' to be present");
}

TEST(ValidationCall, SubscribeFrameworkIdMustMatchTheInfo) {
  Call call;
  call.set_type(Call::SUBSCRIBE);
  auto* info = call.mutable_subscribe()->mutable_framework_info();
  info->set_user("u");
  info->set_name("n");
  EXPECT_FALSE(schedulerCall(call).has_value());
  call.mutable_framework_id()->set_value("F");
  EXPECT_TRUE(schedulerCall(call).has_value());
  info->mutable_id()->set_value("F");
  EXPECT_FALSE(schedulerCall(call).has_value());
}

TEST(ValidationCall, AcknowledgeNeedsASixteenByteUuid) {
  Call call;
  call.set_type(Call::ACKNOWLEDGE);
  call.mutable_framework_id()->set_value("F");
  auto* ack = call.mutable_acknowledge();
  ack->mutable_agent_id()->set_value("A");
  ack->mutable_task_id()->set_value("T");
  ack->set_uuid("short");
  EXPECT_TRUE(schedulerCall(call).has_value());
  ack->set_uuid(std::string(16, 'x'));
  EXPECT_FALSE(schedulerCall(call).has_value());
}

TEST(ValidationFrameworkInfo, RolesNeedMultiRoleAndNoLegacyRole) {
  v1::FrameworkInfo info;
  info.set_user("u");
  info.set_name("n");
  EXPECT_FALSE(frameworkInfo(info).has_value());
  info.add_roles("web");
  EXPECT_TRUE(frameworkInfo(info).has_value());  // roles without MULTI_ROLE
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::MULTI_ROLE);
  EXPECT_FALSE(frameworkInfo(info).has_value());
  EXPECT_EQ(frameworkRoles(info), std::set<std::string>{"web"});
  info.add_roles("web");
  EXPECT_TRUE(frameworkInfo(info).has_value());  // duplicates
  info.mutable_roles()->RemoveLast();
  info.set_role("other");
  EXPECT_TRUE(frameworkInfo(info).has_value());  // legacy role with MULTI_ROLE
}

TEST(ValidationFrameworkInfo, FailoverTimeoutMustBeFiniteAndNonNegative) {
  v1::FrameworkInfo info;
  info.set_user("u");
  info.set_name("n");
  for (double bad : {-1.0, std::nan(""), static_cast<double>(INFINITY)}) {
    info.set_failover_timeout(bad);
    EXPECT_TRUE(frameworkInfo(info).has_value()) << bad;
  }
  EXPECT_EQ(frameworkRoles(v1::FrameworkInfo()), std::set<std::string>{"*"});
}

TEST(ValidationTask, AcceptsAWellFormedTask) { EXPECT_FALSE(task(goodTask(), "A").has_value()); }

TEST(ValidationTask, RejectsBadIdsAndAgentMismatch) {
  auto t = goodTask();
  for (const char* id : {"", "a/b", ".."}) {
    t.mutable_task_id()->set_value(id);
    EXPECT_TRUE(task(t, "A").has_value()) << id;
  }
  EXPECT_NE(task(goodTask(), "B")->message.find("agent"), std::string::npos);
}

TEST(ValidationTask, NeedsExactlyOneOfCommandAndExecutor) {
  auto t = goodTask();
  t.clear_command();
  EXPECT_TRUE(task(t, "A").has_value());
  t = goodTask();
  t.mutable_executor()->mutable_executor_id()->set_value("e");
  t.mutable_executor()->mutable_command()->set_value("run-executor");
  EXPECT_TRUE(task(t, "A").has_value());
  t.clear_command();
  EXPECT_FALSE(task(t, "A").has_value());
  t.mutable_executor()->clear_command();
  EXPECT_TRUE(task(t, "A").has_value());  // no command: only task groups
}

TEST(ValidationTask, RejectsNegativeNanAndMissingResources) {
  auto t = goodTask();
  t.mutable_resources(0)->mutable_scalar()->set_value(-1);
  EXPECT_TRUE(task(t, "A").has_value());
  t.mutable_resources(0)->mutable_scalar()->set_value(std::nan(""));
  EXPECT_TRUE(task(t, "A").has_value());
  t.clear_resources();
  EXPECT_TRUE(task(t, "A").has_value());
}

TEST(ValidationTask, RejectsNegativeTimings) {
  auto t = goodTask();
  t.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(-1);
  EXPECT_TRUE(task(t, "A").has_value());
  t = goodTask();
  t.mutable_health_check()->set_interval_seconds(-5);
  EXPECT_TRUE(task(t, "A").has_value());
  t = goodTask();
  t.mutable_command()->set_value("");
  EXPECT_TRUE(task(t, "A").has_value());
}

TEST(ValidationTask, RejectsMalformedHealthChecksAndChecksNamingTheField) {
  auto t = goodTask();
  t.mutable_health_check()->set_type(v1::HealthCheck::HTTP);
  t.mutable_health_check()->mutable_http()->set_port(8080);
  EXPECT_FALSE(task(t, "A").has_value());
  t.mutable_health_check()->mutable_http()->set_port(0);
  auto e = task(t, "A");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("health_check"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("http.port"), std::string::npos) << e->message;

  t = goodTask();
  t.mutable_check()->set_type(v1::CheckInfo::TCP);  // no 'tcp' sub-message
  e = task(t, "A");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("check"), std::string::npos) << e->message;
}

}  // namespace
}  // namespace tepui::master::validation
