// Private to src/master: the master's state and the class whose member
// functions the files of this folder implement, one concern per file:
//   master.cpp         construction, routes, allocation scheduling, stop
//   scheduler_api.cpp  POST /api/v1/scheduler: transport checks and dispatch
//   frameworks.cpp     subscribe, disconnect, failover timeout, teardown
//   offers.cpp         allocations -> offers, rescind, decline, expiry
//   launch.cpp         ACCEPT: validation and RUN_TASK to agents
//   operations.cpp     RESERVE, UNRESERVE, CREATE, DESTROY (ACCEPT and operator)
//   updates.cpp        status updates, acknowledgements, kill, reconcile
//   agents.cpp         /internal/agent: registration, pings, loss, return
//   readonly_api.cpp   /master/state, /state-summary, /health, /version, ...
//   state_entries.cpp  the agent, framework and task entries of /master/state
//   readonly_lists.cpp /master/frameworks, /master/slaves, /master/tasks
//   metrics.cpp        /metrics/snapshot and /metrics/prometheus
//   operator_events.cpp  the operator API's SUBSCRIBE stream
//   operator_snapshots.cpp  large operator answers (GET_STATE, ...) encoded off the loop
//   agent_activation.cpp  DEACTIVATE_AGENT, REACTIVATE_AGENT (durable)
//   files_proxy.cpp    /files/*, forwarded to the agent holding the sandbox
//   registry.cpp       durable state (agents, weights, quotas) and its recovery
//   leadership.cpp     --zk: election, following, redirects to the leader
// All of it runs on the master's event loop; no locks.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/fwd.hpp>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "allocator/allocator.hpp"
#include "common/codec.hpp"
#include "common/metrics.hpp"
#include "common/resource_conversions.hpp"
#include "common/resources.hpp"
#include "http/client.hpp"
#include "http/logging_level.hpp"
#include "http/server.hpp"
#include "master/master.hpp"
#include "registry/election.hpp"
#include "registry/registrar.hpp"
#include "tepui/internal/agent.pb.h"
#include "tepui/internal/registry.pb.h"
#include "tepui/v1/master.pb.h"
#include "tepui/v1/scheduler.pb.h"

namespace tepui::master {

using Timer = boost::asio::steady_timer;

// One direction of an event stream to a subscriber (framework or agent).
struct EventStream {
  std::shared_ptr<http::Stream> stream;
  codec::ContentType type = codec::ContentType::JSON;

  bool open() const { return stream && !stream->closed(); }
  void send(const google::protobuf::Message& event);
  void close();
};

// An executor the master knows to run on an agent. Its resources are held
// from the allocator from the launch that starts it until the agent reports
// that it exited, or the agent or framework is removed.
struct ExecutorEntry {
  v1::ExecutorInfo info;  // resources carry their allocation_info
  Resources resources;    // with allocation_info, as held from the allocator
};

struct TaskEntry {
  v1::Task task;  // state and statuses as the master knows them
  std::string role;
  Resources resources;  // with allocation_info, as held from the allocator
  // The latest update forwarded to the framework that still waits for its
  // acknowledgement; re-sent when the framework resubscribes.
  std::optional<v1::TaskStatus> pendingUpdate;
  bool resourcesRecovered = false;  // terminal: given back to the allocator
  // `task` in protobuf, made by the first operator snapshot that needs it
  // (operator_snapshots.cpp) and dropped whenever `task` changes
  // (setTaskState): a snapshot of a task that did not change since the
  // last one costs a reference, not a copy.
  mutable std::shared_ptr<const std::string> encoded;
};

struct Framework {
  std::string id;
  v1::FrameworkInfo info;
  std::set<std::string> roles;
  std::set<std::string> suppressedRoles;
  bool partitionAware = false;

  EventStream events;
  std::string streamId;
  bool connected = false;
  bool active = false;
  bool recovered = false;  // known from the registry or an agent's report, not yet resubscribed
  bool persisted = false;  // its FrameworkInfo, as it is now, is in the registry
  double registeredTime = 0;
  double reregisteredTime = 0;
  double unregisteredTime = 0;
  std::unique_ptr<Timer> heartbeat;
  std::unique_ptr<Timer> failover;

