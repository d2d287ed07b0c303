// The agent's link to the master: REGISTER opens a RecordIO event stream
// (re-opened with backoff whenever it drops, keeping the agent id and
// reporting what still runs), events are handled in order, and the agent's
// own calls (status updates, pongs, executor messages) are POSTs carrying the
// session id from REGISTERED. A watchdog re-registers if the master falls
// silent for five ping intervals (a partition that does not reset TCP).
#include <boost/asio/post.hpp>

#include "agent/agent_impl.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/logging.hpp"
#include "common/task_states.hpp"
#include "http/api_request.hpp"
#include "registry/leader_address.hpp"

namespace tepui::agent {

namespace {
using AgentCall = internal::AgentCall;
using AgentEvent = internal::AgentEvent;
constexpr std::chrono::milliseconds kMaxBackoff{5000};
}  // namespace

Status AgentImpl::followLeadingMaster() {
  std::chrono::milliseconds timeout(static_cast<int64_t>(flags_.zk_session_timeout.count() * 1000));
  auto detector = registry::Detector::watch(flags_.master, timeout, [this](const std::optional<std::string>& leader) {
    boost::asio::post(io_, [this, leader] { leaderChanged(leader); });
  });
  if (!detector) return detector.error().context("cannot follow the masters at '" + flags_.master + "'");
  detector_ = std::move(*detector);
  TLOG(INFO) << "Waiting for a leading master at " << flags_.master;
  return okStatus();
}

void AgentImpl::leaderChanged(const std::optional<std::string>& leaderJson) {
  if (stopped_) return;
  auto found = leaderJson ? registry::leaderEndpoint(*leaderJson) : std::nullopt;
  if (!found) {
    TLOG(WARNING) << "No leading master at the moment";
    return;
  }
  http::Endpoint leader = *found;
  if (leader.str() == master_.str() && registered_) return;
  TLOG(INFO) << "The leading master is " << leader.str() << "; registering with it";
  master_ = leader;
  // Drop any link to the old leader and register now, without backoff.
  reconnectTimer_.cancel();
  watchdog_.cancel();
  if (masterStream_) {
    masterStream_->cancel();
    masterStream_.reset();
  }
  registered_ = false;
  updates_.pause();
  backoff_ = std::chrono::milliseconds(100);
  connect();
}

void AgentImpl::connect() {
  if (stopped_ || master_.host.empty()) return;
  AgentCall call;
  call.set_type(AgentCall::REGISTER);
  auto* reg = call.mutable_register_();
  *reg->mutable_agent_info() = info_;
  if (!agentId_.empty()) reg->mutable_agent_info()->mutable_id()->set_value(agentId_);
  reg->set_protocol_version(1);
  reg->set_version(TEPUI_VERSION);
  for (auto& [fid, f] : frameworks_) {
    *reg->add_frameworks() = f.info;
    for (auto& [eid, e] : f.executors) {
      // An executor that is gone holds nothing any more, even if the master
      // missed its EXECUTOR_EXITED while the link was down.
      if (!e.commandExecutor && e.state != Executor::State::TERMINATED) *reg->add_executors() = e.info;
      for (auto& [tid, t] : e.tasks) {
        v1::Task* task = reg->add_tasks();
        task->set_name(t.info.name());
        *task->mutable_task_id() = t.info.task_id();
        task->mutable_framework_id()->set_value(fid);
        if (!e.commandExecutor) task->mutable_executor_id()->set_value(eid);
        task->mutable_agent_id()->set_value(agentId_);
        task->set_state(updates_.latestQueuedState(fid, tid).value_or(t.state));
        *task->mutable_resources() = t.info.resources();
      }
    }
  }

  auto request = http::apiRequest("/internal/agent", call, codec::ContentType::PROTOBUF, true);
  decoder_ = http::recordio::Decoder();

  http::StreamCallbacks callbacks;
  callbacks.onHead = [this](const http::Response& head) {
    if (head.status != 200) {
      TLOG(WARNING) << "Master refused registration (" << head.status << "): " << head.body;
    }
  };
  callbacks.onData = [this](std::string_view data) { onMasterData(data); };
  callbacks.onEnd = [this](const Status& status) {
    if (stopped_) return;
    if (registered_) {
      TLOG(WARNING) << "Lost the master at " << master_.str()
                    << (status ? std::string(": stream ended") : ": " + status.error().message);
    } else if (!status) {
      TLOG(WARNING) << "Cannot reach the master at " << master_.str() << ": " << status.error().message;
    }
    registered_ = false;
    updates_.pause();
    reconnectLater();
  };
  masterStream_ = client_.openStream(master_, std::move(request), std::move(callbacks));
}

void AgentImpl::reconnectLater() {
  watchdog_.cancel();
  if (masterStream_) {
    masterStream_->cancel();
    masterStream_.reset();
  }
  reconnectTimer_.expires_after(backoff_);
  reconnectTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) connect();
  });
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
}

