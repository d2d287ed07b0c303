// An index over the master's GET_STATE answer for the operator commands:
// agents and frameworks by id, every task with the list it came from, the
// lookups that the commands' arguments name (an id or a name), and the task
// filter of `tepui tasks`.
//
// Contract:
// - Frameworks are the connected and the completed ones; tasks are the
//   live, unreachable and completed ones, each list in the master's order.
// - frameworksMatching(F) and agentsMatching(A) return the ids whose id or
//   name (hostname) is exactly F (A); none is the error "no framework 'F'"
//   ("no agent 'A'").
// - findTask() picks the task with the id (among the entries of list
//   `only`, if given): a live entry over an unreachable one over a
//   completed one, and the last listed of a kind. Errors: "no task 'x'",
//   and a task id used by several frameworks without `framework` to choose
//   ("... choose one with --framework").
// - selectTasks() keeps the live tasks (and, with `all`, the unreachable
//   and completed ones) that match every filter given.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "tepui/v1/master.pb.h"

namespace tepui::cli {

using GetState = v1::master::Response::GetState;
using AgentEntry = v1::master::Response::GetAgents::Agent;
using FrameworkEntry = v1::master::Response::GetFrameworks::Framework;

struct TaskEntry {
  enum class List { LIVE, UNREACHABLE, COMPLETED };
  const v1::Task* task;
  List list;
};

struct TaskQuery {
  bool all = false;
  std::string framework;  // id or name; empty: any
  std::optional<v1::TaskState> state;
  std::string agent;  // id or hostname; empty: any
  std::string name;   // the task's name, exactly; empty: any
};

// The cpus, mem (MB) and disk (MB) in a list of resources, whatever their
// reservations.
struct Amounts {
  double cpus = 0, mem = 0, disk = 0;
  Amounts& operator+=(const Amounts& other);
};
Amounts amounts(const google::protobuf::RepeatedPtrField<v1::Resource>& resources);

// "TASK_RUNNING", "task_running" or "running"; an error lists the states.
Result<v1::TaskState> parseTaskState(const std::string& text);

class ClusterState {
 public:
  explicit ClusterState(GetState state);

  const GetState& raw() const { return *state_; }
  const std::vector<TaskEntry>& tasks() const { return tasks_; }

  const AgentEntry* agent(const std::string& id) const;
  const FrameworkEntry* framework(const std::string& id) const;
  std::string hostname(const std::string& agentId) const;           // "" if unknown
  std::string frameworkName(const std::string& frameworkId) const;  // "" if unknown
  // Live tasks per agent id and per framework id.
  size_t liveTasksOnAgent(const std::string& agentId) const;
  size_t liveTasksOfFramework(const std::string& frameworkId) const;

  Result<std::set<std::string>> frameworksMatching(const std::string& idOrName) const;
  Result<std::set<std::string>> agentsMatching(const std::string& idOrHostname) const;

  Result<TaskEntry> findTask(const std::string& taskId, const std::string& framework,
                             std::optional<TaskEntry::List> only = std::nullopt) const;
  Result<std::vector<TaskEntry>> selectTasks(const TaskQuery& query) const;

  // The task's sandbox as the master's /files/ endpoints name it:
  // /slaves/<agent>/frameworks/<fw>/executors/<executor>/runs/latest, where
  // a command task's executor has the task's id, and a task of a task
  // group (its executor is of type DEFAULT) has tasks/<task id> inside it.
  std::string sandboxPath(const v1::Task& task) const;

 private:
  std::unique_ptr<GetState> state_;  // the entries point into it
  std::vector<TaskEntry> tasks_;
};

}  // namespace tepui::cli