  std::unordered_map<std::string, TaskEntry> tasks;  // by task id: not yet removed
  std::deque<v1::Task> completedTasks;
  std::deque<v1::Task> unreachableTasks;
  std::set<std::string> offers;
  // (agent id, executor id) -> the executors the framework runs (custom and
  // default; command executors are accounted with their task)
  std::map<std::pair<std::string, std::string>, ExecutorEntry> executors;

  bool hasCapability(v1::FrameworkInfo::Capability::Type type) const;
};

// A removed framework with its tasks as they ended (the last
// --max_completed_tasks_per_framework), so that GET_TASKS and the state
// still say why a task ended after its framework went (a `tepui run`'s does
// at once).
struct CompletedFramework {
  std::string id;
  v1::FrameworkInfo info;
  std::deque<v1::Task> tasks;
};

struct Agent {
  std::string id;
  v1::AgentInfo info;
  Resources total;
  std::string version;
  std::string address;  // "ip:port" the agent serves on

  EventStream events;
  std::string session;
  bool connected = false;
  bool deactivated = false;
  double registeredTime = 0;
  double reregisteredTime = 0;
  int missedPings = 0;
  bool pongSinceLastPing = true;
  std::unique_ptr<Timer> ping;
  // Being marked unreachable: waiting for the registry to say so.
  bool markingUnreachable = false;

  // (framework id, task id) of the tasks on this agent.
  std::set<std::pair<std::string, std::string>> tasks;
  std::set<std::string> offers;

  bool active() const { return connected && !deactivated; }
};

struct OfferEntry {
  v1::Offer offer;
  std::string frameworkId;
  std::string agentId;
  std::string role;
  Resources resources;
  std::unique_ptr<Timer> expiry;
};

// A client of the operator event stream. Until the SUBSCRIBED event that
// opens its stream is encoded (off the loop), the events that follow it
// wait, encoded, in `backlog`, so that the client sees them in order.
struct OperatorSubscriber {
  uint64_t id = 0;
  EventStream events;
  bool ready = false;
  std::vector<std::string> backlog;  // RecordIO records
};

// Answers to one large operator call (GET_STATE, ...) in one media type:
// at most one is being encoded; the calls that arrive meanwhile wait for the
// next, taken after they arrived, so that an answer never predates its call.
struct SnapshotQueue {
  bool encoding = false;
  std::vector<http::Responder> encodingFor;
  std::vector<http::Responder> waiting;
};

struct UnreachableAgent {
  v1::AgentInfo info;
  double since = 0;
};

struct Counters {
  uint64_t droppedMessages = 0;
  uint64_t validStatusUpdates = 0;
  uint64_t invalidStatusUpdates = 0;
  uint64_t validFrameworkToExecutorMessages = 0;
  uint64_t validExecutorToFrameworkMessages = 0;
  uint64_t invalidFrameworkToExecutorMessages = 0;  // to an unknown or disconnected agent
  uint64_t invalidExecutorToFrameworkMessages = 0;  // to an unknown framework
  uint64_t validStatusUpdateAcknowledgements = 0;
  uint64_t invalidStatusUpdateAcknowledgements = 0;  // for an unknown or disconnected agent
  uint64_t frameworkResubscriptions = 0;             // SUBSCRIBE calls that carry a framework id
  uint64_t offersSent = 0;
  uint64_t offersDeclined = 0;
  uint64_t offersRescinded = 0;
  uint64_t offersAccepted = 0;
  uint64_t tasksLaunched = 0;
  uint64_t agentRegistrations = 0;
  uint64_t agentReregistrations = 0;
  uint64_t abandonedRegistrations = 0;  // the agent closed the connection before its turn came
  uint64_t agentRemovals = 0;
  uint64_t frameworksRemoved = 0;
  std::map<int, uint64_t> terminalTasks;   // TaskState -> count (finished, failed, ...)
  std::map<int, uint64_t> schedulerCalls;  // Call::Type -> count
  std::map<int, uint64_t> agentCalls;  // internal::AgentCall::Type -> count (REGISTER, and calls of a current session)
  uint64_t agentReregisterCalls = 0;   // REGISTER calls that carry an agent id
};

// Filters.refuse_seconds as Mesos reads it: absent or negative means the
// default (5 s), NaN too; 0 means no filter.
inline double refuseSeconds(bool present, const v1::Filters& filters) {
  double s = present ? filters.refuse_seconds() : v1::Filters().refuse_seconds();
  return (s >= 0) ? s : v1::Filters().refuse_seconds();
}

// What the registry holds, parsed (registry.cpp).
struct RecoveredRegistry {
  std::map<std::string, double> weights;
  std::vector<allocator::QuotaConfig> quotas;
  std::vector<v1::AgentInfo> admitted;
  std::vector<internal::UnreachableAgent> unreachable;
  std::vector<internal::GoneAgent> gone;
  std::vector<v1::FrameworkInfo> frameworks;
  std::vector<internal::RemovedFramework> removed;
  std::vector<std::string> deactivated;  // DEACTIVATE_AGENT'd agent ids
  double fetchMs = 0;                    // how long reading it took (registrar/state_fetch_ms)
};

// Reads the registry from the store. Touches nothing else, so a new leader
// runs it off its event loop. Without `agentInfos` the admitted agents are
// read as ids alone (ZooKeeper lists them without reading each one), and
// readAdmittedAgents() reads their AgentInfo later.
Result<RecoveredRegistry> readRegistry(registry::Store& store, bool agentInfos = true);
Result<std::vector<v1::AgentInfo>> readAdmittedAgents(registry::Store& store);

class MasterImpl final : public Master {
 public:
  MasterImpl(boost::asio::io_context& io, MasterFlags flags, FlagSet* flagSet);
  ~MasterImpl() override;

