// The frameworks in the master's registry: a framework the master handed
// an id to is known again after the master restarts on the same work dir
// (inactive, recovered, even with no task on any agent) and resubscribes
// with its id; one that was torn down stays removed across the restart.
#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

TEST(FrameworkRegistryClusterTest, FrameworksSurviveAMasterRestartAndRemovedOnesStayRemoved) {
  MasterWorkDir workDir("framework-registry-test");
  master::MasterFlags flags = workDir.flags();
  std::string keptId, removedId;
  {
    Cluster cluster(flags);
    TestScheduler kept(cluster.masterEndpoint(), frameworkInfo("kept", {}, 3600));
    kept.subscribe();
    keptId = kept.frameworkId();
    TestScheduler removed(cluster.masterEndpoint(), frameworkInfo("removed", {}, 3600));
    removed.subscribe();
    removedId = removed.frameworkId();
    OperatorCall teardown = call(OperatorCall::TEARDOWN);
    teardown.mutable_teardown()->mutable_framework_id()->set_value(removedId);
    ASSERT_EQ(post(cluster, teardown).status, 200);
  }

  Cluster restarted(flags);
  auto frameworks = decoded(post(restarted, call(OperatorCall::GET_FRAMEWORKS))).get_frameworks();
  ASSERT_EQ(frameworks.frameworks_size(), 1);
  const auto& recovered = frameworks.frameworks(0);
  EXPECT_EQ(recovered.framework_info().id().value(), keptId);
  EXPECT_EQ(recovered.framework_info().name(), "kept");
  EXPECT_TRUE(recovered.recovered());
  EXPECT_FALSE(recovered.active());

  auto info = frameworkInfo("kept", {}, 3600);
  info.mutable_id()->set_value(keptId);
  TestScheduler back(restarted.masterEndpoint(), info);
  back.subscribe();
  EXPECT_EQ(back.frameworkId(), keptId);
  frameworks = decoded(post(restarted, call(OperatorCall::GET_FRAMEWORKS))).get_frameworks();
  ASSERT_EQ(frameworks.frameworks_size(), 1);
  EXPECT_FALSE(frameworks.frameworks(0).recovered());
  EXPECT_TRUE(frameworks.frameworks(0).active());

  info = frameworkInfo("removed", {}, 3600);
  info.mutable_id()->set_value(removedId);
  TestScheduler gone(restarted.masterEndpoint(), info);
  gone.run([](auto& c) { c.subscribe(); });
  EXPECT_EQ(gone.next(Event::ERROR).error().message(), "Framework has been removed");
}

}  // namespace
}  // namespace tepui::testing
