// The command line's index over GET_STATE (src/cli/cluster_state.hpp) and
// what `tepui top` computes from it (src/cli/top_frame.hpp).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli/cluster_state.hpp"
#include "cli/top_frame.hpp"
#include "common/json.hpp"

namespace tepui::cli {
namespace {

std::string task(const std::string& id, const std::string& framework, const std::string& agent,
                 const std::string& state, double cpus, double mem, const std::string& extra = "") {
  return R"({"name":")" + id + R"(-name","task_id":{"value":")" + id + R"("},"framework_id":{"value":")" + framework +
         R"("},"agent_id":{"value":")" + agent + R"("},"state":")" + state +
         R"(","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":)" + std::to_string(cpus) +
         R"(}},{"name":"mem","type":"SCALAR","scalar":{"value":)" + std::to_string(mem) + "}}]" + extra + "}";
}

std::string agent(const std::string& id, const std::string& host, bool active, double usedCpus, double cpus) {
  return R"({"agent_info":{"hostname":")" + host + R"(","id":{"value":")" + id + R"("}},"active":)" +
         (active ? "true" : "false") +
         R"(,"version":"1","total_resources":[{"name":"cpus","type":"SCALAR",)"
         R"("scalar":{"value":)" +
         std::to_string(cpus) +
         R"(}},{"name":"mem","type":"SCALAR","scalar":{"value":1024}}],)"
         R"("allocated_resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":)" +
         std::to_string(usedCpus) + "}}]}";
}

std::string framework(const std::string& id, const std::string& name) {
  return R"({"framework_info":{"user":"u","name":")" + name + R"(","id":{"value":")" + id +
         R"("}},"active":true,"connected":true,"recovered":false})";
}

ClusterState fixture() {
  std::string json =
      R"({"get_tasks":{"tasks":[)" + task("t1", "f1", "a1", "TASK_RUNNING", 1, 128) + "," +
      task("t2", "f1", "a2", "TASK_STAGING", 0.5, 256) + "," + task("dup", "f1", "a1", "TASK_RUNNING", 0.1, 16) + "," +
      task("grouped", "f1", "a1", "TASK_RUNNING", 0.1, 16, R"(,"executor_id":{"value":"pod"})") +
      R"(],"unreachable_tasks":[)" + task("u1", "f1", "a2", "TASK_UNREACHABLE", 1, 1) + R"(],"completed_tasks":[)" +
      task("dup", "f2", "a2", "TASK_FINISHED", 1, 1) + "," + task("again", "f2", "a1", "TASK_FAILED", 1, 1) + "," +
      task("again", "f2", "a2", "TASK_KILLED", 1, 1) + "]}," +
      R"("get_executors":{"executors":[{"executor_info":{"type":"DEFAULT","executor_id":{"value":)"
      R"("pod"},"framework_id":{"value":"f1"}},"agent_id":{"value":"a1"}}]},)" +
      R"("get_frameworks":{"frameworks":[)" + framework("f1", "web") + R"(],"completed_frameworks":[)" +
      framework("f2", "batch") + "]}," + R"("get_agents":{"agents":[)" + agent("a1", "host-a", true, 1.2, 4) + "," +
      agent("a2", "host-b", false, 3, 4) + "]}}";
  GetState state;
  auto parsed = json::fromJson(json, &state);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return ClusterState(std::move(state));
}

std::vector<std::string> ids(const Result<std::vector<TaskEntry>>& tasks) {
  EXPECT_TRUE(tasks) << tasks.error().message;
  std::vector<std::string> out;
  if (tasks) {
    for (auto& e : *tasks) out.push_back(e.task->task_id().value() + "@" + e.task->framework_id().value());
  }
  return out;
}

using Ids = std::vector<std::string>;

TEST(CliClusterStateTest, TaskStatesParseWithOrWithoutPrefixInAnyCase) {
  EXPECT_EQ(*parseTaskState("TASK_RUNNING"), v1::TASK_RUNNING);
  EXPECT_EQ(*parseTaskState("running"), v1::TASK_RUNNING);
  EXPECT_EQ(*parseTaskState("Task_Gone_By_Operator"), v1::TASK_GONE_BY_OPERATOR);
  auto bad = parseTaskState("sleeping");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown task state 'sleeping'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("running, killing, finished"), std::string::npos);
}

TEST(CliClusterStateTest, LiveTasksByDefaultAndEveryListWithAll) {
  auto state = fixture();
  EXPECT_EQ(ids(state.selectTasks({})), (Ids{"t1@f1", "t2@f1", "dup@f1", "grouped@f1"}));
  TaskQuery all;
  all.all = true;
  EXPECT_EQ(ids(state.selectTasks(all)),
            (Ids{"t1@f1", "t2@f1", "dup@f1", "grouped@f1", "u1@f1", "dup@f2", "again@f2", "again@f2"}));
}

TEST(CliClusterStateTest, FiltersMatchIdsOrNamesAndAllMustHold) {
  auto state = fixture();
  TaskQuery q;
  q.all = true;
  q.framework = "batch";
  EXPECT_EQ(ids(state.selectTasks(q)), (Ids{"dup@f2", "again@f2", "again@f2"}));
  q.agent = "host-b";
  EXPECT_EQ(ids(state.selectTasks(q)), (Ids{"dup@f2", "again@f2"}));
  q.state = v1::TASK_KILLED;
  EXPECT_EQ(ids(state.selectTasks(q)), (Ids{"again@f2"}));
  TaskQuery byName;
  byName.name = "t2-name";
  byName.agent = "a2";
  EXPECT_EQ(ids(state.selectTasks(byName)), (Ids{"t2@f1"}));
  byName.name = "t2";  // names match whole
  EXPECT_EQ(ids(state.selectTasks(byName)), Ids{});
}

