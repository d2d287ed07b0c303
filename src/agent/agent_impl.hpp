// Private to src/agent: the agent's state and the class whose member
// functions the files of this folder implement, one concern per file:
//   agent.cpp         construction, flags, resource detection, endpoints
//   master_link.cpp   registration with the master, its events, our calls
//   executors.cpp     running tasks: finding executors, their exit, kill and shutdown
//   executor_launch.cpp  launching an executor: sandbox, fetching URIs, spawn
//   executor_api.cpp  POST /api/v1/executor (the v1 executor API)
//   files.cpp         the sandbox file endpoints
//   operator_api.cpp  POST /api/v1 (the v1 agent operator API); its file calls
//                     in operator_files.cpp, its state calls in operator_state.cpp
//   resources_checkpoint.cpp  dynamic reservations and persistent volumes
//   recovery.cpp      the checkpoint of the agent and of what runs; recovery at start
//   metrics.cpp       /metrics/snapshot, /metrics/prometheus and GET_METRICS
// All of it runs on the agent's event loop; no locks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/agent.hpp"
#include "agent/agent_state.hpp"
#include "agent/fetcher_launch.hpp"
#include "agent/status_update_manager.hpp"
#include "common/codec.hpp"
#include "common/metrics.hpp"
#include "common/resources.hpp"
#include "containerizer/containerizer.hpp"
#include "containerizer/process.hpp"
#include "http/client.hpp"
#include "http/logging_level.hpp"
#include "http/recordio.hpp"
#include "http/server.hpp"
#include "registry/election.hpp"
#include "tepui/internal/agent.pb.h"
#include "tepui/v1/agent.pb.h"
#include "tepui/v1/executor.pb.h"

namespace tepui::agent {

using Timer = boost::asio::steady_timer;

// How the message of a task whose executor could not be started begins.
inline constexpr char kLaunchFailed[] = "Failed to launch container: ";

struct TaskRecord {
  v1::TaskInfo info;
  v1::TaskState state = v1::TASK_STAGING;  // the latest the executor reported
  bool launched = false;                   // handed to the executor
  uint64_t group = 0;                      // the task group it came in (LAUNCH_GROUP); 0 for LAUNCH
  bool checkpointed = false;               // its task.info is on disk (recovery.cpp)
};

struct Executor {
  // FETCHING: tepui-fetcher is putting info.command.uris into the sandbox;
  // the executor is spawned (REGISTERING) once it succeeds.
  enum class State { FETCHING, REGISTERING, RUNNING, TERMINATING, TERMINATED };
  // COMMAND: `tepui executor command` for one task (its id is the task's);
  // DEFAULT: `tepui executor default` for task groups; CUSTOM: the
  // framework's own command.
  enum class Kind { COMMAND, DEFAULT, CUSTOM };

  std::string frameworkId;
  std::string id;
  std::string containerId;
  std::string directory;
  v1::ExecutorInfo info;
  Kind kind = Kind::CUSTOM;
  bool commandExecutor = false;  // kind == COMMAND: its updates carry no executor_id
  State state = State::REGISTERING;
  pid_t pid = -1;
  std::optional<std::string> user;  // who it runs as, when the agent switches user

  std::shared_ptr<FetchRun> fetch;  // while FETCHING
  // DEFAULT executors: the task groups whose tasks' URIs are being fetched
  // into their own sandboxes (tasks/<task id>); they are held back until then.
  std::map<uint64_t, std::shared_ptr<FetchRun>> groupFetches;

  std::shared_ptr<http::Stream> stream;
  codec::ContentType type = codec::ContentType::JSON;
  std::map<std::string, TaskRecord> tasks;  // by task id, until terminal
  std::unique_ptr<Timer> registrationTimer;
  std::unique_ptr<Timer> shutdownTimer;
  std::unique_ptr<Timer> heartbeatTimer;
  std::optional<v1::TaskStatus::Reason> terminationReason;
  std::optional<v1::TaskState> terminationState;                    // what its live tasks become; default TASK_FAILED
  std::optional<v1::TaskResourceLimitation> terminationLimitation;  // the limit its container ran into
  std::string terminationMessage;
  // It outlived a restart of the agent and has not subscribed again yet.
  bool recovered = false;

