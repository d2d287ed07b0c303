// POST /api/v1/scheduler: the transport rules of the v1 scheduler API (method,
// media types, stream ids, framework state, status codes in Mesos's order)
// and the dispatch of each call to the file that handles its concern.
#include "common/logging.hpp"
#include "http/api_call.hpp"
#include "master/master_impl.hpp"
#include "master/validation.hpp"

namespace tepui::master {

namespace {

using Call = v1::scheduler::Call;

http::Response badRequest(const std::string& message) { return http::Response::text(400, message + "\n"); }

}  // namespace

void MasterImpl::handleScheduler(http::Request& request, http::Responder responder) {
  Call call;
  auto decoded = http::decodeApiCall(request, &call, "scheduler::Call");
  if (auto* refused = std::get_if<http::Response>(&decoded)) return responder.respond(std::move(*refused));
  if (call.has_type() && call.type() == Call::UNKNOWN) {
    return responder.respond(http::Response::text(501, "Received 'UNKNOWN' call\n"));
  }
  if (auto e = validation::schedulerCall(call)) {
    return responder.respond(badRequest("Failed to validate scheduler::Call: " + e->message));
  }
  counters_.schedulerCalls[call.type()]++;
  if (call.type() == Call::SUBSCRIBE && call.subscribe().framework_info().has_id()) {
    counters_.frameworkResubscriptions++;
  }

  if (call.type() == Call::SUBSCRIBE) {
    if (request.header("Mesos-Stream-Id")) {
      return responder.respond(badRequest("Subscribe calls should not include the 'Mesos-Stream-Id' header"));
    }
    auto accept = codec::fromAccept(request.header("Accept"));
    if (!accept) {
      return responder.respond(
          http::Response::text(406, "Expecting 'Accept' to allow application/json or application/x-protobuf\n"));
    }
    return subscribe(call, *accept, std::move(responder));
  }

  auto it = frameworks_.find(call.framework_id().value());
  if (it == frameworks_.end()) {
    return responder.respond(badRequest("Framework '" + call.framework_id().value() + "' cannot be found"));
  }
  Framework& framework = it->second;
  if (!framework.connected) {
    return responder.respond(http::Response::text(403, "Framework is not subscribed\n"));
  }
  auto streamId = request.header("Mesos-Stream-Id");
  if (!streamId) {
    return responder.respond(badRequest("All non-subscribe calls should include the 'Mesos-Stream-Id' header"));
  }
  if (*streamId != framework.streamId) {
    return responder.respond(badRequest("The stream ID '" + *streamId +
                                        "' included in this request didn't match the stream ID currently "
                                        "associated with framework ID " +
                                        framework.id));
  }
  if (call.type() == Call::UPDATE_FRAMEWORK) {
    // Applied before answering: 200 once done, 400 if it cannot be.
    if (auto e = updateFramework(framework, call.update_framework())) return responder.respond(badRequest(e->message));
    return responder.respond(http::Response::empty(200));
  }
  responder.respond(http::Response::empty(202));
  dispatchCall(framework, call);
}

void MasterImpl::dispatchCall(Framework& framework, const Call& call) {
  switch (call.type()) {
    case Call::TEARDOWN: teardown(framework); break;
    case Call::ACCEPT: accept(framework, call.accept()); break;
    case Call::DECLINE: decline(framework, call.decline()); break;
    case Call::REVIVE: {
      std::set<std::string> roles(call.revive().roles().begin(), call.revive().roles().end());
      for (auto& r : roles) framework.suppressedRoles.erase(r);
      if (roles.empty()) framework.suppressedRoles.clear();
      allocator_->reviveOffers(framework.id, roles, now());
      requestAllocation();
      break;
    }
    case Call::SUPPRESS: {
      std::set<std::string> roles(call.suppress().roles().begin(), call.suppress().roles().end());
      for (auto& r : roles.empty() ? framework.roles : roles) framework.suppressedRoles.insert(r);
      allocator_->suppressOffers(framework.id, roles);
      break;
    }
    case Call::KILL: kill(framework, call.kill()); break;
    case Call::SHUTDOWN: {
      auto agent = agents_.find(call.shutdown().agent_id().value());
      if (agent == agents_.end() || !agent->second.connected) break;
      internal::AgentEvent event;
      event.set_type(internal::AgentEvent::SHUTDOWN_EXECUTOR);
      event.mutable_shutdown_executor()->mutable_framework_id()->set_value(framework.id);
      *event.mutable_shutdown_executor()->mutable_executor_id() = call.shutdown().executor_id();
      sendToAgent(agent->second, event);
      break;
    }
    case Call::ACKNOWLEDGE: acknowledge(framework, call.acknowledge()); break;
    case Call::RECONCILE: reconcile(framework, call.reconcile()); break;
    case Call::MESSAGE: {
      auto agent = agents_.find(call.message().agent_id().value());
      if (agent == agents_.end() || !agent->second.connected) {
        counters_.droppedMessages++;
        counters_.invalidFrameworkToExecutorMessages++;
        TLOG(WARNING) << "Dropping message from framework " << framework.id << " to unknown or disconnected agent "
                      << call.message().agent_id().value();
        break;
      }
      internal::AgentEvent event;
      event.set_type(internal::AgentEvent::FRAMEWORK_MESSAGE);
      auto* m = event.mutable_framework_message();
      m->mutable_framework_id()->set_value(framework.id);
      *m->mutable_executor_id() = call.message().executor_id();
      m->set_data(call.message().data());
      counters_.validFrameworkToExecutorMessages++;
      sendToAgent(agent->second, event);
      break;
    }
    case Call::REQUEST:  // ignored by the built-in allocator, as in Mesos
    case Call::ACCEPT_INVERSE_OFFERS:
    case Call::DECLINE_INVERSE_OFFERS:
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
    case Call::RECONCILE_OPERATIONS:
      TLOG(INFO) << "Ignoring " << Call::Type_Name(call.type()) << " from framework " << framework.id
                 << ": not supported yet";
      break;
    default: break;
  }
}

}  // namespace tepui::master