  Status start();
  uint16_t port() const override { return server_.port(); }
  void stop() override;
  bool leading() const override { return leading_; }
  void onFatal(std::function<void(const std::string&)> callback) override { onFatal_ = std::move(callback); }

 private:
  // master.cpp
  void installRoutes();
  void requestAllocation();
  void runAllocation();
  void scheduleAllocationTick();
  v1::MasterInfo masterInfo() const;
  double now() const;  // monotonic seconds, for the allocator

  // scheduler_api.cpp
  void handleScheduler(http::Request& request, http::Responder responder);
  // operator_api.cpp: POST /api/v1
  void handleOperator(http::Request& request, http::Responder responder);
  // Without `usage`, the agents' and frameworks' allocated_resources are
  // left out, for addStateUsage() to fill off the loop.
  void operatorAgents(v1::master::Response::GetAgents* out, bool usage = true) const;
  void operatorFrameworks(v1::master::Response::GetFrameworks* out, bool usage = true) const;
  void operatorExecutors(v1::master::Response::GetExecutors* out) const;
  // With `live`, the live tasks go there, encoded (their cached
  // TaskEntry::encoded), for the encoder to decode into `out->tasks`.
  void operatorTasks(v1::master::Response::GetTasks* out,
                     std::vector<std::shared_ptr<const std::string>>* live = nullptr) const;
  void operatorAgent(const Agent& agent, v1::master::Response::GetAgents::Agent* out, bool usage = true) const;
  void operatorFramework(const Framework& framework, v1::master::Response::GetFrameworks::Framework* out,
                         bool usage = true) const;
  // Fills the allocated_resources of a GET_STATE's agents and frameworks
  // from its own tasks (those not terminal) and executors: what usedOn()
  // and usedBy() sum on the loop, summed on encoder_ instead.
  static void addStateUsage(v1::master::Response::GetState& state);
  // KILL_TASK (Tepui's): the task's framework sees it killed, as if it had
  // asked.
  http::Response operatorKill(const v1::master::Call::KillTask& call);