  bool subscribed() const { return stream && !stream->closed(); }
  // Not yet subscribed, or not even spawned (its tasks still wait for it).
  bool starting() const { return state == State::FETCHING || state == State::REGISTERING; }
  void cancelTimers() {
    for (auto* timer : {registrationTimer.get(), shutdownTimer.get(), heartbeatTimer.get()}) {
      if (timer) timer->cancel();
    }
  }
};

struct FrameworkRecord {
  v1::FrameworkInfo info;
  bool removed = false;                       // the master removed it: its updates go nowhere
  bool infoCheckpointed = false;              // framework.info on disk is `info` as it is now
  std::map<std::string, Executor> executors;  // by executor id
};

// What the agent is done with, newest last, each list bounded
// (operator_state.cpp): the `completed_*` of its operator API.
struct Completed {
  std::deque<v1::FrameworkInfo> frameworks;
  std::deque<v1::ExecutorInfo> executors;
  std::deque<v1::Task> tasks;
};

// files.cpp: /files/browse, /files/read, /files/download, /files/debug.
void registerFileRoutes(http::Server& server, boost::asio::io_context& io, std::function<std::string()> workDir,
                        std::function<std::string()> agentId);

class AgentImpl final : public Agent {
 public:
  AgentImpl(boost::asio::io_context& io, AgentFlags flags, FlagSet* flagSet);
  ~AgentImpl() override;

  Status start();
  uint16_t port() const override { return server_.port(); }
  std::string id() const override { return agentId_; }
  bool registered() const override { return registered_; }
  void stop() override { shutdown(false); }
  void detach() override { shutdown(true); }
  // Stops; kills every executor, or (keepRecoverable) all but those of
  // checkpointing frameworks.
  void shutdown(bool keepRecoverable);
  void onShutdown(std::function<void(const std::string&)> callback) override { onShutdown_ = std::move(callback); }

 private:
  // agent.cpp
  Status detectResources();
  void installRoutes();
  std::string stateJson() const;
  std::string endpoint() const;  // "ip:port" for executors and the master

  // metrics.cpp: /metrics/snapshot, /metrics/prometheus and GET_METRICS.
  tepui::metrics::Snapshot metrics() const;

  // master_link.cpp
  // --master=zk://...: watches the election and registers with whoever
  // leads, again whenever that changes.
  Status followLeadingMaster();
  void leaderChanged(const std::optional<std::string>& leaderJson);
  void connect();
  void reconnectLater();
  void onMasterData(std::string_view data);
  void handleMasterEvent(const internal::AgentEvent& event);
  void resetWatchdog();
  void sendToMaster(internal::AgentCall call);
  void forwardStatus(const std::string& frameworkId, const v1::TaskStatus& status, v1::TaskState latest);
  void acknowledged(const internal::AgentEvent::Acknowledge& ack);