void AgentImpl::onMasterData(std::string_view data) {
  std::vector<std::string> records;
  if (auto s = decoder_.feed(data, records); !s) {
    TLOG(ERROR) << "Malformed event stream from the master: " << s.error().message;
    registered_ = false;
    updates_.pause();
    return reconnectLater();
  }
  for (auto& record : records) {
    AgentEvent event;
    if (!event.ParseFromString(record)) {
      TLOG(ERROR) << "Unparseable event from the master; ignoring it";
      continue;
    }
    resetWatchdog();
    handleMasterEvent(event);
    if (stopped_) return;
  }
}

void AgentImpl::resetWatchdog() {
  watchdog_.expires_after(clock::seconds(pingInterval_ * 5));
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    TLOG(WARNING) << "No word from the master for " << pingInterval_ * 5 << "s; registering again";
    registered_ = false;
    updates_.pause();
    reconnectLater();
  });
}

void AgentImpl::handleMasterEvent(const AgentEvent& event) {
  switch (event.type()) {
    case AgentEvent::REGISTERED: {
      bool first = agentId_.empty();
      agentId_ = event.registered().agent_id().value();
      session_ = event.registered().session();
      if (event.registered().ping_interval_seconds() > 0) pingInterval_ = event.registered().ping_interval_seconds();
      registered_ = true;
      backoff_ = std::chrono::milliseconds(100);
      TLOG(INFO) << (first ? "Registered with the master as " : "Re-registered with the master as ") << agentId_;
      checkpointAgent();
      updates_.resume();
      break;
    }
    case AgentEvent::RUN_TASK: runTask(event.run_task().framework_info(), event.run_task().task()); break;
    case AgentEvent::RUN_TASK_GROUP: {
      auto& run = event.run_task_group();
      runTaskGroup(run.framework_info(), run.executor(), run.task_group());
      break;
    }
    case AgentEvent::KILL_TASK: killTask(event.kill_task()); break;
    case AgentEvent::ACKNOWLEDGE: acknowledged(event.acknowledge()); break;
    case AgentEvent::FRAMEWORK_MESSAGE: {
      auto& m = event.framework_message();
      Executor* e = findExecutor(m.framework_id().value(), m.executor_id().value());
      if (!e || !e->subscribed()) {
        invalidFrameworkMessages_++;
        TLOG(WARNING) << "Dropping message for executor " << m.executor_id().value() << ": not subscribed";
        break;
      }
      validFrameworkMessages_++;
      v1::executor::Event out;
      out.set_type(v1::executor::Event::MESSAGE);
      out.mutable_message()->set_data(m.data());
      sendToExecutor(*e, out);
      break;
    }
    case AgentEvent::SHUTDOWN_FRAMEWORK: shutdownFramework(event.shutdown_framework().framework_id().value()); break;
    case AgentEvent::SHUTDOWN_EXECUTOR:
      shutdownExecutor(event.shutdown_executor().framework_id().value(),
                       event.shutdown_executor().executor_id().value(), "the framework asked for it");
      break;
    case AgentEvent::PING: {
      AgentCall pong;
      pong.set_type(AgentCall::PONG);
      sendToMaster(std::move(pong));
      break;
    }
    case AgentEvent::CHECKPOINT_RESOURCES: adoptTotal(Resources(event.checkpoint_resources().resources())); break;
    case AgentEvent::UPDATE_FRAMEWORK: {
      auto& info = event.update_framework().framework_info();
      auto it = frameworks_.find(info.id().value());
      if (it == frameworks_.end()) break;
      it->second.info = info;
      it->second.infoCheckpointed = false;
      checkpointFramework(it->second);
      break;
    }
    case AgentEvent::SHUTDOWN: {
      std::string why = event.shutdown().message();
      TLOG(WARNING) << "The master asked this agent to shut down: " << why;
      // Whatever happens next, this agent's id is spent: a restart
      // registers as a new agent.
      if (auto s = checkpoint_.removeLatest(); !s) TLOG(ERROR) << "Cannot drop the checkpoint: " << s.error().message;
      for (auto& [fid, f] : frameworks_) {
        (void)f;
        shutdownFramework(fid);
      }
      if (onShutdown_) onShutdown_(why);
      break;
    }
    default: TLOG(WARNING) << "Ignoring unknown event from the master";
  }
}

