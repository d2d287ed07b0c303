// POST /api/v1: the master's v1 operator API. The transport checks are
// http::decodeApiCall's; the answer is JSON unless Accept asks for protobuf
// (406 when it allows neither). Served: GET_HEALTH, GET_FLAGS, GET_VERSION,
// GET_LOGGING_LEVEL, SET_LOGGING_LEVEL (http/operator_call.hpp), LIST_FILES
// and READ_FILE (files_proxy.cpp), GET_METRICS, GET_MASTER, GET_STATE,
// GET_AGENTS, GET_FRAMEWORKS, GET_EXECUTORS, GET_TASKS (encoded off the
// loop: operator_snapshots.cpp), SUBSCRIBE (operator_events.cpp),
// GET_ROLES, GET_WEIGHTS, UPDATE_WEIGHTS,
// GET_QUOTA, UPDATE_QUOTA (operator_quota.cpp), RESERVE_RESOURCES,
// UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES (operations.cpp),
// TEARDOWN, MARK_AGENT_GONE (gone_agents.cpp), DEACTIVATE_AGENT,
// REACTIVATE_AGENT (agent_activation.cpp) and Tepui's KILL_TASK
// (updates.cpp). Any other call is answered 501 with its name: it is not
// served yet.
#include <cmath>

#include "common/logging.hpp"
#include "http/api_call.hpp"
#include "http/operator_call.hpp"
#include "master/master_impl.hpp"
#include "master/validation.hpp"
#include "tepui/v1/master.pb.h"