  // executors.cpp
  void runTask(const v1::FrameworkInfo& framework, const v1::TaskInfo& task);
  void runTaskGroup(const v1::FrameworkInfo& framework, const v1::ExecutorInfo& executor,
                    const v1::TaskGroupInfo& group);
  // The running executor `info` names, or a new one; nullptr (after telling
  // the framework about each of `tasks`) when it is shutting down or
  // cannot be started.
  Executor* executorFor(const v1::FrameworkInfo& framework, const v1::ExecutorInfo& info, Executor::Kind kind,
                        const std::vector<v1::TaskID>& tasks);
  // Hands the executor, once subscribed, every task it has not seen yet:
  // LAUNCH for single tasks, one LAUNCH_GROUP per task group (once its
  // URIs are fetched).
  void deliverTasks(Executor& executor);
  v1::ExecutorInfo commandExecutorInfo(const v1::FrameworkInfo& framework, const v1::TaskInfo& task) const;
  void executorExited(const std::string& frameworkId, const std::string& executorId, const std::string& containerId,
                      int waitStatus);
  // The executor is gone (exited, or never started): each of its tasks
  // without a terminal update gets one (TASK_KILLED when it was being shut
  // down, else TASK_FAILED), the master hears EXECUTOR_EXITED, and the
  // executor is forgotten once its tasks' updates are acknowledged.
  void executorTerminated(Executor& executor, std::optional<int> waitStatus, const std::string& how);
  // Shuts down an executor that was never handed a task and has no live
  // task left (its tasks were killed or failed before it got them).
  void shutdownIfIdle(Executor& executor, const std::string& why);
  void killTask(const internal::AgentEvent::KillTask& kill);
  void shutdownExecutor(const std::string& frameworkId, const std::string& executorId, const std::string& why);
  void shutdownFramework(const std::string& frameworkId);
  // An update the agent itself generates (source AGENT, with a uuid).
  // `limitation`: the resources whose limit the task's container ran into.
  void agentUpdate(const std::string& frameworkId, const v1::TaskID& taskId, v1::TaskState state,
                   v1::TaskStatus::Reason reason, const std::string& message, const std::string& executorId = "",
                   const v1::TaskResourceLimitation* limitation = nullptr);
  void sendToExecutor(Executor& executor, const v1::executor::Event& event);
  // By value: callers pass ids that belong to the records it erases.
  void maybeForgetExecutor(std::string frameworkId, std::string executorId);
  Executor* findExecutor(const std::string& frameworkId, const std::string& executorId);

  // executor_launch.cpp
  // Creates the sandbox and the record, then spawns the executor, or first
  // fetches its URIs (FETCHING); an error when it cannot be started at all.
  Result<Executor*> launchExecutor(FrameworkRecord& framework, const v1::ExecutorInfo& info, Executor::Kind kind);
  // <work_dir>/slaves/<agent id>/frameworks/<f>/executors/<e>/runs/<container id>
  std::string sandboxPath(const std::string& frameworkId, const std::string& executorId,
                          const std::string& containerId) const;
  Status spawnExecutor(Executor& executor);
  // Watches the executor's process (its exit ends the executor) and kills
  // it if it has not subscribed within `timeout`, its tasks then ending
  // with `reason` and `message`.
  void watchUntilSubscribed(Executor& executor, Seconds timeout, v1::TaskStatus::Reason reason,
                            const std::string& message);
  void executorFetched(const std::string& frameworkId, const std::string& executorId, const std::string& containerId,
                       const Status& fetched);
  // For a DEFAULT executor: fetches the URIs of task group `group`'s tasks,
  // each into its own sandbox; the group is delivered once they are there.
  void fetchTaskGroup(Executor& executor, uint64_t group);
  void taskGroupFetched(const std::string& frameworkId, const std::string& executorId, const std::string& containerId,
                        uint64_t group, const Status& fetched);
  // TASK_FAILED (REASON_CONTAINER_LAUNCH_FAILED) for each task of the group
  // that has not reached the executor.
  void failTaskGroup(Executor& executor, uint64_t group, const std::string& why);
  // The same for the executor's tasks `which` picks; then shuts the
  // executor down if it is left with nothing to run.
  void failTasks(Executor& executor, const std::function<bool(const TaskRecord&)>& which, const std::string& why);
  FetchRequest fetchRequest(const google::protobuf::RepeatedPtrField<v1::CommandInfo::URI>& uris,
                            const std::string& sandbox, const std::optional<std::string>& user) const;
  // Who an executor or task runs as: its command's user, else the
  // framework's, when the agent runs as root and switches user.
  std::optional<std::string> switchedUser(const v1::CommandInfo& command, const v1::FrameworkInfo& framework) const;

