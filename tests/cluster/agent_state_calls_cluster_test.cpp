// In-process cluster tests of the agent operator API's state calls over
// real HTTP: GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS with a
// running task (launched), a finished one whose update is not acknowledged
// yet (terminated), and one finished and acknowledged (completed, its
// executor completed too), in JSON as a Mesos client reads it and in
// protobuf.
#include <boost/json.hpp>
#include <set>
#include <thread>

#include "operator_calls.hpp"

namespace tepui::testing {
namespace {

namespace bj = boost::json;

using AgentCall = v1::agent::Call;
using AgentResponse = v1::agent::Response;

AgentCall agentCall(AgentCall::Type type) {
  AgentCall c;
  c.set_type(type);
  return c;
}

std::set<std::string> ids(const google::protobuf::RepeatedPtrField<v1::Task>& tasks) {
  std::set<std::string> out;
  for (auto& t : tasks) out.insert(t.task_id().value());
  return out;
}

TEST(AgentStateCallsClusterTest, TasksExecutorsAndFrameworksInEachOfTheirLists) {
  Cluster cluster;
  auto agent = agentEndpoint(cluster, cluster.addAgent());
  TestScheduler s(cluster.masterEndpoint(), frameworkInfo("agent-state"));
  s.subscribe();
  s.launch({commandTask("sleeper", "sleep 1000")}, 0);
  s.waitFor("sleeper", v1::TASK_RUNNING);
  s.launch({commandTask("done", "true")}, 0);
  s.waitFor("done", v1::TASK_FINISHED);  // acknowledged: it becomes completed
  // Its acknowledgement reaches the agent after the scheduler sends it,
  // and its executor exits after that.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  AgentResponse::GetTasks tasks;
  while (true) {
    auto state = decoded<AgentResponse>(postTo(agent, agentCall(AgentCall::GET_STATE))).get_state();
    tasks = state.get_tasks();
    bool executorDone = false;
    for (auto& e : state.get_executors().completed_executors()) {
      executorDone |= e.executor_info().executor_id().value() == "done";
    }
    if (ids(tasks.completed_tasks()).count("done") && executorDone) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "'done' and its executor never became completed";
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(ids(tasks.launched_tasks()), std::set<std::string>{"sleeper"});
  EXPECT_EQ(tasks.pending_tasks_size(), 0);
  EXPECT_EQ(tasks.queued_tasks_size(), 0);
  EXPECT_EQ(tasks.terminated_tasks_size(), 0);
  const v1::Task& sleeper = tasks.launched_tasks(0);
  EXPECT_EQ(sleeper.state(), v1::TASK_RUNNING);
  EXPECT_EQ(sleeper.framework_id().value(), s.frameworkId());
  EXPECT_EQ(sleeper.agent_id().value(), cluster.agent(0).call([](agent::Agent& a) { return a.id(); }));
  EXPECT_FALSE(sleeper.has_executor_id());  // a command task, as in Mesos
  EXPECT_EQ(sleeper.name(), "sleeper");
  EXPECT_GT(Resources(sleeper.resources()).scalar("cpus"), 0);
  EXPECT_EQ(tasks.completed_tasks(0).state(), v1::TASK_FINISHED);

  // A task whose terminal update is not acknowledged stays terminated.
  // (Its updates before that one are, or that one would never be sent.)
  s.launch({commandTask("unacked", "true")}, 0);
  s.waitFor("unacked", v1::TASK_RUNNING);
  s.waitFor("unacked", v1::TASK_FINISHED, false);

  // GET_STATE in JSON, as a Mesos client reads it.
  auto state = postTo(agent, agentCall(AgentCall::GET_STATE));
  ASSERT_EQ(state.status, 200) << state.body;
  auto json = bj::parse(state.body).as_object();
  EXPECT_EQ(json.at("type").as_string(), "GET_STATE");
  auto& getState = json.at("get_state").as_object();
  auto& jsonTasks = getState.at("get_tasks").as_object();
  EXPECT_EQ(jsonTasks.at("launched_tasks").as_array()[0].at("task_id").at("value").as_string(), "sleeper");
  EXPECT_EQ(jsonTasks.at("launched_tasks").as_array()[0].at("state").as_string(), "TASK_RUNNING");
  EXPECT_EQ(jsonTasks.at("terminated_tasks").as_array()[0].at("task_id").at("value").as_string(), "unacked");
  EXPECT_EQ(jsonTasks.at("completed_tasks").as_array()[0].at("task_id").at("value").as_string(), "done");
  auto& frameworks = getState.at("get_frameworks").at("frameworks").as_array();
  ASSERT_EQ(frameworks.size(), 1u);
  EXPECT_EQ(frameworks[0].at("framework_info").at("id").at("value").as_string(), s.frameworkId());
  EXPECT_EQ(frameworks[0].at("framework_info").at("name").as_string(), "agent-state");
  std::set<std::string> executors, completedExecutors;
  for (auto& e : getState.at("get_executors").at("executors").as_array()) {
    executors.insert(std::string(e.at("executor_info").at("executor_id").at("value").as_string()));
  }
  for (auto& e : getState.at("get_executors").at("completed_executors").as_array()) {
    completedExecutors.insert(std::string(e.at("executor_info").at("executor_id").at("value").as_string()));
  }
  EXPECT_TRUE(executors.count("sleeper")) << state.body;
  EXPECT_TRUE(completedExecutors.count("done")) << state.body;
  EXPECT_FALSE(executors.count("done")) << state.body;

  // GET_FRAMEWORKS, GET_EXECUTORS and GET_TASKS in protobuf say the same.
  auto proto = [&](AgentCall::Type type) {
    auto r = postTo(agent, agentCall(type), codec::ContentType::PROTOBUF, "application/x-protobuf");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["Content-Type"], "application/x-protobuf");
    return decoded<AgentResponse>(r, codec::ContentType::PROTOBUF);
  };
  auto gotFrameworks = proto(AgentCall::GET_FRAMEWORKS);
  EXPECT_EQ(gotFrameworks.type(), AgentResponse::GET_FRAMEWORKS);
  ASSERT_EQ(gotFrameworks.get_frameworks().frameworks_size(), 1);
  EXPECT_EQ(gotFrameworks.get_frameworks().frameworks(0).framework_info().id().value(), s.frameworkId());
  auto gotExecutors = proto(AgentCall::GET_EXECUTORS);
  EXPECT_EQ(gotExecutors.type(), AgentResponse::GET_EXECUTORS);
  EXPECT_EQ(gotExecutors.get_executors().executors_size(), static_cast<int>(executors.size()));
  auto gotTasks = proto(AgentCall::GET_TASKS);
  EXPECT_EQ(gotTasks.type(), AgentResponse::GET_TASKS);
  EXPECT_EQ(ids(gotTasks.get_tasks().terminated_tasks()), std::set<std::string>{"unacked"});

  // Once the framework is torn down, it is a completed framework.
  OperatorCall teardown = call(OperatorCall::TEARDOWN);
  teardown.mutable_teardown()->mutable_framework_id()->set_value(s.frameworkId());
  ASSERT_EQ(post(cluster, teardown).status, 200);
  deadline = std::chrono::steady_clock::now() + 20s;
  while (true) {
    auto f = decoded<AgentResponse>(postTo(agent, agentCall(AgentCall::GET_FRAMEWORKS))).get_frameworks();
    if (f.frameworks_size() == 0 && f.completed_frameworks_size() == 1) {
      EXPECT_EQ(f.completed_frameworks(0).framework_info().id().value(), s.frameworkId());
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the framework never became completed on the agent";
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace
}  // namespace tepui::testing
