// DEACTIVATE_AGENT and REACTIVATE_AGENT: an operator stops the offers of
// an agent's resources (its tasks keep running) and resumes them. The
// change is made durable first (a `deactivated/<agent id>` record in the
// registry), so a deactivated agent stays so across a master failover and
// when it registers again; then its offers are rescinded (or it is offered
// again) and 200 answers. An agent this master does not know is a 404, as
// is one marked gone; an unreachable agent may be deactivated (it stays so
// when it returns).
#include "common/logging.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

void MasterImpl::setAgentDeactivated(const std::string& agentId, bool deactivated, http::Responder responder) {
  bool known = agents_.count(agentId) || unreachableAgents_.count(agentId) || recoveredAgents_.count(agentId);
  if (agentId.empty() || !known || goneAgents_.count(agentId)) {
    return responder.respond(http::Response::text(404, "Agent '" + agentId + "' cannot be found\n"));
  }
  if (deactivatedAgents_.count(agentId) == static_cast<size_t>(deactivated)) {
    return responder.respond(http::Response::empty(200));  // already so
  }
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  persist({deactivatedWrite(agentId, deactivated)}, [this, agentId, deactivated, answer](const Status& s) {
    if (!s) {
      return answer->respond(http::Response::text(503, "The registry failed to record the agent's " +
                                                           std::string(deactivated ? "deactivation" : "reactivation") +
                                                           ": " + s.error().message + "\n"));
    }
    if (deactivated) {
      deactivatedAgents_.insert(agentId);
    } else {
      deactivatedAgents_.erase(agentId);
    }
    if (auto it = agents_.find(agentId); it != agents_.end()) {
      Agent& agent = it->second;
      agent.deactivated = deactivated;
      if (deactivated) {
        allocator_->deactivateAgent(agentId);
        rescindOffersOf(agent.offers);
      } else if (agent.connected) {
        allocator_->activateAgent(agentId);
        requestAllocation();
      }
    }
    TLOG(INFO) << "Agent " << agentId << (deactivated ? " deactivated" : " reactivated") << " by the operator";
    answer->respond(http::Response::empty(200));
  });
}

}  // namespace tepui::master
