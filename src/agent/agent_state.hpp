// The agent's checkpoint: what a restarted agent needs to keep its id and
// re-attach to the executors that outlived it. Under <work_dir>/meta:
//
//   agents/latest -> <agent id>            (a symbolic link)
//   agents/<agent id>/agent.info           v1::AgentInfo, with its id
//     frameworks/<framework id>/framework.info      v1::FrameworkInfo
//       executors/<executor id>/executor.info       CheckpointedExecutor
//         runs/<container id>/pid                   ExecutorRun (pid + start time)
//           tasks/<task id>/task.info               v1::TaskInfo
//           tasks/<task id>/task.updates            TaskUpdates
//
// (meta/resources/resources.info, the reservations and volumes, is apart:
// it outlives agent ids, see resources_checkpoint.cpp.) Each file is a
// protobuf written whole and atomically (common/checkpoint.hpp); a crash
// leaves the old content or the new. Without `latest` there is nothing to
// recover and the agent registers as a new one.
//
// Only the file system: what the records mean is the agent's business
// (recovery.cpp). Not thread-safe; the agent uses it from its loop. The
// writes and removals are durable when they return, unless a
// checkpoint::Writer is given (useWriter): then they are queued to it, in
// order, and durable once its afterDurable() says so; their Status then
// reports only what is wrong with the record itself.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/checkpoint_writer.hpp"
#include "common/result.hpp"
#include "tepui/internal/agent_state.pb.h"
#include "tepui/v1/mesos.pb.h"

namespace tepui::agent::state {

struct RecoveredTask {
  v1::TaskInfo info;
  internal::TaskUpdates updates;  // empty when none were checkpointed
};

struct RecoveredRun {
  std::string containerId;
  std::optional<internal::ExecutorRun> process;  // none: it was never started
  std::map<std::string, RecoveredTask> tasks;    // by task id
};

struct RecoveredExecutor {
  internal::CheckpointedExecutor info;
  std::vector<RecoveredRun> runs;  // normally one; more after a crash while one was forgotten
};

struct RecoveredFramework {
  v1::FrameworkInfo info;
  std::map<std::string, RecoveredExecutor> executors;  // by executor id
};

struct RecoveredAgent {
  v1::AgentInfo info;  // with its id
  std::map<std::string, RecoveredFramework> frameworks;
};

class Checkpoint {
 public:
  explicit Checkpoint(std::string workDir);

  void useWriter(checkpoint::Writer* writer) { writer_ = writer; }

  // The whole tree under meta/agents/latest; nullopt when there is no
  // `latest`. An error names the file that cannot be read.
  Result<std::optional<RecoveredAgent>> recover() const;

  // Writes agent.info and points `latest` at it.
  Status writeAgent(const v1::AgentInfo& info) const;
  // Removes `latest`: the next start registers as a new agent.
  Status removeLatest() const;
  // Removes meta/agents altogether (--recover=cleanup).
  Status removeAll() const;

  Status writeFramework(const std::string& agentId, const v1::FrameworkInfo& info) const;
  Status writeExecutor(const std::string& agentId, const std::string& frameworkId,
                       const internal::CheckpointedExecutor& executor) const;
  Status writeRun(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                  const std::string& containerId, const internal::ExecutorRun& run) const;
  Status writeTask(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                   const std::string& containerId, const v1::TaskInfo& task) const;
  Status writeUpdates(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                      const std::string& containerId, const std::string& taskId,
                      const internal::TaskUpdates& updates) const;

  Status removeFramework(const std::string& agentId, const std::string& frameworkId) const;
  Status removeExecutor(const std::string& agentId, const std::string& frameworkId,
                        const std::string& executorId) const;
  Status removeTask(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                    const std::string& containerId, const std::string& taskId) const;

  std::string agentsDir() const;  // <work_dir>/meta/agents
  std::string latestPath() const;
  std::string agentDir(const std::string& agentId) const;
  std::string frameworkDir(const std::string& agentId, const std::string& frameworkId) const;
  std::string executorDir(const std::string& agentId, const std::string& frameworkId,
                          const std::string& executorId) const;
  std::string runDir(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                     const std::string& containerId) const;
  std::string taskDir(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                      const std::string& containerId, const std::string& taskId) const;

 private:
  Result<RecoveredExecutor> recoverExecutor(const std::string& dir) const;
  Result<RecoveredRun> recoverRun(const std::string& dir) const;
  Status write(const std::string& path, const google::protobuf::Message& message) const;
  Status make(checkpoint::Change change) const;

  std::string workDir_;
  checkpoint::Writer* writer_ = nullptr;
};

}  // namespace tepui::agent::state
