// A running deployment's record and its API form.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/app_update.hpp"
#include "services/deployment.hpp"
#include "services_test_util.hpp"

namespace tepui::services {
namespace {

using testutil::applied;

TEST(DeploymentTest, TakesStepsOriginalsAndTheTightestDeadlineFromThePlan) {
  Group original = applied(Group{}, testutil::kProduct, "v1");
  Group target = original;
  AppDefinition* mysql = const_cast<AppDefinition*>(findApp(target, testutil::pid("/product/database/mysql")));
  mysql->cmd = "mysqld --new";
  mysql->upgradeStrategy.progressDeadlineSeconds = 60;
  mysql->upgradeStrategy.rollbackOnFailure = true;
  target = stampVersions(original, target, "v2");
  DeploymentPlan plan = planDeployment(original, target, "v2");
  Deployment d = Deployment::of(plan, 1000);
  EXPECT_EQ(d.id, plan.id);
  EXPECT_EQ(d.steps, plan.steps);
  EXPECT_EQ(d.progressDeadlineSeconds, 60.0);
  EXPECT_TRUE(d.rollbackOnFailure);
  ASSERT_TRUE(d.original.contains("/product/database/mysql"));
  EXPECT_NE(d.original.at("/product/database/mysql").cmd, mysql->cmd);
  EXPECT_EQ(d.stepOf("/product/database/mysql"), 0u);
  EXPECT_FALSE(d.stepOf("/product/service/rails-app"));
  EXPECT_EQ(d.startedAt, 1000);
}

TEST(DeploymentTest, RecordsRoundTrip) {
  Group target = applied(Group{}, testutil::kProduct, "v1");
  Deployment d = Deployment::of(planDeployment(Group{}, target, "v1"), 5);
  d.currentStep = 2;
  d.status = "failed";
  d.message = "no progress";
  d.rollbackId = "r1";
  d.progress = "2|x";
  d.original.emplace("/product/database/mysql", *findApp(target, testutil::pid("/product/database/mysql")));
  auto back = deploymentFromRecord(boost::json::parse(boost::json::serialize(deploymentToRecord(d))));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->steps, d.steps);
  EXPECT_EQ(back->affectedApps, d.affectedApps);
  EXPECT_EQ(back->original, d.original);
  EXPECT_EQ(back->currentStep, 2u);
  EXPECT_EQ(back->status, "failed");
  EXPECT_EQ(back->rollbackId, "r1");
  EXPECT_FALSE(back->revertsId);
  EXPECT_EQ(boost::json::serialize(deploymentToRecord(*back)), boost::json::serialize(deploymentToRecord(d)));
  EXPECT_FALSE(deploymentFromRecord(boost::json::parse(R"({"id": "x"})")));
  EXPECT_FALSE(deploymentFromRecord(boost::json::value(3)));
}

TEST(DeploymentTest, ApiFormSaysWhereItIsAndHowItEnded) {
  Group target = applied(Group{}, testutil::kProduct, "v1");
  Deployment d = Deployment::of(planDeployment(Group{}, target, "v1"), 0);
  d.currentStep = 1;
  auto o = deploymentToJson(d, {}).as_object();
  EXPECT_EQ(o.at("currentStep").to_number<int>(), 2);
  EXPECT_EQ(o.at("totalSteps").to_number<int>(), 3);
  EXPECT_EQ(o.at("status").as_string(), "running");
  d.status = "succeeded";
  d.currentStep = 3;
  o = deploymentToJson(d, {}).as_object();
  EXPECT_EQ(o.at("status").as_string(), "succeeded");
}

}  // namespace
}  // namespace tepui::services