  // operator_snapshots.cpp: GET_STATE, GET_TASKS, GET_AGENTS, GET_FRAMEWORKS
  // and GET_EXECUTORS. The answer is copied on the loop and encoded on
  // encoder_; calls that arrive while one is encoded share the next answer.
  void serveSnapshot(v1::master::Call::Type type, codec::ContentType contentType, http::Responder responder);
  void encodeSnapshot(v1::master::Call::Type type, codec::ContentType contentType);
  // Fills `response` for one of the calls above.
  // The live tasks are left in `live`, encoded (see operatorTasks), for
  // decodeLiveTasks() to add off the loop.
  void fillSnapshot(v1::master::Call::Type type, v1::master::Response& response,
                    std::vector<std::shared_ptr<const std::string>>& live) const;
  static void decodeLiveTasks(v1::master::Response& response,
                              const std::vector<std::shared_ptr<const std::string>>& live);
  // Runs `work` on encoder_, then `then` on the loop (unless the master is
  // gone by then).
  void offLoop(std::function<void()> work, std::function<void()> then);

  // operator_events.cpp: SUBSCRIBE. The stream opens with SUBSCRIBED (the
  // whole state) and a HEARTBEAT, then carries every change in the order
  // the master made it, and a HEARTBEAT every 15 s. Beyond
  // --max_operator_event_stream_subscribers the oldest subscriber is dropped.
  void subscribeOperator(codec::ContentType contentType, http::Responder responder);
  bool watched() const { return !operatorSubscribers_.empty(); }
  void publish(const v1::master::Event& event);
  void publishTaskAdded(const v1::Task& task);
  void publishTaskUpdated(const std::string& frameworkId, const v1::TaskStatus& status, v1::TaskState state);
  void publishAgentAdded(const Agent& agent);
  void publishAgentRemoved(const std::string& agentId);
  void publishFramework(const Framework& framework, bool added);
  void publishFrameworkRemoved(const v1::FrameworkInfo& info);
  void operatorHeartbeat();
  void dropOperatorSubscriber(uint64_t id);

  // agent_activation.cpp: DEACTIVATE_AGENT and REACTIVATE_AGENT, durable
  // before they act (a deactivated agent stays so across a failover).
  void setAgentDeactivated(const std::string& agentId, bool deactivated, http::Responder responder);
  static registry::Write deactivatedWrite(const std::string& agentId, bool deactivated);
  // operator_quota.cpp: GET_QUOTA's status; UPDATE_QUOTA checked and applied
  // as a whole, or the reason it is refused.
  v1::quota::QuotaStatus quotaStatus() const;
  Result<std::vector<allocator::QuotaConfig>> checkQuota(const v1::master::Call::UpdateQuota& update) const;

  // registry.cpp: durable state through the registrar. Takes in what the
  // store held (readRegistry(), below) and keeps the store for writes.
  void adoptRegistry(std::unique_ptr<registry::Store> store, RecoveredRegistry recovered);
  // The AgentInfo of the admitted agents that have not registered again,
  // read after a new leader started serving (they were known by id).
  void adoptAgentInfos(Result<std::vector<v1::AgentInfo>> infos);
  // Starts the --agent_reregister_timeout for the recovered agents.
  void startReregisterDeadline();
  // registry_gc.cpp: every --registry_gc_interval, forgets the unreachable
  // and gone agents older than --registry_max_agent_age or beyond
  // --registry_max_agent_count (durably first).
  void scheduleRegistryGc();
  void pruneRegistry();
  static registry::Write forgetUnreachableWrite(const std::string& agentId);
  static registry::Write forgetGoneWrite(const std::string& agentId);