  // resources_checkpoint.cpp
  std::string resourcesCheckpointPath() const;
  // <work_dir>/volumes/roles/<role>/<persistence id>
  std::string volumePath(const v1::Resource& volume) const;
  // At start: re-applies the checkpointed dynamic reservations and volumes
  // to the total the flags give; an error when they no longer fit.
  Status recoverResources();
  // The master's new total (CHECKPOINT_RESOURCES): checkpointed, volume
  // directories created for new volumes and removed for destroyed ones.
  void adoptTotal(const Resources& total);
  // Links each persistent volume among `resources` into `sandbox` at its
  // container_path (a symbolic link to the volume's directory, created if
  // missing and owned by `user` when set).
  Status linkVolumes(const google::protobuf::RepeatedPtrField<v1::Resource>& resources, const std::string& sandbox,
                     const std::optional<std::string>& user) const;

  // recovery.cpp
  // At start, before listening: reads the checkpoint. With
  // --recover=reconnect the agent keeps its id (an error if the resources
  // or attributes differ from the checkpointed ones) and rebuilds its
  // frameworks, executors, tasks and status update streams: executors still
  // alive wait --executor_reregistration_timeout for their SUBSCRIBE, the
  // others are gone. With cleanup, it kills what still runs and drops the
  // checkpoint.
  Status recoverState(const std::vector<v1::Attribute>& attributes);
  void recoverExecutor(FrameworkRecord& framework, const std::string& executorId,
                       const state::RecoveredExecutor& recovered, std::vector<std::string>& gone);
  // Watches a recovered executor's process and gives it the re-registration
  // timeout.
  void reattachExecutor(Executor& executor);
  // When a recovered executor subscribes again: a task it was handed but
  // neither reports nor ever updated was lost with the agent before it
  // reached the executor (TASK_LOST, or TASK_DROPPED for PARTITION_AWARE
  // frameworks, with REASON_AGENT_RESTARTED), as Mesos does.
  void droppedInRestart(Executor& executor, const std::set<std::string>& reported);
  // The framework checkpoints (FrameworkInfo.checkpoint): only then is what
  // runs for it written down.
  bool checkpointing(const std::string& frameworkId) const;
  // Writes, each logged on failure (the agent runs on; a restart would miss
  // what failed to be written).
  void checkpointAgent();
  void checkpointFramework(FrameworkRecord& framework);  // unless already written as it is
  void checkpointRun(Executor& executor);  // framework.info, executor.info, the process and its queued tasks
  void checkpointTask(const Executor& executor, TaskRecord& task);
  void checkpointUpdates(const std::string& frameworkId, const std::string& taskId,
                         const internal::TaskUpdates& stream);
  void forgetCheckpointedTask(const Executor& executor, const TaskRecord& task);
  void forgetCheckpointedExecutor(const std::string& frameworkId, const std::string& executorId);
  void forgetCheckpointedFramework(const std::string& frameworkId);

  // containers.cpp
  // What the executor's container was given: the executor's resources
  // (Mesos's 0.1 cpus and 32 MB on top for its command executor) and those
  // of its tasks that have not ended, with their limits.
  containerizer::ContainerResources containerResources(const Executor& executor) const;
  // The container's limits follow its tasks (logged on failure).
  void updateContainer(Executor& executor);
  // A task's terminal update from its executor: if the container ran into
  // a limit (the kernel killed it for its memory), the update says so
  // (TASK_FAILED, REASON_CONTAINER_LIMITATION_*) and the container is
  // killed, its other tasks failing for the same reason.
  void checkLimitation(Executor& executor, v1::TaskStatus& status);
  // The container ran into a limit: it is killed, its tasks failing with
  // the limitation's reason.
  void containerLimited(Executor& executor, const containerizer::Limitation& limit);
  // What the executor's tasks end with because of `limit`: TASK_FAILED,
  // its reason and message, and the resource it names.
  void adoptLimitation(Executor& executor, const containerizer::Limitation& limit);
  // The resource a limitation names, with what the container was given of it.
  v1::TaskResourceLimitation limitationOf(const Executor& executor, const containerizer::Limitation& limit) const;
  void containerLimited(const std::string& containerId, const containerizer::Limitation& limit);
  // SIGKILL to everything in the executor's container.
  void killContainer(Executor& executor);
  // The containers of the executors recovered alive, for the containerizer.
  std::map<std::string, containerizer::LiveContainer> liveContainers() const;
  // Each live executor with its container's usage now.
  std::vector<std::pair<const Executor*, v1::ResourceStatistics>> containerUsage();
  // GET /monitor/statistics: each live executor's container usage.
  std::string statisticsJson();

