// POST /api/v1/executor: the v1 executor API served to the agent's
// executors. SUBSCRIBE opens the event stream (SUBSCRIBED, then LAUNCH for
// each task waiting, then a HEARTBEAT event every
// --executor_heartbeat_interval), UPDATE feeds the status update manager,
// MESSAGE goes to the framework through the master, HEARTBEAT is accepted.
#include <boost/asio/post.hpp>
#include <set>

#include "agent/agent_impl.hpp"
#include "common/clock.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "http/api_call.hpp"

namespace tepui::agent {

namespace {
using Call = v1::executor::Call;
using Event = v1::executor::Event;

http::Response bad(const std::string& message) { return http::Response::text(400, message + "\n"); }
}  // namespace

void AgentImpl::handleExecutor(http::Request& request, http::Responder responder) {
  Call call;
  auto decoded = http::decodeApiCall(request, &call, "executor::Call");
  if (auto* refused = std::get_if<http::Response>(&decoded)) return responder.respond(std::move(*refused));
  if (!call.has_type()) return responder.respond(bad("Expecting 'type' to be present"));
  if (call.type() == Call::HEARTBEAT) return responder.respond(http::Response::empty(202));

  Executor* executor = findExecutor(call.framework_id().value(), call.executor_id().value());
  if (!executor || executor->state == Executor::State::TERMINATED) {
    if (call.type() == Call::UPDATE) invalidStatusUpdates_++;
    return responder.respond(bad("Executor '" + call.executor_id().value() + "' of framework '" +
                                 call.framework_id().value() + "' is not known to this agent"));
  }

  switch (call.type()) {
    case Call::SUBSCRIBE: {
      auto accept = codec::fromAccept(request.header("Accept"));
      if (!accept) return responder.respond(http::Response::text(406, "Unacceptable 'Accept' header\n"));
      return subscribeExecutor(*executor, call, *accept, std::move(responder));
    }
    case Call::UPDATE: {
      auto refuse = [&](http::Response response) {
        invalidStatusUpdates_++;
        responder.respond(std::move(response));
      };
      if (!call.has_update()) return refuse(bad("Expecting 'update' to be present"));
      const auto& status = call.update().status();
      if (status.uuid().size() != 16) return refuse(bad("'update.status.uuid' must be a 16-byte UUID"));
      if (status.state() == v1::TASK_STAGING) return refuse(bad("An executor cannot send TASK_STAGING"));
      if (status.has_executor_id() && status.executor_id().value() != executor->id) {
        return refuse(bad("'update.status.executor_id' does not match the executor"));
      }
      if (!executor->subscribed()) return refuse(http::Response::text(403, "Executor is not subscribed\n"));
      responder.respond(http::Response::empty(202));
      return executorUpdate(*executor, status);
    }
    case Call::MESSAGE: {
      if (!call.has_message()) return responder.respond(bad("Expecting 'message' to be present"));
      if (!executor->subscribed()) return responder.respond(http::Response::text(403, "Executor is not subscribed\n"));
      responder.respond(http::Response::empty(202));
      internal::AgentCall out;
      out.set_type(internal::AgentCall::EXECUTOR_MESSAGE);
      auto* m = out.mutable_executor_message();
      *m->mutable_framework_id() = call.framework_id();
      *m->mutable_executor_id() = call.executor_id();
      m->set_data(call.message().data());
      return sendToMaster(std::move(out));
    }
    default: return responder.respond(http::Response::text(501, "Unsupported executor call\n"));
  }
}

void AgentImpl::subscribeExecutor(Executor& executor, const Call& call, codec::ContentType type,
                                  http::Responder responder) {
  if (executor.state == Executor::State::TERMINATING) {
    return responder.respond(http::Response::text(403, "Executor is shutting down\n"));
  }
  if (executor.state == Executor::State::FETCHING) {
    return responder.respond(http::Response::text(403, "Executor has not been started yet\n"));
  }
  if (executor.subscribed()) {  // a reconnect replaces the old stream
    Event error;
    error.set_type(Event::ERROR);
    error.mutable_error()->set_message("The executor subscribed again on another connection");
    sendToExecutor(executor, error);
    executor.stream->close();
  }
  http::Response head;
  head.status = 200;
  head.headers["Content-Type"] = std::string(codec::mediaType(type));
  executor.stream = responder.stream(std::move(head));
  executor.type = type;
  executor.state = Executor::State::RUNNING;
  if (executor.registrationTimer) executor.registrationTimer->cancel();
  std::string fid = executor.frameworkId, eid = executor.id, cid = executor.containerId;
  executor.stream->onClose([this, fid, eid, cid] {
    boost::asio::post(io_, [this, fid, eid, cid] {
      Executor* e = findExecutor(fid, eid);
      if (e && e->containerId == cid && !stopped_) {
        TLOG(INFO) << "Executor " << eid << " of framework " << fid << " closed its connection";
      }
    });
  });

  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  auto* s = subscribed.mutable_subscribed();
  *s->mutable_executor_info() = executor.info;
  *s->mutable_framework_info() = frameworks_.at(executor.frameworkId).info;
  *s->mutable_agent_info() = info_;
  s->mutable_agent_info()->mutable_id()->set_value(agentId_);
  s->mutable_container_id()->set_value(executor.containerId);
  sendToExecutor(executor, subscribed);
  scheduleHeartbeat(executor);

  // Updates the executor still holds unacknowledged go back in the queue
  // (the status update manager drops the ones it already has), and the
  // tasks it already has are not launched again.
  for (auto& update : call.subscribe().unacknowledged_updates()) executorUpdate(executor, update.status());
  std::set<std::string> reported;
  for (auto& task : call.subscribe().unacknowledged_tasks()) {
    reported.insert(task.task_id().value());
    auto it = executor.tasks.find(task.task_id().value());
    if (it == executor.tasks.end() || it->second.launched) continue;
    it->second.launched = true;
    checkpointTask(executor, it->second);
  }
  if (executor.recovered) {
    executor.recovered = false;
    executor.terminationState.reset();  // it is back: an exit from now on is an ordinary one
    TLOG(INFO) << "Executor " << executor.id << " of framework " << executor.frameworkId
               << " subscribed again after the agent restarted";
    droppedInRestart(executor, reported);
    if (executor.kind == Executor::Kind::COMMAND && executor.tasks.empty()) {
      // Its one task never reached it: it would wait for it forever.
      return shutdownExecutor(executor.frameworkId, executor.id, "its task was lost when the agent restarted");
    }
  }
  deliverTasks(executor);
}

void AgentImpl::scheduleHeartbeat(Executor& executor) {
  if (!executor.heartbeatTimer) executor.heartbeatTimer = std::make_unique<Timer>(io_);
  executor.heartbeatTimer->expires_after(clock::seconds(flags_.executor_heartbeat_interval.count()));
  std::string fid = executor.frameworkId, eid = executor.id, cid = executor.containerId;
  executor.heartbeatTimer->async_wait([this, fid, eid, cid](const boost::system::error_code& ec) {
    Executor* e = ec ? nullptr : findExecutor(fid, eid);
    if (!e || e->containerId != cid || !e->subscribed()) return;
    Event heartbeat;
    heartbeat.set_type(Event::HEARTBEAT);
    sendToExecutor(*e, heartbeat);
    scheduleHeartbeat(*e);
  });
}

void AgentImpl::executorUpdate(Executor& executor, v1::TaskStatus status) {
  status.set_source(v1::TaskStatus::SOURCE_EXECUTOR);
  status.mutable_agent_id()->set_value(agentId_);
  if (!executor.commandExecutor) status.mutable_executor_id()->set_value(executor.id);
  if (!status.has_timestamp()) status.set_timestamp(clock::wallSeconds());
  if (isTerminalState(status.state())) checkLimitation(executor, status);
  auto tit = executor.tasks.find(status.task_id().value());
  if (tit != executor.tasks.end()) tit->second.state = status.state();
  if (updates_.update(executor.frameworkId, status)) {
    validStatusUpdates_++;
    if (isTerminalState(status.state())) {
      terminalTasks_[status.state()]++;
      updateContainer(executor);
    }
  }
  // The agent now answers for the update (its status update manager
  // re-sends it until the framework acknowledges it), so the executor may
  // forget it, as Mesos's agent tells its executors. A duplicate the
  // manager ignored is acknowledged too, or the executor would hold it
  // forever.
  Event ack;
  ack.set_type(Event::ACKNOWLEDGED);
  *ack.mutable_acknowledged()->mutable_task_id() = status.task_id();
  ack.mutable_acknowledged()->set_uuid(status.uuid());
  sendToExecutor(executor, ack);
}

}  // namespace tepui::agent