  // leadership.cpp (--zk): contending, following, redirecting.
  Status startContending();
  void leaderChanged(const std::optional<std::string>& leaderJson);
  // Elected: reads the registry off the loop (recovering_ meanwhile), then
  // finishRecovery() on the loop.
  void becomeLeader();
  void finishRecovery(Result<std::unique_ptr<registry::Store>> store, Result<RecoveredRegistry> recovered);
  void loseLeadership(const std::string& why);
  // A call to what only the leader serves that arrived while the elected
  // master recovers: kept, and served in arrival order once it leads.
  struct HeldCall {
    http::Handler handler;
    http::Request request;
    http::Responder responder;
  };
  void holdUntilRecovered(HeldCall call);
  // ZooKeeper names this master the leader, but it does not serve yet (it
  // has not heard that it won, or it is recovering).
  bool electedNotServing() const;
  void serveHeldCalls();
  // True (and answered: 307 to the leader, or 503) when this master does
  // not lead.
  bool redirectToLeader(const http::Request& request, http::Responder& responder);
  // Makes `writes` durable, then calls `then` on the loop (at once, with
  // success, when there is no registry).
  void persist(std::vector<registry::Write> writes, std::function<void(const Status&)> then);
  // An operator change: durable first, then `apply`, an allocation run and
  // 200; 503 naming `what` when it cannot be made durable.
  void persistThenAnswer(std::vector<registry::Write> writes, const std::string& what, std::function<void()> apply,
                         http::Responder responder);
  static registry::Write weightWrite(const std::string& role, double weight);
  static std::vector<registry::Write> admitWrites(const v1::AgentInfo& info);
  static std::vector<registry::Write> unreachableWrites(const v1::AgentInfo& info, double since);
  static std::vector<registry::Write> goneWrites(const std::string& agentId, double since);
  // The framework's record; its removal (and that of the oldest removal
  // records beyond what is kept).
  static registry::Write frameworkWrite(const v1::FrameworkInfo& info);
  std::vector<registry::Write> frameworkRemovalWrites(const std::string& frameworkId, double since);
  static registry::Write quotaWrite(const allocator::QuotaConfig& config);
  void dispatchCall(Framework& framework, const v1::scheduler::Call& call);

  // frameworks.cpp
  void subscribe(const v1::scheduler::Call& call, codec::ContentType type, http::Responder responder);
  // The rest of a SUBSCRIBE once the framework's record is durable.
  void admitFramework(v1::FrameworkInfo info, std::set<std::string> suppressed, codec::ContentType type,
                      http::Responder responder);
  // A framework known again after a restart or failover (from the registry,
  // or from an agent that runs its tasks): inactive until it resubscribes.
  Framework& addRecoveredFramework(const v1::FrameworkInfo& info);
  void frameworkDisconnected(const std::string& frameworkId, const std::string& streamId);
  // `durable` runs once the removal is in the registry (or failed to be).
  void removeFramework(const std::string& frameworkId, std::function<void(const Status&)> durable = {});
  void teardown(Framework& framework, std::function<void(const Status&)> durable = {});
  std::optional<Error> updateFramework(Framework& framework, const v1::scheduler::Call::UpdateFramework& update);
  void sendToFramework(Framework& framework, const v1::scheduler::Event& event);
  void heartbeat(const std::string& frameworkId, const std::string& streamId);

  // offers.cpp
  void makeOffers(std::vector<allocator::Allocation> allocations);
  void removeOffer(const std::string& offerId, bool rescind, std::optional<double> refuseSeconds);
  void rescindOffersOf(std::set<std::string> offerIds);
  void decline(Framework& framework, const v1::scheduler::Call::Decline& decline);

  // launch.cpp
  void accept(Framework& framework, const v1::scheduler::Call::Accept& accept);
  void launchGroup(Framework& framework, Agent& agent, const v1::Offer::Operation& op, const std::string& role,
                   Resources& remaining);
  // Records a task as launched (STAGING) on the agent; returns the TaskInfo
  // to send, its resources allocated to `role`.
  v1::TaskInfo recordTask(Framework& framework, Agent& agent, const v1::TaskInfo& task, const std::string& role,
                          Resources resources);
  // What a task's executor adds to the task's needs: nothing if it already
  // runs on the agent, its resources otherwise.
  Result<Resources> executorNeeds(const Framework& framework, const std::string& agentId,
                                  const v1::ExecutorInfo& executor, const std::string& role) const;
  // Records an executor as running on the agent with `resources` (allocated
  // to its role) unless it already is; returns the ExecutorInfo to send.
  v1::ExecutorInfo recordExecutor(Framework& framework, const std::string& agentId, v1::ExecutorInfo executor,
                                  Resources resources);
  // Forgets an executor and gives its resources back to the allocator.
  void removeExecutor(Framework& framework, const std::string& agentId, const std::string& executorId);
  // An update the master makes itself, now.
  static v1::TaskStatus masterStatus(const v1::TaskID& taskId, v1::TaskState state, v1::TaskStatus::Reason reason,
                                     const std::string& message, const std::string& agentId);
  // Sends the framework an update the master makes itself; returns it.
  v1::TaskStatus sendMasterUpdate(Framework& framework, const v1::TaskID& taskId, v1::TaskState state,
                                  v1::TaskStatus::Reason reason, const std::string& message,
                                  const std::string& agentId = "");