  // operator_api.cpp
  // POST /api/v1: the calls its header comment lists; any other is 501, named.
  void handleOperator(http::Request& request, http::Responder responder);

  // operator_files.cpp
  // LIST_FILES or READ_FILE: the answer encoded as `type`, or a refusal.
  http::Response operatorFiles(const v1::agent::Call& call, codec::ContentType type);

  // operator_state.cpp
  // GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS or GET_TASKS (`type`) answered.
  void operatorState(v1::agent::Call::Type type, v1::agent::Response& response) const;
  void operatorFrameworks(v1::agent::Response::GetFrameworks* out) const;
  void operatorExecutors(v1::agent::Response::GetExecutors* out) const;
  void operatorTasks(v1::agent::Response::GetTasks* out) const;
  v1::Task operatorTask(const Executor& executor, const TaskRecord& record) const;
  // Kept in completed_ as the agent forgets them.
  void taskCompleted(const Executor& executor, const TaskRecord& record);
  void executorCompleted(const Executor& executor);
  void frameworkCompleted(const FrameworkRecord& framework);

  // executor_api.cpp
  void handleExecutor(http::Request& request, http::Responder responder);
  void subscribeExecutor(Executor& executor, const v1::executor::Call& call, codec::ContentType type,
                         http::Responder responder);
  void executorUpdate(Executor& executor, v1::TaskStatus status);
  // Sends HEARTBEAT every --executor_heartbeat_interval while subscribed.
  void scheduleHeartbeat(Executor& executor);

  boost::asio::io_context& io_;
  AgentFlags flags_;
  FlagSet* flagSet_;
  http::Server server_;
  http::Client client_;
  containerizer::ProcessWatcher watcher_;
  std::unique_ptr<containerizer::Containerizer> containerizer_;
  StatusUpdateManager updates_;
  checkpoint::Writer checkpointWriter_;  // the checkpoint's writes, off the loop
  state::Checkpoint checkpoint_;

  v1::AgentInfo info_;
  Resources total_;
  std::string agentId_;
  std::string session_;
  bool registered_ = false;
  bool stopped_ = false;
  double startTime_ = 0;
  http::LoggingLevel loggingLevel_{io_};  // GET_/SET_LOGGING_LEVEL, /logging/toggle
  std::string fetcherPath_;               // tepui-fetcher
  uint64_t fetcherCacheSize_ = 0;         // --fetcher_cache_size in bytes
  std::function<void(const std::string&)> onShutdown_;

  http::Endpoint master_;  // empty host while following and no leader is known
  std::unique_ptr<registry::Detector> detector_;
  std::shared_ptr<http::ClientStream> masterStream_;
  http::recordio::Decoder decoder_;
  Timer reconnectTimer_;
  Timer watchdog_;
  std::chrono::milliseconds backoff_{100};
  double pingInterval_ = 15;

  std::map<std::string, FrameworkRecord> frameworks_;
  // Counters for metrics.cpp, kept as things happen.
  std::map<int, uint64_t> terminalTasks_;  // TaskState -> updates the agent took in with that terminal state
  Completed completed_;
  uint64_t executorsLaunched_ = 0, executorsTerminated_ = 0;
  uint64_t containerLaunchErrors_ = 0;
  uint64_t validStatusUpdates_ = 0, invalidStatusUpdates_ = 0;
  uint64_t validFrameworkMessages_ = 0, invalidFrameworkMessages_ = 0;
  uint64_t nextGroup_ = 1;
};

}  // namespace tepui::agent
