// RESERVE, UNRESERVE, CREATE and DESTROY: as operations of an ACCEPT (on
// offered resources) and as the operator calls RESERVE_RESOURCES,
// UNRESERVE_RESOURCES, CREATE_VOLUMES and DESTROY_VOLUMES (on unallocated
// resources). Either way the master validates the operation
// (common/resource_conversions.hpp), converts the resources in the
// allocator and in the agent's total, and sends the agent its new total to
// checkpoint (CHECKPOINT_RESOURCES), so that reservations and volumes
// survive the agent's restart and come back when it registers again. The
// form-encoded endpoints /reserve, /unreserve, /create-volumes and
// /destroy-volumes (slaveId plus a JSON array) are the same calls.
//
// Operations are applied by the master at once ("speculatively", as Mesos
// does for an agent's own resources); an operation with an `id` gets its
// feedback from the master straight away: OPERATION_FINISHED, or
// OPERATION_ERROR with the reason.
#include <boost/json.hpp>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "common/resource_conversions.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace {

using Operation = v1::Offer::Operation;

}  // namespace

Result<conversions::Conversion> MasterImpl::conversionOf(const Operation& op, const Agent& agent,
                                                         const conversions::Requester& requester) const {
  switch (op.type()) {
    case Operation::RESERVE: return conversions::reserve(op.reserve().resources(), &op.reserve().source(), requester);
    case Operation::UNRESERVE: return conversions::unreserve(op.unreserve().resources(), requester);
    case Operation::CREATE:
      return conversions::create(op.create().volumes(), conversions::persistenceIds(agent.total), requester);
    case Operation::DESTROY: return conversions::destroy(op.destroy().volumes());
    default: return Error("operation " + Operation::Type_Name(op.type()) + " is not supported");
  }
}

std::optional<Error> MasterImpl::volumeInUse(const Agent& agent, const conversions::Conversion& conversion) const {
  std::set<std::string> destroyed = conversions::persistenceIds(conversion.from);
  if (destroyed.empty()) return std::nullopt;
  for (const std::string& id : conversions::persistenceIds(usedOn(agent))) {
    if (destroyed.contains(id)) return Error("volume '" + id + "' is in use by a task or executor");
  }
  return std::nullopt;
}

std::optional<Error> MasterImpl::acceptOperation(Framework& framework, Agent& agent, const Operation& op,
                                                 const std::string& role, Resources& remaining) {
  conversions::Requester requester;
  requester.framework = true;
  if (framework.info.has_principal()) requester.principal = framework.info.principal();
  requester.allocationRole = role;
  requester.refinementCapable = framework.hasCapability(v1::FrameworkInfo::Capability::RESERVATION_REFINEMENT);
  auto conversion = conversionOf(op, agent, requester);
  if (!conversion) return conversion.error();
  if (op.type() == Operation::DESTROY) {
    if (auto e = volumeInUse(agent, *conversion)) return e;
  }
  // Offered resources carry the offer's role; so do both sides here.
  conversion->from = conversion->from.allocate(role);
  conversion->to = conversion->to.allocate(role);
  auto left = conversions::apply(remaining, *conversion);
  if (!left) return left.error().context("not in the offers");
  auto total =
      conversions::apply(agent.total, {conversion->from.withoutAllocation(), conversion->to.withoutAllocation()});
  if (!total || !allocator_->updateAllocation(framework.id, agent.id, conversion->from, conversion->to)) {
    // The offers held it, so the agent's total and the allocator must too.
    return Error("the master's books do not hold these resources on agent " + agent.id);
  }
  remaining = std::move(*left);
  agent.total = std::move(*total);
  TLOG(INFO) << "Framework " << framework.id << " applied " << Operation::Type_Name(op.type()) << " on agent "
             << agent.id << ": " << conversion->from << " -> " << conversion->to;
  return std::nullopt;
}

void MasterImpl::sendOperationStatus(Framework& framework, const Operation& op, const Agent& agent,
                                     const std::optional<Error>& error) {
  if (!op.has_id()) {
    if (error) {
      TLOG(WARNING) << "Dropping " << Operation::Type_Name(op.type()) << " of framework " << framework.id
                    << " on agent " << agent.id << ": " << error->message;
    }
    return;
  }
  v1::scheduler::Event event;
  event.set_type(v1::scheduler::Event::UPDATE_OPERATION_STATUS);
  auto* status = event.mutable_update_operation_status()->mutable_status();
  *status->mutable_operation_id() = op.id();
  status->mutable_agent_id()->set_value(agent.id);
  status->set_state(error ? v1::OPERATION_ERROR : v1::OPERATION_FINISHED);
  if (error) status->set_message(error->message);
  sendToFramework(framework, event);
}