  // operations.cpp: RESERVE, UNRESERVE, CREATE, DESTROY.
  // The operation's conversion as `requester` asks it on the agent.
  Result<conversions::Conversion> conversionOf(const v1::Offer::Operation& op, const Agent& agent,
                                               const conversions::Requester& requester) const;
  // The reason DESTROY may not take these volumes: a task or executor uses one.
  std::optional<Error> volumeInUse(const Agent& agent, const conversions::Conversion& conversion) const;
  // One such operation of an ACCEPT, against `remaining` (what is left of
  // the offers): validated and applied to `remaining`, the allocator and the
  // agent's total; or the reason it is refused (nothing changed).
  std::optional<Error> acceptOperation(Framework& framework, Agent& agent, const v1::Offer::Operation& op,
                                       const std::string& role, Resources& remaining);
  // Operation feedback for an operation with an `id` (else a log line when
  // it was refused).
  void sendOperationStatus(Framework& framework, const v1::Offer::Operation& op, const Agent& agent,
                           const std::optional<Error>& error);
  // RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES:
  // 202 once applied, 400 for an invalid call, 409 when the agent cannot
  // give the resources (in use, or not there).
  http::Response operatorOperation(const v1::master::Call& call);
  // POST /reserve, /unreserve, /create-volumes, /destroy-volumes: the same,
  // from a form with `slaveId` and `resources` or `volumes` (JSON).
  http::Response formOperation(const std::string& endpoint, const http::Request& request);
  // Sends the agent its total to adopt and checkpoint.
  void checkpointResources(Agent& agent);

  // updates.cpp
  void statusUpdate(Agent& agent, const internal::AgentCall::StatusUpdate& update);
  void acknowledge(Framework& framework, const v1::scheduler::Call::Acknowledge& ack);
  void kill(Framework& framework, const v1::scheduler::Call::Kill& kill);
  void reconcile(Framework& framework, const v1::scheduler::Call::Reconcile& reconcile);
  void updateTaskState(Framework& framework, TaskEntry& entry, const v1::TaskStatus& status, v1::TaskState latest);
  void removeTask(Framework& framework, const std::string& taskId, bool unreachable);
  // Keeps an ended (or unreachable) task for the state endpoints, within the
  // --max_completed_tasks_per_framework (--max_unreachable_...) limit.
  void retireTask(Framework& framework, v1::Task task, bool unreachable);
  void recoverTaskResources(Framework& framework, TaskEntry& entry);
  bool isTerminal(v1::TaskState state) const;
  // Sets a live task's state, keeping liveTasks_ in step.
  void setTaskState(TaskEntry& entry, v1::TaskState state);
  v1::TaskState lostState(const Framework& framework, v1::TaskState partitionAwareState) const;

