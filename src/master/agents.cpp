// Agents: the internal endpoint they dial (/internal/agent), registration
// and re-registration with reconciliation of what they run, liveness by
// pings, and loss (unreachable) and return.
#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "master/master_impl.hpp"
#include "master/validation.hpp"

namespace tepui::master {

namespace {
using AgentCall = internal::AgentCall;
using AgentEvent = internal::AgentEvent;
using Event = v1::scheduler::Event;
}  // namespace

void MasterImpl::sendToAgent(Agent& agent, const AgentEvent& event) {
  if (!agent.events.open()) {
    counters_.droppedMessages++;
    return;
  }
  agent.events.send(event);
}

void MasterImpl::handleAgent(http::Request& request, http::Responder responder) {
  if (request.method != "POST") {
    return responder.respond(http::Response::methodNotAllowed("POST", request.method));
  }
  auto type = codec::fromContentType(request.header("Content-Type").value_or(""));
  if (!type) return responder.respond(http::Response::text(415, "Expecting a protobuf or JSON body\n"));
  AgentCall call;
  if (auto s = codec::decode(request.body, *type, &call); !s) {
    return responder.respond(http::Response::text(400, "Failed to validate agent call: " + s.error().message + "\n"));
  }
  if (call.type() == AgentCall::REGISTER) {
    if (!call.has_register_()) return responder.respond(http::Response::text(400, "Expecting 'register'\n"));
    counters_.agentCalls[AgentCall::REGISTER]++;
    if (call.register_().agent_info().has_id()) counters_.agentReregisterCalls++;
    // An agent that gave up waiting (its request sat in a queue behind
    // thousands of others after a failover) has registered again on a new
    // connection, or will: taking this one in as well only adds to the queue.
    if (responder.peerGone()) {
      counters_.abandonedRegistrations++;
      return;
    }
    // Moved, not copied: a REGISTER carries every task the agent runs.
    return registerAgent(std::move(*call.mutable_register_()), request.remote, std::move(responder));
  }
  auto it = agents_.find(call.agent_id().value());
  if (it == agents_.end() || it->second.session != call.session()) {
    return responder.respond(http::Response::text(403, "Agent is not registered with this session\n"));
  }
  Agent& agent = it->second;
  counters_.agentCalls[call.type()]++;
  responder.respond(http::Response::empty(202));
  switch (call.type()) {
    case AgentCall::STATUS_UPDATE:
      if (call.has_status_update()) statusUpdate(agent, call.status_update());
      break;
    case AgentCall::PONG:
      agent.pongSinceLastPing = true;
      agent.missedPings = 0;
      break;
    case AgentCall::EXECUTOR_MESSAGE: {
      auto& m = call.executor_message();
      auto fit = frameworks_.find(m.framework_id().value());
      if (fit == frameworks_.end()) {
        counters_.droppedMessages++;
        counters_.invalidExecutorToFrameworkMessages++;
        break;
      }
      Event event;
      event.set_type(Event::MESSAGE);
      event.mutable_message()->mutable_agent_id()->set_value(agent.id);
      *event.mutable_message()->mutable_executor_id() = m.executor_id();
      event.mutable_message()->set_data(m.data());
      counters_.validExecutorToFrameworkMessages++;
      sendToFramework(fit->second, event);
      break;
    }
    case AgentCall::EXECUTOR_EXITED: {
      auto& e = call.executor_exited();
      auto fit = frameworks_.find(e.framework_id().value());
      if (fit == frameworks_.end()) break;
      removeExecutor(fit->second, agent.id, e.executor_id().value());
      Event event;
      event.set_type(Event::FAILURE);
      event.mutable_failure()->mutable_agent_id()->set_value(agent.id);
      *event.mutable_failure()->mutable_executor_id() = e.executor_id();
      if (e.has_status()) event.mutable_failure()->set_status(e.status());
      sendToFramework(fit->second, event);
      break;
    }
    default: TLOG(WARNING) << "Ignoring agent call of unknown type from " << agent.id;
  }
}

void MasterImpl::registerAgent(AgentCall::Register reg, const std::string& remote, http::Responder responder) {
  v1::AgentInfo& given = *reg.mutable_agent_info();
  bool returning = given.has_id() && !given.id().value().empty();
  if (!returning) given.mutable_id()->set_value(masterId_ + "-S" + std::to_string(nextAgentId_++));
  const std::string id = given.id().value();
  if (goneAgents_.contains(id)) return goneAgentRegistered(id, std::move(responder));
  auto known = agents_.find(id);
  bool admitted = recoveredAgents_.contains(id) || (known != agents_.end() && !known->second.markingUnreachable);
  if (admitted || !registrar_) return admitAgent(std::move(reg), returning, remote, std::move(responder));
  // The agent answers REGISTERED only once the registry has it.
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  std::vector<registry::Write> writes = admitWrites(given);
  persist(std::move(writes), [this, reg = std::move(reg), returning, remote, answer](const Status& s) mutable {
    if (!s) {
      TLOG(ERROR) << "Failed to admit agent " << reg.agent_info().id().value() << ": " << s.error().message;
      return answer->respond(http::Response::text(503, "Failed to admit the agent: " + s.error().message + "\n"));
    }
    admitAgent(std::move(reg), returning, remote, std::move(*answer));
  });
}

void MasterImpl::admitAgent(AgentCall::Register reg, bool returning, const std::string& remote,
                            http::Responder responder) {
  v1::AgentInfo info = reg.agent_info();
  const std::string id = info.id().value();
  // Back after this master took over (admitted in the registry): the tasks
  // it reports are taken in silently, as Mesos does; frameworks learn of
  // them by reconciling. Back from being unreachable (or unknown): each
  // framework hears that its tasks run.
  bool announceTasks = recoveredAgents_.erase(id) == 0;
  double wall = clock::wallSeconds();
  std::vector<AgentEvent> pendingShutdowns;

  // What this master last knew the agent to have, if anything.
  std::optional<Resources> known;
  if (auto a = agents_.find(id); a != agents_.end()) {
    known = a->second.total;
  } else if (auto u = unreachableAgents_.find(id); u != unreachableAgents_.end()) {
    known = Resources(u->second.info.resources());
  }

  auto [it, created] = agents_.try_emplace(id);
  Agent& agent = it->second;
  if (created) {
    agent.id = id;
    agent.registeredTime = wall;
    agent.ping = std::make_unique<Timer>(io_);
    if (unreachableAgents_.erase(id)) TLOG(INFO) << "Unreachable agent " << id << " is back";
    counters_.agentRegistrations += returning ? 0 : 1;
  } else {
    // The same agent over a new connection: drop the old one and its offers.
    agent.events.close();
    rescindOffersOf(agent.offers);
    allocator_->removeAgent(id);
  }
  if (returning) {
    agent.reregisteredTime = wall;
    counters_.agentReregistrations++;
  }
  agent.total = Resources(info.resources());
  // Operations (RESERVE, CREATE, ...) applied while the agent was away win
  // over its report, unless its base resources changed (it restarted with
  // other flags): then the report is the truth.
  bool missedOperations =
      known && !(*known == agent.total) && conversions::base(*known) == conversions::base(agent.total);
  if (missedOperations) {
    agent.total = *known;
    agent.total.copyTo(info.mutable_resources());
  }
  agent.info = info;
  agent.version = reg.version();
  agent.markingUnreachable = false;
  agent.address = remote.substr(0, remote.rfind(':')) + ":" + std::to_string(info.port());
  agent.session = ids::uuidString();
  agent.connected = true;
  agent.deactivated = deactivatedAgents_.count(id) > 0;
  agent.missedPings = 0;
  agent.pongSinceLastPing = true;
  if (created) publishAgentAdded(agent);

  // Frameworks the agent runs tasks for that this master does not know (it
  // restarted): known again as recovered, inactive until they resubscribe,
  // so that their tasks and resources are accounted for. Removed ones are
  // told to go.
  for (auto& fi : reg.frameworks()) {
    const std::string& fid = fi.id().value();
    if (removedFrameworkIds_.count(fid)) {
      AgentEvent shutdown;
      shutdown.set_type(AgentEvent::SHUTDOWN_FRAMEWORK);
      shutdown.mutable_shutdown_framework()->mutable_framework_id()->set_value(fid);
      pendingShutdowns.push_back(shutdown);
      continue;
    }
    if (frameworks_.count(fid)) continue;
    addRecoveredFramework(fi);
    TLOG(INFO) << "Framework " << fid << " recovered from agent " << id << "; it is inactive until it resubscribes";
  }

  // Reconcile what the agent runs with what the master believes.
  std::set<std::pair<std::string, std::string>> reported;
  for (v1::Task& task : *reg.mutable_tasks()) {
    reported.insert({task.framework_id().value(), task.task_id().value()});
    adoptReportedTask(agent, std::move(task), announceTasks);
  }
  // Executors: the agent's report is the truth (those that exited while it
  // was away are gone; their resources come back with the agent's total).
  std::set<std::pair<std::string, std::string>> reportedExecutors;
  for (auto& executor : reg.executors()) {
    reportedExecutors.insert({executor.framework_id().value(), executor.executor_id().value()});
    adoptReportedExecutor(agent, executor);
  }
  for (auto& [frameworkId, f] : frameworks_) {
    auto it = f.executors.lower_bound({id, ""});
    while (it != f.executors.end() && it->first.first == id) {
      it = reportedExecutors.count({frameworkId, it->first.second}) ? std::next(it) : f.executors.erase(it);
    }
  }
  // What the master holds on the agent that the agent did not report
  // (set aside first: removing a task changes agent.tasks).
  std::vector<std::pair<std::string, std::string>> missing;
  for (const auto& key : agent.tasks) {
    if (!reported.contains(key)) missing.push_back(key);
  }
  for (const auto& key : missing) {
    auto fit = frameworks_.find(key.first);
    if (fit == frameworks_.end()) continue;
    auto tit = fit->second.tasks.find(key.second);
    if (tit == fit->second.tasks.end() || isTerminal(tit->second.task.state())) continue;
    v1::TaskState dropped = lostState(fit->second, v1::TASK_DROPPED);
    auto status = sendMasterUpdate(fit->second, tit->second.task.task_id(), dropped,
                                   v1::TaskStatus::REASON_RECONCILIATION, "Task is unknown to the agent", id);
    setTaskState(tit->second, dropped);
    publishTaskUpdated(key.first, status, dropped);
    removeTask(fit->second, key.second, false);
  }

  allocator_->addAgent(id, agent.info, agent.total, usedOnByFramework(agent));
  if (agent.deactivated) allocator_->deactivateAgent(id);

  http::Response head;
  head.status = 200;
  head.headers["Content-Type"] = std::string(codec::kProtobuf);
  agent.events.type = codec::ContentType::PROTOBUF;
  agent.events.stream = responder.stream(std::move(head));
  agent.events.stream->onClose([this, id, session = agent.session] {
    boost::asio::post(io_, [this, id, session] { agentDisconnected(id, session); });
  });

  AgentEvent event;
  event.set_type(AgentEvent::REGISTERED);
  event.mutable_registered()->mutable_agent_id()->set_value(id);
  event.mutable_registered()->set_session(agent.session);
  *event.mutable_registered()->mutable_master_info() = masterInfo();
  event.mutable_registered()->set_ping_interval_seconds(flags_.agent_ping_timeout.count());
  sendToAgent(agent, event);
  for (auto& shutdown : pendingShutdowns) sendToAgent(agent, shutdown);
  if (missedOperations) checkpointResources(agent);
  TLOG(INFO) << (returning ? "Agent re-registered: " : "Agent registered: ") << id << " at " << agent.address
             << " with " << agent.total.toString();

  // The first ping comes after a part of one interval picked from the
  // agent's id, not at once: after a failover thousands of agents
  // re-register within seconds, and a ping each at once would add a PONG
  // call per agent to that burst, and keep their pings bunched ever after.
  agent.ping->cancel();
  double part = static_cast<double>(std::hash<std::string>{}(id) % 1000 + 1) / 1000;
  agent.ping->expires_after(clock::seconds(part * flags_.agent_ping_timeout.count()));
  agent.ping->async_wait([this, id](const boost::system::error_code& ec) {
    if (!ec) pingAgent(id);
  });
  requestAllocation();
}

void MasterImpl::adoptReportedTask(Agent& agent, v1::Task reported, bool announce) {
  auto fit = frameworks_.find(reported.framework_id().value());
  if (fit == frameworks_.end()) return;  // frameworks come back by resubscribing
  Framework& f = fit->second;
  std::string taskId = reported.task_id().value();
  if (f.tasks.count(taskId)) {
    agent.tasks.insert({f.id, taskId});
    return;
  }
  // A task the master had given up on (its agent was unreachable): it lives.
  auto& unreachable = f.unreachableTasks;
  auto uit = std::find_if(unreachable.begin(), unreachable.end(),
                          [&](const v1::Task& t) { return t.task_id().value() == taskId; });
  if (uit != unreachable.end()) unreachable.erase(uit);
  TaskEntry& entry = f.tasks[taskId];
  entry.resources = Resources(reported.resources());
  for (auto& r : reported.resources()) {
    if (r.has_allocation_info()) entry.role = r.allocation_info().role();
  }
  entry.task = std::move(reported);
  entry.task.mutable_agent_id()->set_value(agent.id);
  liveTasks_[entry.task.state()]++;
  agent.tasks.insert({f.id, taskId});
  publishTaskAdded(entry.task);
  if (announce && !isTerminal(entry.task.state())) {
    v1::TaskID id = entry.task.task_id();  // a copy: the update may change the entry
    sendMasterUpdate(f, id, entry.task.state(), v1::TaskStatus::REASON_AGENT_REREGISTERED,
                     "Agent " + agent.id + " re-registered", agent.id);
  }
}

void MasterImpl::adoptReportedExecutor(Agent& agent, const v1::ExecutorInfo& reported) {
  auto fit = frameworks_.find(reported.framework_id().value());
  if (fit == frameworks_.end()) return;
  Resources resources(reported.resources());
  recordExecutor(fit->second, agent.id, reported, std::move(resources));
}

void MasterImpl::pingAgent(const std::string& agentId) {
  auto it = agents_.find(agentId);
  if (it == agents_.end() || stopped_) return;
  Agent& agent = it->second;
  if (!agent.pongSinceLastPing) {
    agent.missedPings++;
    if (agent.missedPings >= flags_.max_agent_ping_timeouts) {
      return markUnreachable(agentId, std::to_string(agent.missedPings) + " pings missed");
    }
  }
  agent.pongSinceLastPing = false;
  AgentEvent event;
  event.set_type(AgentEvent::PING);
  if (agent.events.open()) agent.events.send(event);
  agent.ping->expires_after(clock::seconds(flags_.agent_ping_timeout.count()));
  agent.ping->async_wait([this, agentId](const boost::system::error_code& ec) {
    if (!ec) pingAgent(agentId);
  });
}

void MasterImpl::agentDisconnected(const std::string& agentId, const std::string& session) {
  auto it = agents_.find(agentId);
  if (it == agents_.end() || it->second.session != session || !it->second.connected || stopped_) return;
  Agent& agent = it->second;
  TLOG(WARNING) << "Agent " << agentId << " disconnected; it becomes unreachable unless it returns within "
                << flags_.agent_ping_timeout.count() * flags_.max_agent_ping_timeouts << "s";
  agent.connected = false;
  agent.events.close();
  allocator_->deactivateAgent(agentId);
  rescindOffersOf(agent.offers);
  // The ping timer keeps running: pings unanswered while disconnected count.
}

void MasterImpl::markUnreachable(const std::string& agentId, const std::string& why) {
  auto it = agents_.find(agentId);
  if (it == agents_.end() || it->second.markingUnreachable) return;
  Agent& agent = it->second;
  TLOG(WARNING) << "Marking agent " << agentId << " unreachable: " << why;
  agent.ping->cancel();
  agent.markingUnreachable = true;
  double since = clock::wallSeconds();
  // Acted on once durable, unless the agent registered again meanwhile
  // (a new session; its admission is written after this).
  persist(unreachableWrites(agent.info, since), [this, agentId, why, session = agent.session](const Status& s) {
    if (!s) TLOG(ERROR) << "Failed to record agent " << agentId << " as unreachable: " << s.error().message;
    auto current = agents_.find(agentId);
    if (current == agents_.end() || current->second.session != session) return;
    removeUnreachable(agentId, why);
  });
}

void MasterImpl::removeUnreachable(const std::string& agentId, const std::string& why) {
  auto it = agents_.find(agentId);
  if (it == agents_.end()) return;
  v1::AgentInfo info = it->second.info;
  removeAgent(it->second, {v1::TASK_UNREACHABLE, v1::TaskStatus::REASON_AGENT_REMOVED,
                           "Agent " + agentId + " is unreachable: " + why, true});
  unreachableAgents_[agentId] = {std::move(info), clock::wallSeconds()};
}

void MasterImpl::removeAgent(Agent& agent, const AgentRemoval& removal) {
  const std::string agentId = agent.id;
  agent.ping->cancel();
  rescindOffersOf(agent.offers);
  double wall = clock::wallSeconds();
  for (auto [frameworkId, taskId] : std::set<std::pair<std::string, std::string>>(agent.tasks)) {
    auto fit = frameworks_.find(frameworkId);
    if (fit == frameworks_.end()) continue;
    Framework& f = fit->second;
    auto tit = f.tasks.find(taskId);
    if (tit == f.tasks.end()) continue;
    v1::TaskState state = lostState(f, removal.state);
    v1::TaskStatus status;
    *status.mutable_task_id() = tit->second.task.task_id();
    status.set_state(state);
    status.set_source(v1::TaskStatus::SOURCE_MASTER);
    status.set_reason(removal.reason);
    status.set_message(removal.message);
    status.set_timestamp(wall);
    status.mutable_agent_id()->set_value(agentId);
    if (removal.unreachable) status.mutable_unreachable_time()->set_nanoseconds(static_cast<int64_t>(wall * 1e9));
    updateTaskState(f, tit->second, status, state);
    tit->second.pendingUpdate.reset();
    Event event;
    event.set_type(Event::UPDATE);
    *event.mutable_update()->mutable_status() = status;
    sendToFramework(f, event);
    removeTask(f, taskId, removal.unreachable);
  }
  for (auto& [frameworkId, f] : frameworks_) {
    std::erase_if(f.executors, [&](auto& e) { return e.first.first == agentId; });
    Event failure;
    failure.set_type(Event::FAILURE);
    failure.mutable_failure()->mutable_agent_id()->set_value(agentId);
    sendToFramework(f, failure);
  }
  allocator_->removeAgent(agentId);
  agent.events.close();
  counters_.agentRemovals++;
  agents_.erase(agentId);
  publishAgentRemoved(agentId);
}

void MasterImpl::expireRecoveredAgents() {
  for (const auto& [id, info] : recoveredAgents_) {
    TLOG(WARNING) << "Agent " << id << " did not register again within " << flags_.agent_reregister_timeout.count()
                  << "s of this master's start; marking it unreachable";
    double since = clock::wallSeconds();
    // Shown unreachable once durable (a master killed meanwhile still has it
    // admitted), unless it registered again or was marked gone meanwhile:
    // its later write wins.
    persist(unreachableWrites(info, since), [this, id = id, info = info, since](const Status& s) {
      if (!s) {
        TLOG(ERROR) << "Failed to record agent " << id << " as unreachable: " << s.error().message;
        return;
      }
      if (recoveredAgents_.erase(id) == 0) return;
      unreachableAgents_[id] = {info, since};
    });
  }
}

}  // namespace tepui::master