http::Response MasterImpl::operatorOperation(const v1::master::Call& call) {
  using Call = v1::master::Call;
  Operation op;
  const v1::AgentID* agentId = nullptr;
  switch (call.type()) {
    case Call::RESERVE_RESOURCES:
      op.set_type(Operation::RESERVE);
      *op.mutable_reserve()->mutable_resources() = call.reserve_resources().resources();
      *op.mutable_reserve()->mutable_source() = call.reserve_resources().source();
      agentId = &call.reserve_resources().agent_id();
      break;
    case Call::UNRESERVE_RESOURCES:
      op.set_type(Operation::UNRESERVE);
      *op.mutable_unreserve()->mutable_resources() = call.unreserve_resources().resources();
      agentId = &call.unreserve_resources().agent_id();
      break;
    case Call::CREATE_VOLUMES:
      op.set_type(Operation::CREATE);
      *op.mutable_create()->mutable_volumes() = call.create_volumes().volumes();
      agentId = &call.create_volumes().agent_id();
      break;
    default:
      op.set_type(Operation::DESTROY);
      *op.mutable_destroy()->mutable_volumes() = call.destroy_volumes().volumes();
      agentId = &call.destroy_volumes().agent_id();
      break;
  }
  const std::string what = Call::Type_Name(call.type());
  auto it = agents_.find(agentId->value());
  if (agentId->value().empty() || it == agents_.end()) {
    return http::Response::text(400, "Invalid " + what + " call: no agent with id '" + agentId->value() + "'\n");
  }
  Agent& agent = it->second;
  auto conversion = conversionOf(op, agent, conversions::Requester{});
  if (!conversion) {
    return http::Response::text(400, "Invalid " + what + " call: " + conversion.error().message + "\n");
  }
  if (auto e = volumeInUse(agent, *conversion)) {
    return http::Response::text(409, "Cannot apply " + what + " on agent " + agent.id + ": " + e->message + "\n");
  }
  auto total = conversions::apply(agent.total, *conversion);
  if (!total) {
    return http::Response::text(
        409, "Cannot apply " + what + " on agent " + agent.id + ": " + total.error().message + " in its total\n");
  }
  if (!allocator_->updateAvailable(agent.id, conversion->from, conversion->to)) {
    // Outstanding offers may hold them: take those back and try again.
    rescindOffersOf(agent.offers);
    if (!allocator_->updateAvailable(agent.id, conversion->from, conversion->to)) {
      return http::Response::text(409, "Cannot apply " + what + " on agent " + agent.id + ": '" +
                                           conversion->from.toString() +
                                           "' is not all unallocated there (tasks or executors use some of it)\n");
    }
  }
  agent.total = std::move(*total);
  TLOG(INFO) << "Operator applied " << what << " on agent " << agent.id << ": " << conversion->from << " -> "
             << conversion->to;
  checkpointResources(agent);
  requestAllocation();
  return http::Response::empty(202);
}

http::Response MasterImpl::formOperation(const std::string& endpoint, const http::Request& request) {
  if (request.method != "POST") return http::Response::methodNotAllowed("POST", request.method);
  // The call each endpoint makes, its member in Call, and the form field
  // with the resources (/reserve and /unreserve: `resources`, the volume
  // endpoints: `volumes`).
  struct FormCall {
    const char* type;
    const char* member;
    std::string field;
  };
  static const std::map<std::string, FormCall> kCalls = {
      {"/reserve", {"RESERVE_RESOURCES", "reserve_resources", "resources"}},
      {"/unreserve", {"UNRESERVE_RESOURCES", "unreserve_resources", "resources"}},
      {"/create-volumes", {"CREATE_VOLUMES", "create_volumes", "volumes"}},
      {"/destroy-volumes", {"DESTROY_VOLUMES", "destroy_volumes", "volumes"}}};
  const auto& [type, member, field] = kCalls.at(endpoint);
  auto form = http::parseQuery(request.body);
  if (form["slaveId"].empty()) return http::Response::text(400, "Missing 'slaveId' in the form\n");
  if (form[field].empty()) return http::Response::text(400, "Missing '" + field + "' in the form\n");
  boost::system::error_code ec;
  boost::json::value resources = boost::json::parse(form[field], ec);
  if (ec || !resources.is_array()) {
    return http::Response::text(400, "'" + field + "' is not a JSON array of resources\n");
  }
  boost::json::object body{{"agent_id", boost::json::object{{"value", form["slaveId"]}}}, {field, resources}};
  v1::master::Call call;
  if (auto s = json::fromValue(boost::json::object{{"type", type}, {member, body}}, &call); !s) {
    return http::Response::text(400, "Invalid '" + field + "': " + s.error().message + "\n");
  }
  return operatorOperation(call);
}

void MasterImpl::checkpointResources(Agent& agent) {
  internal::AgentEvent event;
  event.set_type(internal::AgentEvent::CHECKPOINT_RESOURCES);
  agent.total.copyTo(event.mutable_checkpoint_resources()->mutable_resources());
  agent.total.copyTo(agent.info.mutable_resources());
  // A disconnected agent hears of it when it registers again (agents.cpp).
  if (agent.connected) sendToAgent(agent, event);
}

}  // namespace tepui::master
