// Launching an executor: its sandbox (and the `latest` symlink), then its
// CommandInfo.uris fetched into the sandbox by tepui-fetcher (the executor
// is FETCHING meanwhile), then its process, started with the environment the
// v1 executor API promises, and its registration timer. An executor without
// URIs is spawned at once and no fetcher runs: that path is on every
// command task's launch.
//
// A DEFAULT executor's task groups are fetched too: each task's command
// URIs go into the task's own sandbox, `tasks/<task id>` inside the
// executor's, as Mesos fetches them into each task's nested container, and
// the group is handed to the executor once they are all there.
//
// A failed fetch fails the tasks waiting for it with
// REASON_CONTAINER_LAUNCH_FAILED and the fetcher's one-line reason; an
// executor whose own fetch failed is then gone, as if it had exited.
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "agent/agent_impl.hpp"
#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"

namespace tepui::agent {

namespace fs = std::filesystem;

std::optional<std::string> AgentImpl::switchedUser(const v1::CommandInfo& command,
                                                   const v1::FrameworkInfo& framework) const {
  std::string user = command.has_user() ? command.user() : framework.user();
  if (!flags_.switch_user || geteuid() != 0 || user.empty() || user == "root") return std::nullopt;
  return user;
}

FetchRequest AgentImpl::fetchRequest(const google::protobuf::RepeatedPtrField<v1::CommandInfo::URI>& uris,
                                     const std::string& sandbox, const std::optional<std::string>& user) const {
  FetchRequest request;
  request.uris.assign(uris.begin(), uris.end());
  request.sandbox = sandbox;
  request.user = user;
  request.cacheDir = flags_.fetcher_cache_dir;
  request.cacheSize = fetcherCacheSize_;
  request.fetcherPath = fetcherPath_;
  return request;
}

std::string AgentImpl::sandboxPath(const std::string& frameworkId, const std::string& executorId,
                                   const std::string& containerId) const {
  return (fs::path(flags_.work_dir) / "slaves" / agentId_ / "frameworks" / frameworkId / "executors" / executorId /
          "runs" / containerId)
      .string();
}

Result<Executor*> AgentImpl::launchExecutor(FrameworkRecord& framework, const v1::ExecutorInfo& info,
                                            Executor::Kind kind) {
  const std::string fid = framework.info.id().value();
  const std::string eid = info.executor_id().value();
  std::string containerId = ids::uuidString();
  fs::path directory = sandboxPath(fid, eid, containerId), runs = directory.parent_path();
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) return Error("cannot create sandbox '" + directory.string() + "': " + ec.message());
  fs::remove(runs / "latest", ec);
  fs::create_directory_symlink(containerId, runs / "latest", ec);
  std::optional<std::string> user = switchedUser(info.command(), framework.info);
  if (user) {
    // The sandbox belongs to the task's user; the agent keeps its parents.
    if (auto s = containerizer::chownToUser(directory.string(), *user); !s) return s.error();
  }
  if (auto s = linkVolumes(info.resources(), directory.string(), user); !s) return s.error();

  Executor& e = framework.executors[eid];
  e.frameworkId = fid;
  e.id = eid;
  e.containerId = containerId;
  e.directory = directory.string();
  e.info = info;
  e.info.mutable_framework_id()->set_value(fid);
  e.kind = kind;
  e.commandExecutor = kind == Executor::Kind::COMMAND;
  e.user = user;
  if (info.command().uris().empty()) {
    if (auto s = spawnExecutor(e); !s) {
      framework.executors.erase(eid);
      return s.error();
    }
    return &e;
  }
  e.state = Executor::State::FETCHING;
  e.fetch = fetchInOrder(
      watcher_, io_, {fetchRequest(info.command().uris(), e.directory, user)},
      [this, fid, eid, containerId](const Status& fetched) { executorFetched(fid, eid, containerId, fetched); });
  TLOG(INFO) << "Fetching " << info.command().uris_size() << " URI(s) for executor " << eid << " of framework " << fid
             << " into " << e.directory;
  return &e;
}

