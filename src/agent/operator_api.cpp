// POST /api/v1 on the agent: the v1 agent operator API. The transport
// checks are http::decodeApiCall's; the answer is JSON unless Accept asks
// for protobuf (406 when it allows neither). Served: GET_HEALTH,
// GET_FLAGS, GET_VERSION, GET_LOGGING_LEVEL, SET_LOGGING_LEVEL (those in
// http/operator_call.hpp), GET_METRICS (the keys of /metrics/snapshot),
// GET_CONTAINERS (each live executor's container and its
// ResourceStatistics, as /monitor/statistics), GET_AGENT, LIST_FILES and
// READ_FILE (operator_files.cpp), GET_STATE, GET_FRAMEWORKS, GET_EXECUTORS
// and GET_TASKS (operator_state.cpp). Any other call is answered 501 with
// its name.
#include "agent/agent_impl.hpp"
#include "common/clock.hpp"
#include "http/api_call.hpp"
#include "http/operator_call.hpp"
#include "tepui/v1/agent.pb.h"

namespace tepui::agent {

namespace {
using Call = v1::agent::Call;
using Response = v1::agent::Response;
}  // namespace

void AgentImpl::handleOperator(http::Request& request, http::Responder responder) {
  Call call;
  auto type = http::serveCommonCall<Response>(
      request, call, "agent::Call", {flagSet_, startTime_, loggingLevel_, [this] { return metrics(); }}, responder);
  if (!type) return;
  Response response;
  switch (call.type()) {
    case Call::GET_CONTAINERS:
      response.set_type(Response::GET_CONTAINERS);
      for (auto& [e, usage] : containerUsage()) {
        auto* container = response.mutable_get_containers()->add_containers();
        container->mutable_framework_id()->set_value(e->frameworkId);
        container->mutable_executor_id()->set_value(e->id);
        container->set_executor_name(e->info.name());
        container->mutable_container_id()->set_value(e->containerId);
        container->mutable_container_status()->mutable_container_id()->set_value(e->containerId);
        container->mutable_container_status()->set_executor_pid(static_cast<uint32_t>(e->pid));
        *container->mutable_resource_statistics() = std::move(usage);
      }
      break;
    case Call::GET_AGENT:
      response.set_type(Response::GET_AGENT);
      *response.mutable_get_agent()->mutable_agent_info() = info_;
      if (!agentId_.empty()) response.mutable_get_agent()->mutable_agent_info()->mutable_id()->set_value(agentId_);
      break;
    case Call::LIST_FILES:
    case Call::READ_FILE: return responder.respond(operatorFiles(call, *type));
    case Call::GET_STATE:
    case Call::GET_FRAMEWORKS:
    case Call::GET_EXECUTORS:
    case Call::GET_TASKS: operatorState(call.type(), response); break;
    default:
      return responder.respond(http::Response::text(
          501, "The agent call " + Call::Type_Name(call.type()) + " is not served by this Tepui agent\n"));
  }
  responder.respond(http::encodedResponse(response, *type));
}

}  // namespace tepui::agent
