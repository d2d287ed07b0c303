// Offers for the jobs engine: resources (offer_fit.hpp), constraints, the
// order of the queue, and the TaskInfo of a run (run_task.hpp).
#include <gtest/gtest.h>

#include "common/attributes.hpp"
#include "http/message.hpp"
#include "jobs/offer_fit.hpp"
#include "jobs/run_container.hpp"
#include "jobs/run_task.hpp"
#include "jobs_engine_test_util.hpp"

namespace tepui::jobs::testing {
namespace {

const Millis T0 = at("2024-01-01T00:00:00Z");

v1::Offer withAttributes(v1::Offer o, const std::string& text) {
  Result<std::vector<v1::Attribute>> attributes = parseAttributes(text);
  EXPECT_TRUE(attributes.ok());
  for (auto& a : *attributes) *o.add_attributes() = a;
  return o;
}

Constraint constraint(const std::string& attribute, Constraint::Operator op, const std::string& value) {
  return Constraint{attribute, op, value};
}

TEST(JobsOfferFitTest, TakesReservedBeforeUnreservedAndNeverAnotherRolesResources) {
  Result<Resources> r = Resources::parse("cpus(etl):1;cpus:4;mem(other):4096;mem:512;disk:100");
  ASSERT_TRUE(r.ok());
  auto taken = takeResources(*r, {1.5, 256, 10}, "etl");
  ASSERT_TRUE(taken.has_value());
  Resources t(*taken);
  EXPECT_DOUBLE_EQ(t.reserved("etl").scalar("cpus"), 1);
  EXPECT_DOUBLE_EQ(t.unreserved().scalar("cpus"), 0.5);
  EXPECT_DOUBLE_EQ(t.scalar("mem"), 256);
  EXPECT_DOUBLE_EQ(t.reserved("other").scalar("mem"), 0);
  EXPECT_FALSE(takeResources(*r, {1, 1024, 10}, "etl").has_value());  // mem(other) is not ours
  EXPECT_FALSE(takeResources(*r, {6, 1, 1}, "etl").has_value());
}

TEST(JobsOfferFitTest, ConstraintsFollowChronosSemantics) {
  v1::Offer o = withAttributes(offer("o", "node7"), "rack:r1;cores:4;zones:{a,b}");
  using Op = Constraint::Operator;
  EXPECT_TRUE(constraintsMatch({constraint("hostname", Op::kEquals, "node7")}, o));
  EXPECT_FALSE(constraintsMatch({constraint("hostname", Op::kEquals, "node")}, o));
  EXPECT_TRUE(constraintsMatch({constraint("hostname", Op::kLike, "node[0-9]")}, o));
  EXPECT_FALSE(constraintsMatch({constraint("hostname", Op::kLike, "node")}, o));  // the whole value
  EXPECT_TRUE(constraintsMatch({constraint("rack", Op::kUnlike, "r2")}, o));
  EXPECT_FALSE(constraintsMatch({constraint("rack", Op::kUnlike, "r.")}, o));
  EXPECT_FALSE(constraintsMatch({constraint("gpu", Op::kUnlike, "x")}, o));  // missing: no match
  EXPECT_TRUE(constraintsMatch({constraint("cores", Op::kEquals, "4")}, o));
  EXPECT_TRUE(constraintsMatch({constraint("zones", Op::kLike, "b")}, o));
  EXPECT_FALSE(constraintsMatch({constraint("zones", Op::kUnlike, "b")}, o));
  EXPECT_FALSE(constraintsMatch({constraint("rack", Op::kEquals, "r1"), constraint("cores", Op::kEquals, "8")}, o));
}

TEST(JobsEngineOffersTest, RunsGoWhereTheyFitAndSeveralShareAnOffer) {
  Harness h;
  Job big = scheduledJob("big", "R/2030-01-01T00:00:00Z/P1D");
  big.cpus = 3;
  Job pinned = scheduledJob("pinned", "R/2030-01-01T00:00:00Z/P1D");
  pinned.constraints = {constraint("rack", Constraint::Operator::kEquals, "r2")};
  Job small = scheduledJob("small", "R/2030-01-01T00:00:00Z/P1D");
  for (auto& j : {big, pinned, small}) h.put(j, T0);
  for (auto name : {"big", "pinned", "small"}) h.commit(h.engine->runNow(name, "", T0));
  v1::Offer a = withAttributes(offer("a", "n1", 2, 1024, 1024), "rack:r1");
  v1::Offer b = withAttributes(offer("b", "n2", 4, 1024, 1024), "rack:r2");
  OfferDecision d = h.engine->offers({a, b}, T0);
  h.commit(d.effects);
  std::map<std::string, std::string> placed;  // job -> offer
  for (auto& l : d.launches)
    for (auto& t : l.tasks) placed[t.name()] = l.offerId.value();
  EXPECT_EQ(placed["big"], "b");
  EXPECT_EQ(placed["pinned"], "b");
  EXPECT_EQ(placed["small"], "a");
  EXPECT_TRUE(d.declines.empty());
  EXPECT_EQ(h.engine->status("big"), JobStatus::kRunning);
  const jobs::Run& run = h.engine->active().begin()->second;
  EXPECT_EQ(run.state, RunState::kLaunching);
  // Nothing left to launch: the next offer is declined.
  OfferDecision none = h.engine->offers({offer("c", "n3")}, T0);
  EXPECT_TRUE(none.launches.empty());
  ASSERT_EQ(none.declines.size(), 1u);
}

TEST(JobsEngineOffersTest, HighPriorityJobsGoFirst) {
  Harness h;
  Job low = scheduledJob("low", "R/2030-01-01T00:00:00Z/P1D");
  low.cpus = 1;
  Job high = low;
  high.name = "high";
  high.highPriority = true;
  h.put(low, T0);
  h.put(high, T0);
  h.commit(h.engine->runNow("low", "", T0));
  h.commit(h.engine->runNow("high", "", T0 + 1s));
  std::vector<v1::TaskInfo> t = h.launch(T0 + 2s, offer("o", "n", 1, 1024, 1024));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name(), "high");
}

TEST(JobsEngineOffersTest, LaunchRecordsTheAgentAndItsUrl) {
  Harness h;
  h.put(scheduledJob("j", "R/2030-01-01T00:00:00Z/P1D"), T0);
  h.commit(h.engine->runNow("j", "", T0));
  std::vector<v1::TaskInfo> t = h.launch(T0, offer("o", "node9"));
  ASSERT_EQ(t.size(), 1u);
  const jobs::Run& run = h.engine->active().at(t[0].task_id().value());
  EXPECT_EQ(run.agentId, "agent-node9");
  EXPECT_EQ(run.hostname, "node9");
  // The agent's files API on the run's sandbox, by its virtual path.
  EXPECT_EQ(run.sandbox, "http://node9:5051/files/browse?path=" +
                             http::percentEncode("/frameworks/fw/executors/" + run.taskId + "/runs/latest"));
  EXPECT_EQ(run.launchedAt, toMillis(T0));
  // Durable as launching before the caller accepts the offer.
  Result<jobs::Run> stored = runFromJson(h.store.all(kActiveCollection).at(run.taskId));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, RunState::kLaunching);
}

