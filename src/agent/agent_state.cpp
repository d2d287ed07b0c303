// The agent's checkpoint on disk (see agent_state.hpp).
#include "agent/agent_state.hpp"

#include <algorithm>
#include <filesystem>

#include "common/checkpoint.hpp"

namespace tepui::agent::state {

namespace fs = std::filesystem;

namespace {

// The names of the directories in `dir`, sorted; none when it is missing.
Result<std::vector<std::string>> subdirectories(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) names.push_back(it->path().filename().string());
  }
  if (ec) return Error("cannot list '" + dir.string() + "': " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

// Reads a record that must be there.
Status readRequired(const fs::path& path, google::protobuf::Message* message) {
  auto found = checkpoint::read(path.string(), message);
  if (!found) return found.error();
  if (!*found) return Error("'" + path.string() + "' is missing");
  return okStatus();
}

}  // namespace

Checkpoint::Checkpoint(std::string workDir) : workDir_(std::move(workDir)) {}

std::string Checkpoint::agentsDir() const { return (fs::path(workDir_) / "meta" / "agents").string(); }
std::string Checkpoint::latestPath() const { return agentsDir() + "/latest"; }
std::string Checkpoint::agentDir(const std::string& agentId) const { return agentsDir() + "/" + agentId; }

std::string Checkpoint::frameworkDir(const std::string& agentId, const std::string& frameworkId) const {
  return agentDir(agentId) + "/frameworks/" + frameworkId;
}

std::string Checkpoint::executorDir(const std::string& agentId, const std::string& frameworkId,
                                    const std::string& executorId) const {
  return frameworkDir(agentId, frameworkId) + "/executors/" + executorId;
}

std::string Checkpoint::runDir(const std::string& agentId, const std::string& frameworkId,
                               const std::string& executorId, const std::string& containerId) const {
  return executorDir(agentId, frameworkId, executorId) + "/runs/" + containerId;
}

std::string Checkpoint::taskDir(const std::string& agentId, const std::string& frameworkId,
                                const std::string& executorId, const std::string& containerId,
                                const std::string& taskId) const {
  return runDir(agentId, frameworkId, executorId, containerId) + "/tasks/" + taskId;
}

Status Checkpoint::write(const std::string& path, const google::protobuf::Message& message) const {
  auto change = checkpoint::writing(path, message);
  if (!change) return change.error();
  return make(std::move(*change));
}

Status Checkpoint::make(checkpoint::Change change) const {
  if (writer_ == nullptr) return checkpoint::apply({std::move(change)}).front();
  writer_->submit(std::move(change));
  return okStatus();
}

Status Checkpoint::writeAgent(const v1::AgentInfo& info) const {
  if (auto s = write(agentDir(info.id().value()) + "/agent.info", info); !s) return s;
  return make({checkpoint::Change::Kind::LINK, latestPath(), info.id().value()});
}

Status Checkpoint::removeLatest() const { return make({checkpoint::Change::Kind::REMOVE, latestPath(), ""}); }
Status Checkpoint::removeAll() const { return make({checkpoint::Change::Kind::REMOVE, agentsDir(), ""}); }

Status Checkpoint::writeFramework(const std::string& agentId, const v1::FrameworkInfo& info) const {
  return write(frameworkDir(agentId, info.id().value()) + "/framework.info", info);
}

Status Checkpoint::writeExecutor(const std::string& agentId, const std::string& frameworkId,
                                 const internal::CheckpointedExecutor& executor) const {
  return write(executorDir(agentId, frameworkId, executor.info().executor_id().value()) + "/executor.info", executor);
}

Status Checkpoint::writeRun(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                            const std::string& containerId, const internal::ExecutorRun& run) const {
  return write(runDir(agentId, frameworkId, executorId, containerId) + "/pid", run);
}

Status Checkpoint::writeTask(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                             const std::string& containerId, const v1::TaskInfo& task) const {
  return write(taskDir(agentId, frameworkId, executorId, containerId, task.task_id().value()) + "/task.info", task);
}

Status Checkpoint::writeUpdates(const std::string& agentId, const std::string& frameworkId,
                                const std::string& executorId, const std::string& containerId,
                                const std::string& taskId, const internal::TaskUpdates& updates) const {
  return write(taskDir(agentId, frameworkId, executorId, containerId, taskId) + "/task.updates", updates);
}

Status Checkpoint::removeFramework(const std::string& agentId, const std::string& frameworkId) const {
  return make({checkpoint::Change::Kind::REMOVE, frameworkDir(agentId, frameworkId), ""});
}

Status Checkpoint::removeExecutor(const std::string& agentId, const std::string& frameworkId,
                                  const std::string& executorId) const {
  return make({checkpoint::Change::Kind::REMOVE, executorDir(agentId, frameworkId, executorId), ""});
}

Status Checkpoint::removeTask(const std::string& agentId, const std::string& frameworkId, const std::string& executorId,
                              const std::string& containerId, const std::string& taskId) const {
  return make({checkpoint::Change::Kind::REMOVE, taskDir(agentId, frameworkId, executorId, containerId, taskId), ""});
}

Result<std::optional<RecoveredAgent>> Checkpoint::recover() const {
  auto latest = checkpoint::readLink(latestPath());
  if (!latest) return latest.error();
  if (!*latest) return std::optional<RecoveredAgent>();
  RecoveredAgent agent;
  fs::path dir = fs::path(agentsDir()) / **latest;
  if (auto s = readRequired(dir / "agent.info", &agent.info); !s) return s.error();
  if (agent.info.id().value() != **latest) {
    return Error("'" + (dir / "agent.info").string() + "' is of agent '" + agent.info.id().value() + "', not '" +
                 **latest + "'");
  }
  auto frameworks = subdirectories(dir / "frameworks");
  if (!frameworks) return frameworks.error();
  for (const std::string& fid : *frameworks) {
    fs::path fdir = dir / "frameworks" / fid;
    RecoveredFramework framework;
    if (auto s = readRequired(fdir / "framework.info", &framework.info); !s) return s.error();
    auto executors = subdirectories(fdir / "executors");
    if (!executors) return executors.error();
    for (const std::string& eid : *executors) {
      auto executor = recoverExecutor((fdir / "executors" / eid).string());
      if (!executor) return executor.error();
      framework.executors[eid] = std::move(*executor);
    }
    agent.frameworks[fid] = std::move(framework);
  }
  return std::optional<RecoveredAgent>(std::move(agent));
}

Result<RecoveredExecutor> Checkpoint::recoverExecutor(const std::string& dir) const {
  RecoveredExecutor executor;
  if (auto s = readRequired(fs::path(dir) / "executor.info", &executor.info); !s) return s.error();
  auto runs = subdirectories(fs::path(dir) / "runs");
  if (!runs) return runs.error();
  for (const std::string& containerId : *runs) {
    auto run = recoverRun((fs::path(dir) / "runs" / containerId).string());
    if (!run) return run.error();
    executor.runs.push_back(std::move(*run));
  }
  return executor;
}

Result<RecoveredRun> Checkpoint::recoverRun(const std::string& dir) const {
  RecoveredRun run;
  run.containerId = fs::path(dir).filename().string();
  internal::ExecutorRun process;
  auto found = checkpoint::read(dir + "/pid", &process);
  if (!found) return found.error();
  if (*found) run.process = process;
  auto tasks = subdirectories(fs::path(dir) / "tasks");
  if (!tasks) return tasks.error();
  for (const std::string& taskId : *tasks) {
    fs::path tdir = fs::path(dir) / "tasks" / taskId;
    RecoveredTask task;
    // A task directory without task.info is one whose removal was cut
    // short, or whose first write was: there is nothing to recover.
    auto info = checkpoint::read((tdir / "task.info").string(), &task.info);
    if (!info) return info.error();
    if (!*info) continue;
    auto updates = checkpoint::read((tdir / "task.updates").string(), &task.updates);
    if (!updates) return updates.error();
    run.tasks[taskId] = std::move(task);
  }
  return run;
}

}  // namespace tepui::agent::state