void AgentImpl::executorFetched(const std::string& frameworkId, const std::string& executorId,
                                const std::string& containerId, const Status& fetched) {
  Executor* e = findExecutor(frameworkId, executorId);
  if (!e || e->containerId != containerId) return;
  e->fetch.reset();
  if (e->state == Executor::State::TERMINATING) {
    return executorTerminated(*e, std::nullopt, "was shut down while fetching its URIs");
  }
  if (e->state != Executor::State::FETCHING) return;
  Status started = fetched ? spawnExecutor(*e) : fetched;
  if (started) return;
  TLOG(WARNING) << "Failed to launch executor " << executorId << " of framework " << frameworkId << ": "
                << started.error().message;
  containerLaunchErrors_++;
  e->terminationReason = v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED;
  e->terminationMessage = kLaunchFailed + started.error().message;
  executorTerminated(*e, std::nullopt, "could not be started");
}

Status AgentImpl::spawnExecutor(Executor& e) {
  const v1::FrameworkInfo& framework = frameworks_.at(e.frameworkId).info;
  const v1::ExecutorInfo& info = e.info;
  containerizer::SpawnSpec spec;
  spec.environment = containerizer::inheritedEnvironment();
  auto& env = spec.environment;
  env["MESOS_FRAMEWORK_ID"] = e.frameworkId;
  env["MESOS_EXECUTOR_ID"] = e.id;
  env["MESOS_DIRECTORY"] = e.directory;
  env["MESOS_SANDBOX"] = e.directory;
  env["MESOS_AGENT_ENDPOINT"] = endpoint();
  env["MESOS_SLAVE_ID"] = agentId_;
  env["MESOS_SLAVE_PID"] = "slave(1)@" + endpoint();
  env["MESOS_CONTAINER_ID"] = e.containerId;
  env["MESOS_CHECKPOINT"] = framework.checkpoint() ? "1" : "0";
  env["MESOS_HTTP_COMMAND_EXECUTOR"] = e.kind == Executor::Kind::COMMAND ? "1" : "0";
  Seconds grace = info.has_shutdown_grace_period()
                      ? Seconds(static_cast<double>(info.shutdown_grace_period().nanoseconds()) / 1e9)
                      : flags_.executor_shutdown_grace_period;
  env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = formatDuration(grace);
  if (framework.checkpoint()) {
    env["MESOS_RECOVERY_TIMEOUT"] = "15mins";
    // Half the re-registration timeout, so that an executor retrying with
    // backoff tries at least twice while a restarted agent waits for it.
    env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = formatDuration(Seconds(flags_.executor_reregistration_timeout.count() / 2));
  }
  env["LIBPROCESS_PORT"] = "0";
  for (auto& v : info.command().environment().variables()) {
    if (v.type() != v1::Environment::Variable::SECRET) env[v.name()] = v.value();
  }

  if (e.kind == Executor::Kind::DEFAULT) {
    spec.argv = {flags_.launcher, "executor", "default"};
  } else if (info.command().shell()) {
    spec.argv = {"/bin/sh", "-c", info.command().value()};
  } else {
    spec.argv.assign(info.command().arguments().begin(), info.command().arguments().end());
    if (spec.argv.empty()) spec.argv.push_back(info.command().value());
    if (info.command().has_value()) spec.argv[0] = info.command().value();
  }
  spec.workingDirectory = e.directory;
  spec.stdoutPath = e.directory + "/stdout";
  spec.stderrPath = e.directory + "/stderr";
  spec.user = e.user;
  if (info.container().has_rlimit_info()) {
    auto rlimits = containerizer::rlimitsOf(info.container().rlimit_info());
    if (!rlimits) return rlimits.error();
    spec.rlimits = std::move(*rlimits);
  }

  auto pid = containerizer_->launch(e.containerId, e.directory, containerResources(e), std::move(spec));
  if (!pid) return pid.error();
  e.state = Executor::State::REGISTERING;
  e.pid = *pid;
  executorsLaunched_++;
  checkpointRun(e);
  watchUntilSubscribed(e, flags_.executor_registration_timeout, v1::TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT,
                       "Executor did not subscribe within " + formatDuration(flags_.executor_registration_timeout));
  TLOG(INFO) << "Launched executor " << e.id << " of framework " << e.frameworkId << " (pid " << *pid << ") in "
             << e.directory;
  return okStatus();
}