std::map<std::string, std::string> environmentOf(const v1::CommandInfo& c) {
  std::map<std::string, std::string> env;
  for (auto& v : c.environment().variables()) env[v.name()] = v.value();
  return env;
}

jobs::Run runOf(const std::string& job, const std::string& args = "") {
  jobs::Run r;
  r.job = job;
  r.due = 1700000000000;
  r.attempt = 1;
  r.args = args;
  r.taskId = "ct:1700000000000:1:" + job + ":" + args;
  return r;
}

TEST(JobsRunTaskTest, ShellCommandWithEnvironmentUserUrisAndLabels) {
  Job j = scheduledJob("etl", "R//PT1H");
  j.command = "run.sh";
  j.owner = "ops@example.com";
  j.cpus = 0.5;
  j.environmentVariables = {{"FOO", "bar"}, {"HOST", "not-overridden"}};
  j.fetch = {FetchUri{"http://x/a.tgz", true, true, false, ""}};
  j.labels = {{"team", "data"}};
  v1::TaskInfo t = buildTask(j, runOf("etl", "--fast"), offer("o", "n1"), {});
  EXPECT_EQ(t.name(), "etl");
  EXPECT_EQ(t.task_id().value(), "ct:1700000000000:1:etl:--fast");
  EXPECT_EQ(t.agent_id().value(), "agent-n1");
  EXPECT_TRUE(t.command().shell());
  EXPECT_EQ(t.command().value(), "run.sh --fast");
  EXPECT_EQ(t.command().user(), "nobody");
  ASSERT_EQ(t.command().uris_size(), 1);
  EXPECT_TRUE(t.command().uris(0).extract());
  auto env = environmentOf(t.command());
  EXPECT_EQ(env["mesos_task_id"], "ct:1700000000000:1:etl:--fast");
  EXPECT_EQ(env["CHRONOS_JOB_NAME"], "etl");
  EXPECT_EQ(env["CHRONOS_JOB_OWNER"], "ops@example.com");
  EXPECT_EQ(env["CHRONOS_RESOURCE_CPU"], "0.5");
  EXPECT_EQ(env["HOST"], "n1");
  EXPECT_EQ(env["FOO"], "bar");
  EXPECT_EQ(env["TEPUI_RUN_ATTEMPT"], "1");
  ASSERT_EQ(t.labels().labels_size(), 1);
  EXPECT_EQ(t.labels().labels(0).key(), "team");
}