  // agents.cpp
  void handleAgent(http::Request& request, http::Responder responder);
  // Admits the agent in the registry first when this master does not know
  // it as admitted (new, unknown after a restart, or unreachable), then
  // admitAgent().
  void registerAgent(internal::AgentCall::Register reg, const std::string& remote, http::Responder responder);
  void admitAgent(internal::AgentCall::Register reg, bool returning, const std::string& remote,
                  http::Responder responder);
  // After a restart: agents the registry admitted that have not registered
  // again within --agent_reregister_timeout become unreachable.
  void expireRecoveredAgents();
  void agentDisconnected(const std::string& agentId, const std::string& session);
  void pingAgent(const std::string& agentId);
  // Records the agent as unreachable in the registry, then (unless it
  // registered again meanwhile) removeUnreachable().
  void markUnreachable(const std::string& agentId, const std::string& why);
  // Its tasks become TASK_UNREACHABLE (TASK_LOST without PARTITION_AWARE),
  // its offers and resources go, and it moves to the unreachable list.
  void removeUnreachable(const std::string& agentId, const std::string& why);
  // How a registered agent leaves: what its tasks become.
  struct AgentRemoval {
    v1::TaskState state;  // for PARTITION_AWARE frameworks; TASK_LOST for the others
    v1::TaskStatus::Reason reason;
    std::string message;
    bool unreachable;  // the tasks may come back (kept as unreachable, with unreachable_time)
  };
  // Ends the agent's tasks as `removal` says (an UPDATE to each framework),
  // forgets its executors, rescinds its offers, tells every framework
  // (FAILURE), removes it from the allocator and closes its stream.
  void removeAgent(Agent& agent, const AgentRemoval& removal);

  // gone_agents.cpp: MARK_AGENT_GONE. Durable first, then the agent's tasks
  // end as TASK_GONE_BY_OPERATOR (TASK_LOST without PARTITION_AWARE), the
  // agent is shut down, and it is shut down again whenever it registers.
  void markAgentGone(const std::string& agentId, http::Responder responder);
  void goneAgentRegistered(const std::string& agentId, http::Responder responder);
  void sendToAgent(Agent& agent, const internal::AgentEvent& event);
  // A task the agent reports that this master does not hold: taken in, and
  // its framework told it runs (REASON_AGENT_REREGISTERED) if `announce`.
  void adoptReportedTask(Agent& agent, v1::Task reported, bool announce);
  void adoptReportedExecutor(Agent& agent, const v1::ExecutorInfo& reported);

  // What the framework's tasks and executors hold (on one agent, or on all).
  Resources usedBy(const Framework& framework, const std::string* agentId = nullptr) const;
  // What every framework holds on the agent, and what the given offers hold.
  Resources usedOn(const Agent& agent) const;
  // What each framework holds on the agent (only those holding something),
  // from the agent's own task index: O(the agent's tasks), not O(all tasks).
  std::map<std::string, Resources> usedOnByFramework(const Agent& agent) const;
  Resources offered(const std::set<std::string>& offerIds) const;

  // readonly_api.cpp and metrics.cpp
  std::string stateJson() const;
  std::string stateSummaryJson() const;
  std::string flagsJson() const;
  std::string versionJson() const;
  // state_entries.cpp: the entries of /master/state's slaves,
  // recovered_slaves, frameworks and completed_frameworks, which
  // /master/slaves, /master/frameworks and /master/state-summary serve too.
  boost::json::object agentEntry(const Agent& agent) const;
  static boost::json::object recoveredAgentEntry(const std::string& id, const v1::AgentInfo& info);
  boost::json::object frameworkEntry(const Framework& framework) const;
  static boost::json::object completedFrameworkEntry(const CompletedFramework& framework);
  // readonly_lists.cpp, from the request's query parameters:
  //   /master/frameworks  ?framework_id=  {frameworks, completed_frameworks,
  //                       unregistered_frameworks}
  //   /master/slaves      ?slave_id=      {slaves, recovered_slaves}
  //   /master/tasks       ?limit= ?offset= ?order= ?framework_id= ?task_id=
  //                       {tasks}; the reason a value is refused (a 400)
  using Query = std::map<std::string, std::string>;
  std::string frameworksJson(const Query& query) const;
  std::string slavesJson(const Query& query) const;
  Result<std::string> tasksJson(const Query& query) const;
  // roles_api.cpp: /roles, /weights, /quota
  std::string rolesJson() const;
  std::string weightsJson() const;
  std::string quotaJson() const;
  // metrics.cpp: /metrics/snapshot, /metrics/prometheus and GET_METRICS.
  tepui::metrics::Snapshot metrics() const;