TEST(CliClusterStateTest, UnknownFrameworkOrAgentIsAnError) {
  auto state = fixture();
  TaskQuery q;
  q.framework = "nope";
  auto tasks = state.selectTasks(q);
  ASSERT_FALSE(tasks);
  EXPECT_EQ(tasks.error().message, "no framework 'nope'");
  q.framework.clear();
  q.agent = "host-z";
  tasks = state.selectTasks(q);
  ASSERT_FALSE(tasks);
  EXPECT_EQ(tasks.error().message, "no agent 'host-z'");
}

TEST(CliClusterStateTest, FindTaskPrefersLiveThenTheNewestAndAsksWhenAmbiguous) {
  auto state = fixture();
  auto t1 = state.findTask("t1", "");
  ASSERT_TRUE(t1);
  EXPECT_EQ(t1->list, TaskEntry::List::LIVE);
  auto again = state.findTask("again", "");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->task->state(), v1::TASK_KILLED);  // the later of two completed entries

  auto dup = state.findTask("dup", "");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("several frameworks (f1, f2)"), std::string::npos);
  EXPECT_NE(dup.error().message.find("--framework"), std::string::npos);
  auto chosen = state.findTask("dup", "batch");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->task->framework_id().value(), "f2");
  auto live = state.findTask("dup", "", TaskEntry::List::LIVE);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->task->framework_id().value(), "f1");

  auto missing = state.findTask("x", "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "no task 'x'");
  missing = state.findTask("t1", "batch");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "no task 't1' in framework 'batch'");
}

TEST(CliClusterStateTest, SandboxOfACommandTaskAndOfATaskInAGroup) {
  auto state = fixture();
  EXPECT_EQ(state.sandboxPath(*state.findTask("t1", "")->task), "/slaves/a1/frameworks/f1/executors/t1/runs/latest");
  EXPECT_EQ(state.sandboxPath(*state.findTask("grouped", "")->task),
            "/slaves/a1/frameworks/f1/executors/pod/runs/latest/tasks/grouped");
}

TEST(CliClusterStateTest, NamesAndCountsByAgentAndFramework) {
  auto state = fixture();
  EXPECT_EQ(state.hostname("a2"), "host-b");
  EXPECT_EQ(state.hostname("a9"), "");
  EXPECT_EQ(state.frameworkName("f2"), "batch");
  EXPECT_EQ(state.liveTasksOnAgent("a1"), 3u);
  EXPECT_EQ(state.liveTasksOfFramework("f1"), 4u);
  EXPECT_EQ(state.liveTasksOfFramework("f2"), 0u);
}

TEST(CliTopFrameTest, SummaryCountsTasksByStateAndAddsResources) {
  auto state = fixture();
  auto summary = summarize(state);
  EXPECT_EQ(summary.agents, 2u);
  EXPECT_EQ(summary.activeAgents, 1u);
  EXPECT_EQ(summary.frameworks, 1u);
  using Count = std::pair<v1::TaskState, size_t>;
  EXPECT_EQ(summary.tasksByState, (std::vector<Count>{{v1::TASK_STAGING, 1},
                                                      {v1::TASK_RUNNING, 3},
                                                      {v1::TASK_FINISHED, 1},
                                                      {v1::TASK_FAILED, 1},
                                                      {v1::TASK_KILLED, 1},
                                                      {v1::TASK_UNREACHABLE, 1}}));
  EXPECT_DOUBLE_EQ(summary.used.cpus, 4.2);
  EXPECT_DOUBLE_EQ(summary.total.cpus, 8);
  EXPECT_DOUBLE_EQ(summary.total.mem, 2048);
  auto json = boost::json::parse(summaryJson(summary)).as_object();
  EXPECT_EQ(json.at("agents").as_int64(), 2);
  EXPECT_EQ(json.at("active_agents").as_int64(), 1);
  EXPECT_EQ(json.at("tasks").at("TASK_RUNNING").as_int64(), 3);
  EXPECT_EQ(json.at("cpus").at("used").as_double(), 4.2);
  EXPECT_EQ(json.at("mem").at("total").as_double(), 2048);
}

TEST(CliTopFrameTest, BusiestAgentsByCpuShareAndTasksByCpus) {
  auto state = fixture();
  auto agents = busiestAgents(state, 5);
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0]->agent_info().id().value(), "a2");
  auto tasks = busiestTasks(state, 2);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].task->task_id().value(), "t1");
  EXPECT_EQ(tasks[1].task->task_id().value(), "t2");
  std::string frame = renderFrame(state, "title", 1);
  EXPECT_NE(frame.find("Tasks:       1 TASK_STAGING, 3 TASK_RUNNING"), std::string::npos) << frame;
  EXPECT_NE(frame.find("CPUs:        4.2 / 8 (53%)"), std::string::npos) << frame;
  auto begin = frame.find("Busiest agents");
  std::string agentsShown = frame.substr(begin, frame.find("Busiest tasks") - begin);
  EXPECT_NE(agentsShown.find("host-b"), std::string::npos) << frame;
  EXPECT_EQ(agentsShown.find("host-a"), std::string::npos) << frame;  // one row: only the busiest agent
}

}  // namespace
}  // namespace tepui::cli