TEST(JobsRunTaskTest, UrlCommandIsFetchedAndRunFromTheSandbox) {
  Job j = scheduledJob("u", "R//PT1H");
  j.command = "https://example.com/bin/tool";
  v1::TaskInfo t = buildTask(j, runOf("u"), offer("o", "n1"), {});
  EXPECT_EQ(t.command().value(), "\"./tool\"");
  ASSERT_EQ(t.command().uris_size(), 1);
  EXPECT_TRUE(t.command().uris(0).executable());
}

TEST(JobsRunTaskTest, CustomExecutorGetsFlagsAndCommandAsData) {
  Job j = scheduledJob("e", "R//PT1H");
  j.executor = "/opt/exec";
  j.executorFlags = "-v";
  v1::TaskInfo t = buildTask(j, runOf("e"), offer("o", "n1"), {});
  EXPECT_FALSE(t.has_command());
  EXPECT_EQ(t.executor().command().value(), "/opt/exec");
  EXPECT_EQ(t.data(), "-v|echo e");
}

TEST(JobsRunTaskTest, ContainerConvertsChronosShape) {
  boost::json::value c = boost::json::parse(
      R"({"type":"docker","image":"busybox","network":"BRIDGE","forcePullImage":true,
          "volumes":[{"containerPath":"/data","hostPath":"/srv","mode":"RO"}],
          "parameters":[{"key":"memory-swap","value":"1g"}]})");
  Result<v1::ContainerInfo> info = containerInfo(c);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->type(), v1::ContainerInfo::DOCKER);
  EXPECT_EQ(info->docker().image(), "busybox");
  EXPECT_EQ(info->docker().network(), v1::ContainerInfo::DockerInfo::BRIDGE);
  EXPECT_TRUE(info->docker().force_pull_image());
  EXPECT_EQ(info->volumes(0).mode(), v1::Volume::RO);
  EXPECT_EQ(info->docker().parameters(0).key(), "memory-swap");
  Result<v1::ContainerInfo> mesos = containerInfo(boost::json::parse(R"({"type":"MESOS","image":"alpine"})"));
  ASSERT_TRUE(mesos.ok());
  EXPECT_EQ(mesos->mesos().image().docker().name(), "alpine");
  Result<v1::ContainerInfo> bad = containerInfo(boost::json::parse(R"({"image":"x","network":"WIFI"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("container.network:", 0), 0u) << bad.error().message;
  bad = containerInfo(boost::json::parse(R"({"image":"x","volumes":[{"hostPath":"/a"}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "container.volumes[0].containerPath: is required");
}

}  // namespace
}  // namespace tepui::jobs::testing