  // files_proxy.cpp
  void installFileRoutes();
  void proxyFiles(const std::string& endpoint, http::Request& request, http::Responder responder);
  // The registered agent that /files/* and the file calls go to, or the refusal.
  std::variant<http::Endpoint, http::Response> filesAgent(const std::string& agentId) const;
  // LIST_FILES and READ_FILE, forwarded to the agent holding the sandbox.
  void operatorFiles(const v1::master::Call& call, codec::ContentType type, http::Responder responder);
  // The agent that runs or last ran `executorId` (or the command task of that id), or "".
  std::string agentOfExecutor(const std::string& frameworkId, const std::string& executorId) const;

  friend struct MasterAccess;

  boost::asio::io_context& io_;
  MasterFlags flags_;
  FlagSet* flagSet_;
  http::Server server_;
  std::unique_ptr<allocator::Allocator> allocator_;

  std::string masterId_;
  double startTime_ = 0;
  http::LoggingLevel loggingLevel_{io_};  // GET_/SET_LOGGING_LEVEL, /logging/toggle
  double electedTime_ = 0;
  uint64_t nextFrameworkId_ = 0;
  uint64_t nextAgentId_ = 0;
  uint64_t nextOfferId_ = 0;

  std::unordered_map<std::string, Framework> frameworks_;
  // Removed frameworks, the last --max_completed_frameworks.
  std::deque<CompletedFramework> completedFrameworks_;
  std::unordered_set<std::string> removedFrameworkIds_;
  // The removal records in the registry, oldest first, bounded.
  std::deque<std::pair<double, std::string>> removedFrameworkRecords_;
  std::unordered_map<std::string, Agent> agents_;
  std::unordered_map<std::string, UnreachableAgent> unreachableAgents_;
  std::unordered_map<std::string, double> goneAgents_;  // id -> when it was marked gone
  std::unordered_set<std::string> deactivatedAgents_;   // DEACTIVATE_AGENT'd, durably
  // Admitted by the registry, not yet registered with this master (after a
  // restart).
  std::map<std::string, v1::AgentInfo> recoveredAgents_;
  Timer reregisterDeadline_;
  Timer registryGc_;
  std::unordered_map<std::string, OfferEntry> offers_;

  bool allocationPending_ = false;
  Timer allocationTick_;
  Counters counters_;
  // Live tasks (those in the frameworks' `tasks`) by state, kept as a
  // TaskEntry is added (recordTask, adoptReportedTask), changes state
  // (setTaskState) and goes (removeTask, framework removal), so that
  // metrics need not walk every task.
  std::map<int, int64_t> liveTasks_;
  bool stopped_ = false;
  std::unique_ptr<registry::Registrar> registrar_;  // null without --work_dir or --zk
  double registryFetchMs_ = 0;                      // how long reading the registry took at recovery
  bool leading_ = true;                             // false with --zk until elected
  bool recovering_ = false;                         // elected, reading the registry (off the loop)
  std::vector<HeldCall> heldCalls_;                 // arrived while recovering_
  std::thread recoveryThread_;
  // Cleared by the destructor: what the recovery thread posts is dropped.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  std::optional<v1::MasterInfo> leader_;  // the leader, as a follower knows it
  std::unique_ptr<registry::Contender> contender_;
  std::unique_ptr<registry::Detector> detector_;
  std::function<void(const std::string&)> onFatal_;
  std::list<OperatorSubscriber> operatorSubscribers_;  // oldest first
  uint64_t nextOperatorSubscriber_ = 0;
  Timer operatorHeartbeat_;
  std::map<std::pair<int, int>, SnapshotQueue> snapshots_;  // (call type, media type)
  std::unique_ptr<http::Client> filesClient_;               // destroyed before the loop's state, its callbacks with it
  // Last: destroyed (joined) first, so no encoding outlives what it reads.
  boost::asio::thread_pool encoder_{1};
};

}  // namespace tepui::master