namespace tepui::master {

namespace {

using Call = v1::master::Call;
using Response = v1::master::Response;

v1::TimeInfo timeInfo(double seconds) {
  v1::TimeInfo t;
  t.set_nanoseconds(static_cast<int64_t>(seconds * 1e9));
  return t;
}

}  // namespace

void MasterImpl::handleOperator(http::Request& request, http::Responder responder) {
  Call call;
  auto type = http::serveCommonCall<Response>(
      request, call, "master::Call", {flagSet_, startTime_, loggingLevel_, [this] { return metrics(); }}, responder);
  if (!type) return;
  Response response;
  switch (call.type()) {
    case Call::GET_MASTER:
      response.set_type(Response::GET_MASTER);
      *response.mutable_get_master()->mutable_master_info() = masterInfo();
      response.mutable_get_master()->set_start_time(startTime_);
      response.mutable_get_master()->set_elected_time(electedTime_);
      break;
    case Call::GET_STATE:
    case Call::GET_AGENTS:
    case Call::GET_FRAMEWORKS:
    case Call::GET_EXECUTORS:
    case Call::GET_TASKS: return serveSnapshot(call.type(), *type, std::move(responder));
    case Call::SUBSCRIBE: return subscribeOperator(*type, std::move(responder));
    case Call::GET_ROLES:
      response.set_type(Response::GET_ROLES);
      for (auto& info : allocator_->roles()) {
        auto* role = response.mutable_get_roles()->add_roles();
        role->set_name(info.name);
        role->set_weight(info.weight);
        for (auto& id : info.frameworks) role->add_frameworks()->set_value(id);
        Resources::scalars(info.subtreeAllocated).copyTo(role->mutable_resources());
      }
      break;
    case Call::GET_QUOTA:
      response.set_type(Response::GET_QUOTA);
      *response.mutable_get_quota()->mutable_status() = quotaStatus();
      break;
    case Call::UPDATE_QUOTA: {
      auto changes = checkQuota(call.update_quota());
      if (!changes) return responder.respond(http::Response::text(400, changes.error().message + "\n"));
      std::vector<registry::Write> writes;
      for (auto& change : *changes) writes.push_back(quotaWrite(change));
      return persistThenAnswer(
          std::move(writes), "quota", [this, changes = std::move(*changes)] { allocator_->updateQuota(changes); },
          std::move(responder));
    }
    case Call::GET_WEIGHTS:
      response.set_type(Response::GET_WEIGHTS);
      for (auto& [role, weight] : allocator_->weights()) {
        auto* info = response.mutable_get_weights()->add_weight_infos();
        info->set_role(role);
        info->set_weight(weight);
      }
      break;
    case Call::UPDATE_WEIGHTS: {
      std::map<std::string, double> weights;
      for (auto& info : call.update_weights().weight_infos()) {
        if (auto e = validation::role(info.role())) {
          return responder.respond(
              http::Response::text(400, "Invalid weight for role '" + info.role() + "': " + e->message + "\n"));
        }
        if (!(info.weight() > 0) || !std::isfinite(info.weight())) {
          return responder.respond(http::Response::text(
              400, "Invalid weight for role '" + info.role() + "': it must be a positive number\n"));
        }
        weights[info.role()] = info.weight();
      }
      std::vector<registry::Write> writes;
      for (auto& [role, weight] : weights) writes.push_back(weightWrite(role, weight));
      return persistThenAnswer(
          std::move(writes), "weights", [this, weights] { allocator_->updateWeights(weights); }, std::move(responder));
    }
    case Call::RESERVE_RESOURCES:
    case Call::UNRESERVE_RESOURCES:
    case Call::CREATE_VOLUMES:
    case Call::DESTROY_VOLUMES: return responder.respond(operatorOperation(call));
    case Call::TEARDOWN: {
      auto it = frameworks_.find(call.teardown().framework_id().value());
      if (it == frameworks_.end()) {
        return responder.respond(
            http::Response::text(400, "Framework '" + call.teardown().framework_id().value() + "' cannot be found\n"));
      }
      // Answered once the removal is durable: a failover cannot bring it back.
      auto answer = std::make_shared<http::Responder>(std::move(responder));
      return teardown(it->second, [answer](const Status& s) {
        answer->respond(s ? http::Response::empty(200)
                          : http::Response::text(503,
                                                 "The framework is removed, but the registry failed to record "
                                                 "it: " +
                                                     s.error().message + "\n"));
      });
    }
    case Call::LIST_FILES:
    case Call::READ_FILE: return operatorFiles(call, *type, std::move(responder));
    case Call::MARK_AGENT_GONE:
      if (!call.has_mark_agent_gone()) {
        return responder.respond(http::Response::text(400, "Expecting 'mark_agent_gone' to be present\n"));
      }
      return markAgentGone(call.mark_agent_gone().agent_id().value(), std::move(responder));
    case Call::DEACTIVATE_AGENT:
      if (!call.has_deactivate_agent()) {
        return responder.respond(http::Response::text(400, "Expecting 'deactivate_agent' to be present\n"));
      }
      return setAgentDeactivated(call.deactivate_agent().agent_id().value(), true, std::move(responder));
    case Call::REACTIVATE_AGENT:
      if (!call.has_reactivate_agent()) {
        return responder.respond(http::Response::text(400, "Expecting 'reactivate_agent' to be present\n"));
      }
      return setAgentDeactivated(call.reactivate_agent().agent_id().value(), false, std::move(responder));
    case Call::KILL_TASK:
      if (!call.has_kill_task()) {
        return responder.respond(http::Response::text(400, "Expecting 'kill_task' to be present\n"));
      }
      return responder.respond(operatorKill(call.kill_task()));
    default:
      return responder.respond(http::Response::text(
          501, "The operator call " + Call::Type_Name(call.type()) + " is not served by this Tepui master yet\n"));
  }
  responder.respond(http::encodedResponse(response, *type));
}

void MasterImpl::operatorAgents(v1::master::Response::GetAgents* out, bool usage) const {
  for (auto& [id, a] : agents_) operatorAgent(a, out->add_agents(), usage);
  for (auto& [id, info] : recoveredAgents_) *out->add_recovered_agents() = info;
}

void MasterImpl::operatorAgent(const Agent& a, v1::master::Response::GetAgents::Agent* agent, bool usage) const {
  *agent->mutable_agent_info() = a.info;
  agent->set_active(a.active());
  agent->set_deactivated(a.deactivated);
  agent->set_version(a.version);
  agent->set_pid("slave(1)@" + a.address);
  *agent->mutable_registered_time() = timeInfo(a.registeredTime);
  if (a.reregisteredTime > 0) *agent->mutable_reregistered_time() = timeInfo(a.reregisteredTime);
  a.total.copyTo(agent->mutable_total_resources());
  if (usage) usedOn(a).copyTo(agent->mutable_allocated_resources());
  offered(a.offers).copyTo(agent->mutable_offered_resources());
}

void MasterImpl::operatorFrameworks(v1::master::Response::GetFrameworks* out, bool usage) const {
  for (auto& [id, f] : frameworks_) operatorFramework(f, out->add_frameworks(), usage);
  for (auto& completed : completedFrameworks_) {
    auto* framework = out->add_completed_frameworks();
    *framework->mutable_framework_info() = completed.info;
    framework->set_active(false);
    framework->set_connected(false);
    framework->set_recovered(false);
  }
}

void MasterImpl::operatorFramework(const Framework& f, v1::master::Response::GetFrameworks::Framework* framework,
                                   bool usage) const {
  *framework->mutable_framework_info() = f.info;
  framework->mutable_framework_info()->mutable_id()->set_value(f.id);
  framework->set_active(f.active);
  framework->set_connected(f.connected);
  framework->set_recovered(f.recovered);
  *framework->mutable_registered_time() = timeInfo(f.registeredTime);
  if (f.reregisteredTime > 0) *framework->mutable_reregistered_time() = timeInfo(f.reregisteredTime);
  if (f.unregisteredTime > 0) *framework->mutable_unregistered_time() = timeInfo(f.unregisteredTime);
  for (auto& oid : f.offers) *framework->add_offers() = offers_.at(oid).offer;
  if (usage) usedBy(f).copyTo(framework->mutable_allocated_resources());
  offered(f.offers).copyTo(framework->mutable_offered_resources());
}

void MasterImpl::operatorExecutors(v1::master::Response::GetExecutors* out) const {
  for (auto& [id, f] : frameworks_) {
    for (auto& [key, executor] : f.executors) {
      auto* e = out->add_executors();
      *e->mutable_executor_info() = executor.info;
      e->mutable_agent_id()->set_value(key.first);
    }
  }
}

void MasterImpl::operatorTasks(v1::master::Response::GetTasks* out,
                               std::vector<std::shared_ptr<const std::string>>* live) const {
  for (auto& [id, f] : frameworks_) {
    for (auto& [tid, entry] : f.tasks) {
      if (!live) {
        *out->add_tasks() = entry.task;
        continue;
      }
      if (!entry.encoded) entry.encoded = std::make_shared<const std::string>(entry.task.SerializeAsString());
      live->push_back(entry.encoded);
    }
    for (auto& t : f.completedTasks) *out->add_completed_tasks() = t;
    for (auto& t : f.unreachableTasks) *out->add_unreachable_tasks() = t;
  }
  for (auto& completed : completedFrameworks_) {
    for (auto& t : completed.tasks) *out->add_completed_tasks() = t;
  }
}

}  // namespace tepui::master
