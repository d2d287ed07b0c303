// The master's durable state, through the Registrar (registry/registrar.hpp)
// (the records are
// described in proto/tepui/internal/registry.proto): admitted and
// unreachable agents, agents marked gone (MARK_AGENT_GONE), weights
// (UPDATE_WEIGHTS), quotas (UPDATE_QUOTA), deactivated agents
// (DEACTIVATE_AGENT), the frameworks that were handed
// an id (known again, inactive, after a failover) and the most recent
// removed ones (refused if they subscribe again).
// A change is acted on, and answered, only once it is durable; a restarted
// master recovers them before it serves. The store is the embedded one
// under --work_dir, or ZooKeeper with --zk (leadership.cpp); with neither,
// nothing is kept (the state lives in memory).
#include <algorithm>
#include <cstring>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "master/master_impl.hpp"
#include "tepui/v1/quota.pb.h"

namespace tepui::master {

namespace {

constexpr char kWeights[] = "weights/";
constexpr char kQuota[] = "quota/";
constexpr char kAgents[] = "agents/";
constexpr char kUnreachable[] = "unreachable/";
constexpr char kGone[] = "gone/";
constexpr char kDeactivated[] = "deactivated/";
constexpr char kFrameworks[] = "frameworks/";
constexpr char kRemovedFrameworks[] = "removed_frameworks/";
// How many removed frameworks the registry remembers (the most recent).
constexpr size_t kRemovedFrameworksKept = 1000;

registry::Write erase(const std::string& key) {
  return registry::Write{registry::Write::Kind::ERASE, key, "", std::nullopt};
}

registry::Write put(const std::string& key, const google::protobuf::Message& value) {
  return registry::Write{registry::Write::Kind::PUT, key, value.SerializeAsString(), std::nullopt};
}

// A `take` for readEach that appends each record to `list`.
template <typename List>
auto appendTo(List& list) {
  return [&list](auto record) {
    list.push_back(std::move(record));
    return true;
  };
}

// Parses every entry under `prefix` as a `Record` and hands it to `take`,
// which returns false if the record makes no sense.
template <typename Record, typename Take>
Status readEach(registry::Store& store, const char* prefix, const char* what, Take take) {
  auto entries = store.list(prefix);
  if (!entries) return entries.error().context(std::string("cannot recover the ") + what);
  for (const registry::Entry& e : *entries) {
    Record record;
    if (!record.ParseFromString(e.value) || !take(std::move(record))) {
      return Error("the registry's entry '" + e.key + "' is corrupt");
    }
  }
  return okStatus();
}

}  // namespace

Result<RecoveredRegistry> readRegistry(registry::Store& store, bool agentInfos) {
  double start = clock::monotonicSeconds();
  RecoveredRegistry out;
  Status s = readEach<v1::WeightInfo>(store, kWeights, "weights", [&](v1::WeightInfo info) {
    out.weights[info.role()] = info.weight();
    return true;
  });
  if (s) {
    s = readEach<v1::quota::QuotaConfig>(store, kQuota, "quotas", [&](v1::quota::QuotaConfig proto) {
      allocator::QuotaConfig& config = out.quotas.emplace_back();
      config.role = proto.role();
      for (auto& [name, value] : proto.guarantees()) config.guarantees[name] = value.value();
      for (auto& [name, value] : proto.limits()) config.limits[name] = value.value();
      return true;
    });
  }
  if (s && agentInfos) {
    auto admitted = readAdmittedAgents(store);
    if (!admitted) return admitted.error();
    out.admitted = std::move(*admitted);
  }
  if (s && !agentInfos) {
    // The ids alone (the names under agents/); their AgentInfo comes later
    // (readAdmittedAgents).
    auto keys = store.keys(kAgents);
    if (!keys) return keys.error().context("cannot recover the agents");
    for (const std::string& key : *keys)
      out.admitted.emplace_back().mutable_id()->set_value(key.substr(strlen(kAgents)));
  }
  if (s) {
    s = readEach<internal::UnreachableAgent>(store, kUnreachable, "unreachable agents", appendTo(out.unreachable));
  }
  if (s) s = readEach<internal::GoneAgent>(store, kGone, "agents marked gone", appendTo(out.gone));
  if (s) {
    s = readEach<v1::AgentID>(store, kDeactivated, "deactivated agents", [&](v1::AgentID id) {
      out.deactivated.push_back(id.value());
      return !id.value().empty();
    });
  }
  if (s) {
    s = readEach<v1::FrameworkInfo>(store, kFrameworks, "frameworks", [&](v1::FrameworkInfo info) {
      if (!info.has_id()) return false;
      out.frameworks.push_back(std::move(info));
      return true;
    });
  }
  if (s) {
    s = readEach<internal::RemovedFramework>(store, kRemovedFrameworks, "removed frameworks", appendTo(out.removed));
  }
  if (!s) return s.error();
  out.fetchMs = (clock::monotonicSeconds() - start) * 1000;
  return out;
}

Result<std::vector<v1::AgentInfo>> readAdmittedAgents(registry::Store& store) {
  std::vector<v1::AgentInfo> out;
  if (Status s = readEach<v1::AgentInfo>(store, kAgents, "agents", appendTo(out)); !s) return s.error();
  return out;
}

void MasterImpl::adoptAgentInfos(Result<std::vector<v1::AgentInfo>> infos) {
  if (!infos) {
    TLOG(WARNING) << "Cannot read the admitted agents' details from the registry (" << infos.error().message
                  << "); the agents not back yet are known by id only";
    return;
  }
  size_t filled = 0;
  for (v1::AgentInfo& info : *infos) {
    auto it = recoveredAgents_.find(info.id().value());
    if (it == recoveredAgents_.end()) continue;  // back already, with its own report
    it->second = std::move(info);
    ++filled;
  }
  TLOG(INFO) << "Read the details of the " << filled << " admitted agent(s) not back yet";
}

void MasterImpl::adoptRegistry(std::unique_ptr<registry::Store> store, RecoveredRegistry recovered) {
  registrar_ = std::make_unique<registry::Registrar>(io_, std::move(store));
  registryFetchMs_ = recovered.fetchMs;
  if (!recovered.weights.empty()) allocator_->updateWeights(recovered.weights);
  if (!recovered.quotas.empty()) allocator_->updateQuota(recovered.quotas);
  for (v1::AgentInfo& info : recovered.admitted) {
    std::string id = info.id().value();
    recoveredAgents_[id] = std::move(info);
  }
  for (internal::UnreachableAgent& record : recovered.unreachable) {
    unreachableAgents_[record.info().id().value()] = {std::move(*record.mutable_info()), record.since()};
  }
  for (const internal::GoneAgent& record : recovered.gone) goneAgents_[record.id().value()] = record.since();
  deactivatedAgents_.insert(recovered.deactivated.begin(), recovered.deactivated.end());
  for (const v1::FrameworkInfo& info : recovered.frameworks) addRecoveredFramework(info).persisted = true;
  for (const internal::RemovedFramework& record : recovered.removed) {
    removedFrameworkIds_.insert(record.id().value());
    removedFrameworkRecords_.emplace_back(record.since(), record.id().value());
  }
  std::sort(removedFrameworkRecords_.begin(), removedFrameworkRecords_.end());
  TLOG(INFO) << "Recovered from the registry: " << recoveredAgents_.size() << " admitted agent(s), "
             << unreachableAgents_.size() << " unreachable, " << goneAgents_.size() << " gone, "
             << recovered.frameworks.size() << " framework(s) (" << recovered.removed.size() << " removed), "
             << recovered.weights.size() << " weight(s), " << recovered.quotas.size() << " quota(s)";
}

std::vector<registry::Write> MasterImpl::admitWrites(const v1::AgentInfo& info) {
  return {put(kAgents + info.id().value(), info), erase(kUnreachable + info.id().value())};
}

registry::Write MasterImpl::deactivatedWrite(const std::string& agentId, bool deactivated) {
  if (!deactivated) return erase(kDeactivated + agentId);
  v1::AgentID id;
  id.set_value(agentId);
  return put(kDeactivated + agentId, id);
}

std::vector<registry::Write> MasterImpl::unreachableWrites(const v1::AgentInfo& info, double since) {
  internal::UnreachableAgent record;
  *record.mutable_info() = info;
  record.set_since(since);
  return {erase(kAgents + info.id().value()), put(kUnreachable + info.id().value(), record)};
}

std::vector<registry::Write> MasterImpl::goneWrites(const std::string& agentId, double since) {
  internal::GoneAgent record;
  record.mutable_id()->set_value(agentId);
  record.set_since(since);
  return {erase(kAgents + agentId), erase(kUnreachable + agentId), erase(kDeactivated + agentId),
          put(kGone + agentId, record)};
}

registry::Write MasterImpl::forgetUnreachableWrite(const std::string& agentId) { return erase(kUnreachable + agentId); }

registry::Write MasterImpl::forgetGoneWrite(const std::string& agentId) { return erase(kGone + agentId); }

registry::Write MasterImpl::frameworkWrite(const v1::FrameworkInfo& info) {
  return put(kFrameworks + info.id().value(), info);
}

std::vector<registry::Write> MasterImpl::frameworkRemovalWrites(const std::string& frameworkId, double since) {
  internal::RemovedFramework record;
  record.mutable_id()->set_value(frameworkId);
  record.set_since(since);
  std::vector<registry::Write> writes{erase(kFrameworks + frameworkId), put(kRemovedFrameworks + frameworkId, record)};
  removedFrameworkRecords_.emplace_back(since, frameworkId);
  while (removedFrameworkRecords_.size() > kRemovedFrameworksKept) {
    writes.push_back(erase(kRemovedFrameworks + removedFrameworkRecords_.front().second));
    removedFrameworkRecords_.pop_front();
  }
  return writes;
}

void MasterImpl::persist(std::vector<registry::Write> writes, std::function<void(const Status&)> then) {
  if (!registrar_) return then(okStatus());
  registrar_->apply(std::move(writes), std::move(then));
}

void MasterImpl::persistThenAnswer(std::vector<registry::Write> writes, const std::string& what,
                                   std::function<void()> apply, http::Responder responder) {
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  persist(std::move(writes), [this, what, apply = std::move(apply), answer](const Status& s) {
    if (!s) {
      TLOG(ERROR) << "Failed to persist the " << what << ": " << s.error().message;
      return answer->respond(
          http::Response::text(503, "Failed to persist the " + what + ": " + s.error().message + "\n"));
    }
    apply();
    requestAllocation();
    answer->respond(http::Response::empty(200));
  });
}

registry::Write MasterImpl::weightWrite(const std::string& role, double weight) {
  v1::WeightInfo info;
  info.set_role(role);
  info.set_weight(weight);
  return put(kWeights + role, info);
}

registry::Write MasterImpl::quotaWrite(const allocator::QuotaConfig& config) {
  if (config.guarantees.empty() && config.limits.empty()) return erase(kQuota + config.role);
  v1::quota::QuotaConfig proto;
  proto.set_role(config.role);
  for (auto& [name, value] : config.guarantees) (*proto.mutable_guarantees())[name].set_value(value);
  for (auto& [name, value] : config.limits) (*proto.mutable_limits())[name].set_value(value);
  return put(kQuota + config.role, proto);
}

}  // namespace tepui::master
