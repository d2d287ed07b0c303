// Framework lifecycle: SUBSCRIBE (new, resubscribe, failover of the
// connection), heartbeats, disconnection and the failover timeout, TEARDOWN
// and removal.
#include <google/protobuf/util/message_differencer.h>

#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "http/recordio.hpp"
#include "master/master_impl.hpp"
#include "master/validation.hpp"

namespace tepui::master {

namespace {

using Event = v1::scheduler::Event;
constexpr double kHeartbeatSeconds = 15.0;

void refuse(codec::ContentType type, std::string_view streamId, http::Responder responder, const std::string& why) {
  // A refused subscription gets one ERROR event and the stream is closed.
  http::Response head;
  head.status = 200;
  head.headers["Content-Type"] = std::string(codec::mediaType(type));
  if (!streamId.empty()) head.headers["Mesos-Stream-Id"] = std::string(streamId);
  auto stream = responder.stream(std::move(head));
  Event event;
  event.set_type(Event::ERROR);
  event.mutable_error()->set_message(why);
  stream->write(http::recordio::encode(codec::encode(event, type)));
  stream->close();
}

}  // namespace

void MasterImpl::subscribe(const v1::scheduler::Call& call, codec::ContentType type, http::Responder responder) {
  v1::FrameworkInfo info = call.subscribe().framework_info();
  if (auto e = validation::frameworkInfo(info)) {
    TLOG(WARNING) << "Refusing subscription of framework '" << info.name() << "': " << e->message;
    return refuse(type, "", std::move(responder), e->message);
  }

  std::string id;
  if (info.has_id()) {
    id = info.id().value();
    if (removedFrameworkIds_.count(id)) {
      return refuse(type, "", std::move(responder), "Framework has been removed");
    }
  } else {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "-%04llu", static_cast<unsigned long long>(nextFrameworkId_++));
    id = masterId_ + suffix;
    info.mutable_id()->set_value(id);
  }

  std::set<std::string> suppressed(call.subscribe().suppressed_roles().begin(),
                                   call.subscribe().suppressed_roles().end());
  auto known = frameworks_.find(id);
  if (known != frameworks_.end()) {
    // user and checkpoint cannot change (silently kept, as Mesos does).
    info.set_user(known->second.info.user());
    info.set_checkpoint(known->second.info.checkpoint());
  }
  // The framework's record is durable before it is answered: a new leader
  // knows the ids handed out, and what they were handed to.
  bool durable = !registrar_ || (known != frameworks_.end() && known->second.persisted &&
                                 google::protobuf::util::MessageDifferencer::Equals(known->second.info, info));
  if (durable) return admitFramework(std::move(info), std::move(suppressed), type, std::move(responder));
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  persist({frameworkWrite(info)}, [this, info, suppressed, type, answer](const Status& s) {
    if (stopped_) return;
    if (!s) {
      TLOG(ERROR) << "Failed to persist framework " << info.id().value() << ": " << s.error().message;
      return answer->respond(http::Response::text(503, "Failed to persist the framework: " + s.error().message + "\n"));
    }
    if (removedFrameworkIds_.count(info.id().value())) {
      return refuse(type, "", std::move(*answer), "Framework has been removed");
    }
    admitFramework(info, suppressed, type, std::move(*answer));
    frameworks_.at(info.id().value()).persisted = true;
  });
}