void AgentImpl::sendToMaster(AgentCall call) {
  if (!registered_) return;  // updates are retried by the status update manager
  call.mutable_agent_id()->set_value(agentId_);
  call.set_session(session_);
  client_.request(master_, http::apiRequest("/internal/agent", call, codec::ContentType::PROTOBUF),
                  [this](Result<http::Response> response) {
                    if (stopped_) return;
                    if (!response) {
                      TLOG(WARNING) << "Call to the master failed: " << response.error().message;
                    } else if (response->status == 403 && registered_) {
                      TLOG(WARNING) << "The master does not know this agent's session; registering again";
                      registered_ = false;
                      updates_.pause();
                      reconnectLater();
                    }
                  });
}

void AgentImpl::forwardStatus(const std::string& frameworkId, const v1::TaskStatus& status, v1::TaskState latest) {
  AgentCall call;
  call.set_type(AgentCall::STATUS_UPDATE);
  auto* u = call.mutable_status_update();
  u->mutable_framework_id()->set_value(frameworkId);
  *u->mutable_status() = status;
  u->set_latest_state(latest);
  if (!checkpointing(frameworkId)) return sendToMaster(std::move(call));
  // The master hears of an update only once the agent cannot forget it.
  checkpointWriter_.afterDurable([this, call = std::move(call)]() mutable {
    if (!stopped_) sendToMaster(std::move(call));
  });
}

void AgentImpl::acknowledged(const AgentEvent::Acknowledge& ack) {
  const std::string& fid = ack.framework_id().value();
  const std::string& tid = ack.task_id().value();
  auto status = updates_.acknowledge(fid, tid, ack.uuid());
  if (!status) return;  // a duplicate or stale acknowledgement
  // (The executor had its ACKNOWLEDGED when the agent took the update.)
  auto fit = frameworks_.find(fid);
  if (fit == frameworks_.end()) return;
  for (auto& [eid, e] : fit->second.executors) {
    auto tit = e.tasks.find(tid);
    if (tit == e.tasks.end()) continue;
    if (isTerminalState(status->state()) && updates_.drained(fid, tid)) {
      forgetCheckpointedTask(e, tit->second);
      taskCompleted(e, tit->second);
      e.tasks.erase(tit);
      updates_.removeTask(fid, tid);
      maybeForgetExecutor(fid, eid);
    }
    return;
  }
}

}  // namespace tepui::agent