void AgentImpl::watchUntilSubscribed(Executor& e, Seconds timeout, v1::TaskStatus::Reason reason,
                                     const std::string& message) {
  std::string fid = e.frameworkId, eid = e.id, containerId = e.containerId;
  if (auto s = watcher_.watch(
          e.pid, [this, fid, eid, containerId](int status) { executorExited(fid, eid, containerId, status); });
      !s) {
    TLOG(ERROR) << "Cannot watch executor " << eid << ": " << s.error().message;
  }
  e.registrationTimer = std::make_unique<Timer>(io_);
  e.registrationTimer->expires_after(clock::seconds(timeout.count()));
  e.registrationTimer->async_wait([this, fid, eid, containerId, reason, message](const boost::system::error_code& ec) {
    if (ec) return;
    Executor* ex = findExecutor(fid, eid);
    if (!ex || ex->containerId != containerId || ex->state != Executor::State::REGISTERING) return;
    TLOG(WARNING) << "Executor " << eid << " of framework " << fid << ": " << message << "; killing it";
    ex->terminationReason = reason;
    ex->terminationMessage = message;
    killContainer(*ex);
  });
}

void AgentImpl::fetchTaskGroup(Executor& e, uint64_t group) {
  std::vector<FetchRequest> requests;
  for (auto& [taskId, record] : e.tasks) {
    if (record.group != group || record.info.command().uris().empty()) continue;
    if (auto why = ids::invalidIdReason(taskId); !why.empty()) {  // the master refuses these
      return failTaskGroup(e, group, "task id '" + taskId + "' " + why);
    }
    fs::path tasks = fs::path(e.directory) / "tasks", sandbox = tasks / taskId;
    std::error_code ec;
    fs::create_directories(sandbox, ec);
    if (ec) return failTaskGroup(e, group, "cannot create sandbox '" + sandbox.string() + "': " + ec.message());
    if (e.user) {
      // The executor creates the sandboxes of the group's other tasks.
      if (auto s = containerizer::chownToUser(tasks.string(), *e.user); !s) {
        return failTaskGroup(e, group, s.error().message);
      }
    }
    requests.push_back(fetchRequest(record.info.command().uris(), sandbox.string(), e.user));
  }
  if (requests.empty()) return;
  TLOG(INFO) << "Fetching the URIs of " << requests.size() << " task(s) of a task group of executor " << e.id;
  std::string fid = e.frameworkId, eid = e.id, containerId = e.containerId;
  e.groupFetches[group] =
      fetchInOrder(watcher_, io_, std::move(requests), [this, fid, eid, containerId, group](const Status& fetched) {
        taskGroupFetched(fid, eid, containerId, group, fetched);
      });
}

void AgentImpl::taskGroupFetched(const std::string& frameworkId, const std::string& executorId,
                                 const std::string& containerId, uint64_t group, const Status& fetched) {
  Executor* e = findExecutor(frameworkId, executorId);
  if (!e || e->containerId != containerId) return;
  e->groupFetches.erase(group);
  // An executor that is going away answers for its tasks when it is gone.
  if (e->state == Executor::State::TERMINATING || e->state == Executor::State::TERMINATED) return;
  if (!fetched) return failTaskGroup(*e, group, fetched.error().message);
  deliverTasks(*e);
}

void AgentImpl::failTaskGroup(Executor& e, uint64_t group, const std::string& why) {
  TLOG(WARNING) << "Failed to launch a task group of executor " << e.id << ": " << why;
  failTasks(
      e, [group](const TaskRecord& record) { return record.group == group; }, why);
}

void AgentImpl::failTasks(Executor& e, const std::function<bool(const TaskRecord&)>& which, const std::string& why) {
  for (auto& [taskId, record] : e.tasks) {
    if (!which(record) || record.launched || isTerminalState(record.state)) continue;
    record.state = v1::TASK_FAILED;
    agentUpdate(e.frameworkId, record.info.task_id(), v1::TASK_FAILED, v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED,
                kLaunchFailed + why, e.commandExecutor ? "" : e.id);
  }
  shutdownIfIdle(e, "its tasks could not be started");
}

}  // namespace tepui::agent
