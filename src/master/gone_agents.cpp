// Agents the operator marked gone (MARK_AGENT_GONE): the mark is permanent.
// It is made durable in the registry first; then the agent's tasks end as
// TASK_GONE_BY_OPERATOR (TASK_LOST for frameworks without PARTITION_AWARE),
// tasks already unreachable there end the same way, and the agent is told to
// shut down, now and whenever it tries to register again. A machine that
// comes back after that registers as a new agent (with a new id).
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {

internal::AgentEvent shutdownEvent(const std::string& agentId) {
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::SHUTDOWN);
  event.mutable_shutdown()->set_message("Agent " + agentId + " has been marked gone by the operator");
  return event;
}

}  // namespace

void MasterImpl::markAgentGone(const std::string& agentId, http::Responder responder) {
  if (goneAgents_.contains(agentId)) return responder.respond(http::Response::empty(200));
  if (!agents_.contains(agentId) && !unreachableAgents_.contains(agentId) && !recoveredAgents_.contains(agentId)) {
    return responder.respond(http::Response::text(404, "Agent '" + agentId + "' not found\n"));
  }
  double since = clock::wallSeconds();
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  persist(goneWrites(agentId, since), [this, agentId, since, answer](const Status& s) {
    if (!s) {
      TLOG(ERROR) << "Failed to mark agent " << agentId << " gone: " << s.error().message;
      return answer->respond(http::Response::text(503, "Failed to mark the agent gone: " + s.error().message + "\n"));
    }
    if (goneAgents_.contains(agentId)) return answer->respond(http::Response::empty(200));
    TLOG(WARNING) << "Agent " << agentId << " is marked gone by the operator";
    goneAgents_[agentId] = since;
    deactivatedAgents_.erase(agentId);
    recoveredAgents_.erase(agentId);
    const std::string message = "Agent " + agentId + " was marked gone by the operator";
    if (auto it = agents_.find(agentId); it != agents_.end()) {
      sendToAgent(it->second, shutdownEvent(agentId));
      removeAgent(it->second,
                  {v1::TASK_GONE_BY_OPERATOR, v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR, message, false});
    }
    if (unreachableAgents_.erase(agentId)) {
      // Tasks given up on as unreachable are now known to be gone. Frameworks
      // without PARTITION_AWARE were told TASK_LOST already.
      for (auto& [frameworkId, f] : frameworks_) {
        std::vector<v1::Task> ended;
        std::erase_if(f.unreachableTasks, [&](const v1::Task& t) {
          if (t.agent_id().value() != agentId) return false;
          ended.push_back(t);
          return true;
        });
        for (v1::Task& task : ended) {
          v1::TaskState state = lostState(f, v1::TASK_GONE_BY_OPERATOR);
          auto reason = v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR;
          auto status = f.partitionAware ? sendMasterUpdate(f, task.task_id(), state, reason, message, agentId)
                                         : masterStatus(task.task_id(), state, reason, message, agentId);
          task.set_state(state);
          publishTaskUpdated(f.id, status, state);
          retireTask(f, std::move(task), false);
        }
      }
    }
    answer->respond(http::Response::empty(200));
  });
}

void MasterImpl::goneAgentRegistered(const std::string& agentId, http::Responder responder) {
  TLOG(WARNING) << "Agent " << agentId << " was marked gone; telling it to shut down";
  http::Response head;
  head.status = 200;
  head.headers["Content-Type"] = std::string(codec::kProtobuf);
  EventStream events;
  events.type = codec::ContentType::PROTOBUF;
  events.stream = responder.stream(std::move(head));
  events.send(shutdownEvent(agentId));
  events.close();
}

}  // namespace tepui::master