void MasterImpl::admitFramework(v1::FrameworkInfo info, std::set<std::string> suppressed, codec::ContentType type,
                                http::Responder responder) {
  const std::string id = info.id().value();
  auto [it, created] = frameworks_.try_emplace(id);
  Framework& f = it->second;
  double wall = clock::wallSeconds();
  if (created) {
    f.id = id;
    f.info = info;
    f.registeredTime = wall;
    f.heartbeat = std::make_unique<Timer>(io_);
    f.failover = std::make_unique<Timer>(io_);
  } else {
    // Resubscription: the framework keeps its tasks.
    if (!google::protobuf::util::MessageDifferencer::Equals(f.info, info)) f.persisted = false;
    f.info = info;
    f.reregisteredTime = wall;
    f.failover->cancel();
    if (f.events.open()) {
      Event error;
      error.set_type(Event::ERROR);
      error.mutable_error()->set_message("Framework failed over");
      f.events.send(error);
      f.events.close();
    }
    for (auto& offerId : std::set<std::string>(f.offers)) removeOffer(offerId, true, std::nullopt);
  }
  f.roles = validation::frameworkRoles(f.info);
  f.suppressedRoles = std::move(suppressed);
  f.partitionAware = f.hasCapability(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  f.connected = true;
  f.active = true;
  f.recovered = false;
  f.streamId = ids::uuidString();

  http::Response head;
  head.status = 200;
  head.headers["Content-Type"] = std::string(codec::mediaType(type));
  head.headers["Mesos-Stream-Id"] = f.streamId;
  f.events.stream = responder.stream(std::move(head));
  f.events.type = type;
  f.events.stream->onClose([this, id, streamId = f.streamId] {
    boost::asio::post(io_, [this, id, streamId] { frameworkDisconnected(id, streamId); });
  });

  publishFramework(f, created);
  if (created) {
    allocator_->addFramework(id, f.info, f.suppressedRoles, true);
    TLOG(INFO) << "Framework " << id << " (" << f.info.name() << ") subscribed";
  } else {
    allocator_->updateFramework(id, f.info, f.suppressedRoles);
    allocator_->activateFramework(id);
    TLOG(INFO) << "Framework " << id << " (" << f.info.name() << ") resubscribed";
  }

  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(id);
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(kHeartbeatSeconds);
  *subscribed.mutable_subscribed()->mutable_master_info() = masterInfo();
  f.events.send(subscribed);
  heartbeat(id, f.streamId);

  // Updates still waiting for an acknowledgement go out again now, rather
  // than when the agent's retry timer next fires.
  for (auto& [taskId, entry] : f.tasks) {
    if (entry.pendingUpdate) {
      Event update;
      update.set_type(Event::UPDATE);
      *update.mutable_update()->mutable_status() = *entry.pendingUpdate;
      f.events.send(update);
    }
  }
  requestAllocation();
}

Framework& MasterImpl::addRecoveredFramework(const v1::FrameworkInfo& info) {
  const std::string& id = info.id().value();
  Framework& f = frameworks_[id];
  f.id = id;
  f.info = info;
  f.roles = validation::frameworkRoles(info);
  f.partitionAware = f.hasCapability(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  f.recovered = true;
  f.registeredTime = clock::wallSeconds();
  f.heartbeat = std::make_unique<Timer>(io_);
  f.failover = std::make_unique<Timer>(io_);
  allocator_->addFramework(id, info, {}, false);
  publishFramework(f, true);
  return f;
}

std::optional<Error> MasterImpl::updateFramework(Framework& f, const v1::scheduler::Call::UpdateFramework& update) {
  const v1::FrameworkInfo& info = update.framework_info();
  if (auto e = validation::frameworkInfo(info)) return e;
  if (!info.has_id() || info.id().value() != f.id) return Error("'framework_info.id' must be the framework's id");
  if (info.user() != f.info.user()) return Error("'user' cannot be changed");
  if (info.checkpoint() != f.info.checkpoint()) return Error("'checkpoint' cannot be changed");
  if (info.principal() != f.info.principal()) return Error("'principal' cannot be changed");
  auto roles = validation::frameworkRoles(info);
  std::set<std::string> suppressed(update.suppressed_roles().begin(), update.suppressed_roles().end());
  for (auto& r : suppressed) {
    if (!roles.count(r)) return Error("suppressed role '" + r + "' is not one of the framework's roles");
  }
  f.info = info;
  f.roles = roles;
  f.suppressedRoles = suppressed;
  f.partitionAware = f.hasCapability(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  allocator_->updateFramework(f.id, f.info, f.suppressedRoles);
  f.persisted = false;
  persist({frameworkWrite(f.info)}, [this, id = f.id, info = f.info](const Status& s) {
    if (!s) return TLOG(ERROR) << "Failed to persist framework " << id << "'s update: " << s.error().message;
    auto it = frameworks_.find(id);
    if (it != frameworks_.end() && google::protobuf::util::MessageDifferencer::Equals(it->second.info, info)) {
      it->second.persisted = true;
    }
  });
  // Offers for roles the framework left are taken back.
  for (auto& offerId : std::set<std::string>(f.offers)) {
    if (!roles.count(offers_.at(offerId).role)) removeOffer(offerId, true, std::nullopt);
  }
  publishFramework(f, false);
  TLOG(INFO) << "Framework " << f.id << " updated its FrameworkInfo";
  requestAllocation();
  return std::nullopt;
}

void MasterImpl::heartbeat(const std::string& frameworkId, const std::string& streamId) {
  auto it = frameworks_.find(frameworkId);
  if (it == frameworks_.end() || it->second.streamId != streamId || !it->second.events.open()) return;
  Framework& f = it->second;
  Event event;
  event.set_type(Event::HEARTBEAT);
  f.events.send(event);
  f.heartbeat->expires_after(clock::seconds(kHeartbeatSeconds));
  f.heartbeat->async_wait([this, frameworkId, streamId](const boost::system::error_code& ec) {
    if (!ec) heartbeat(frameworkId, streamId);
  });
}

void MasterImpl::sendToFramework(Framework& framework, const Event& event) {
  if (!framework.connected) {
    counters_.droppedMessages++;
    return;
  }
  framework.events.send(event);
}

void MasterImpl::frameworkDisconnected(const std::string& frameworkId, const std::string& streamId) {
  if (stopped_) return;
  auto it = frameworks_.find(frameworkId);
  if (it == frameworks_.end() || it->second.streamId != streamId || !it->second.connected) return;
  Framework& f = it->second;
  TLOG(INFO) << "Framework " << f.id << " disconnected; failover timeout " << f.info.failover_timeout() << "s";
  f.connected = false;
  f.active = false;
  f.unregisteredTime = clock::wallSeconds();
  f.heartbeat->cancel();
  f.events.close();
  allocator_->deactivateFramework(f.id);
  for (auto& offerId : std::set<std::string>(f.offers)) removeOffer(offerId, false, std::nullopt);
  publishFramework(f, false);

  f.failover->expires_after(clock::seconds(f.info.failover_timeout()));
  f.failover->async_wait([this, frameworkId](const boost::system::error_code& ec) {
    if (ec) return;
    auto fit = frameworks_.find(frameworkId);
    if (fit == frameworks_.end() || fit->second.connected) return;
    TLOG(INFO) << "Framework " << frameworkId << " did not resubscribe within its failover timeout; removing it";
    removeFramework(frameworkId);
  });
}

Resources MasterImpl::usedBy(const Framework& framework, const std::string* agentId) const {
  Resources used;
  for (auto& [taskId, entry] : framework.tasks) {
    if (entry.resourcesRecovered || (agentId && entry.task.agent_id().value() != *agentId)) continue;
    used += entry.resources;
  }
  for (auto& [key, executor] : framework.executors) {
    if (!agentId || key.first == *agentId) used += executor.resources;
  }
  return used;
}

Resources MasterImpl::usedOn(const Agent& agent) const {
  Resources used;
  for (auto& [id, r] : usedOnByFramework(agent)) used += r;
  return used;
}

std::map<std::string, Resources> MasterImpl::usedOnByFramework(const Agent& agent) const {
  std::map<std::string, Resources> used;
  for (auto& [frameworkId, taskId] : agent.tasks) {
    auto fit = frameworks_.find(frameworkId);
    if (fit == frameworks_.end()) continue;
    auto tit = fit->second.tasks.find(taskId);
    if (tit == fit->second.tasks.end() || tit->second.resourcesRecovered) continue;
    used[frameworkId] += tit->second.resources;
  }
  for (auto& [frameworkId, f] : frameworks_) {
    auto it = f.executors.lower_bound({agent.id, ""});
    for (; it != f.executors.end() && it->first.first == agent.id; ++it) used[frameworkId] += it->second.resources;
  }
  std::erase_if(used, [](const auto& entry) { return entry.second.empty(); });
  return used;
}

Resources MasterImpl::offered(const std::set<std::string>& offerIds) const {
  Resources out;
  for (auto& id : offerIds) out += offers_.at(id).resources;
  return out;
}

void MasterImpl::teardown(Framework& framework, std::function<void(const Status&)> durable) {
  TLOG(INFO) << "Tearing down framework " << framework.id;
  removeFramework(framework.id, std::move(durable));
}

void MasterImpl::removeFramework(const std::string& frameworkId, std::function<void(const Status&)> durable) {
  auto it = frameworks_.find(frameworkId);
  if (it == frameworks_.end()) return;
  Framework& f = it->second;
  f.heartbeat->cancel();
  f.failover->cancel();
  for (auto& offerId : std::set<std::string>(f.offers)) removeOffer(offerId, false, std::nullopt);

  // Agents kill the framework's tasks and executors.
  std::set<std::string> agentIds;
  for (auto& [taskId, entry] : f.tasks) agentIds.insert(entry.task.agent_id().value());
  for (auto& [key, info] : f.executors) agentIds.insert(key.first);
  for (auto& agentId : agentIds) {
    auto agent = agents_.find(agentId);
    if (agent == agents_.end()) continue;
    internal::AgentEvent event;
    event.set_type(internal::AgentEvent::SHUTDOWN_FRAMEWORK);
    event.mutable_shutdown_framework()->mutable_framework_id()->set_value(frameworkId);
    sendToAgent(agent->second, event);
  }
  // The master's record: non-terminal tasks end KILLED (framework removed).
  for (auto& [taskId, entry] : f.tasks) {
    recoverTaskResources(f, entry);
    if (!isTerminal(entry.task.state())) {
      auto status = masterStatus(entry.task.task_id(), v1::TASK_KILLED, v1::TaskStatus::REASON_FRAMEWORK_REMOVED,
                                 "Framework " + frameworkId + " removed", entry.task.agent_id().value());
      setTaskState(entry, v1::TASK_KILLED);
      *entry.task.add_statuses() = status;
      counters_.terminalTasks[v1::TASK_KILLED]++;
      publishTaskUpdated(frameworkId, status, v1::TASK_KILLED);
    }
    auto agent = agents_.find(entry.task.agent_id().value());
    if (agent != agents_.end()) agent->second.tasks.erase({frameworkId, taskId});
    liveTasks_[entry.task.state()]--;  // the framework and its tasks go below
  }

  for (auto& [key, executor] : std::map(f.executors)) removeExecutor(f, key.first, key.second);

  if (f.events.open()) f.events.close();
  f.connected = false;
  f.active = false;
  allocator_->removeFramework(frameworkId);
  f.info.mutable_id()->set_value(frameworkId);
  CompletedFramework& completed = completedFrameworks_.emplace_back();
  completed.id = frameworkId;
  completed.info = f.info;
  completed.tasks = std::move(f.completedTasks);
  for (auto& [taskId, entry] : f.tasks) completed.tasks.push_back(std::move(entry.task));
  while (static_cast<int>(completed.tasks.size()) > flags_.max_completed_tasks_per_framework) {
    completed.tasks.pop_front();
  }
  while (static_cast<int>(completedFrameworks_.size()) > flags_.max_completed_frameworks) {
    completedFrameworks_.pop_front();
  }
  removedFrameworkIds_.insert(frameworkId);
  persist(frameworkRemovalWrites(frameworkId, clock::wallSeconds()),
          [frameworkId, durable = std::move(durable)](const Status& s) {
            if (!s) {
              TLOG(ERROR) << "Failed to record the removal of framework " << frameworkId << ": " << s.error().message;
            }
            if (durable) durable(s);
          });
  counters_.frameworksRemoved++;
  publishFrameworkRemoved(f.info);
  frameworks_.erase(it);
}

}  // namespace tepui::master
