// The master's durable state, through the Registrar (registry/registrar.hpp)
// (the records are
// described in proto/tepui/internal/registry.proto): admitted and
// unreachable agents, agents marked gone (MARK_AGENT_GONE), weights
// (UPDATE_WEIGHTS), quotas (UPDATE_QUOTA), the frameworks that were handed
// an id (known again, inactive, after a failover) and the most recent
// removed ones (refused if they subscribe again).
// A change is acted on, and answered, only once it is durable; a restarted
// master recovers them before it serves. The store is the embedded one
// under --work_dir, or ZooKeeper with --zk (leadership.cpp); with neither,
// nothing is kept (the state lives in memory).
#include <algorithm>

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

}  // namespace

Status MasterImpl::recoverRegistry(std::unique_ptr<registry::Store> store) {
  registrar_ = std::make_unique<registry::Registrar>(io_, std::move(store));

  auto weights = registrar_->recover(kWeights);
  if (!weights) return weights.error().context("cannot recover the weights");
  std::map<std::string, double> recovered;
  for (const registry::Entry& e : *weights) {
    v1::WeightInfo info;
    if (!info.ParseFromString(e.value)) return Error("the registry's entry '" + e.key + "' is corrupt");
    recovered[info.role()] = info.weight();
  }
  if (!recovered.empty()) allocator_->updateWeights(recovered);

  auto quotas = registrar_->recover(kQuota);
  if (!quotas) return quotas.error().context("cannot recover the quotas");
  std::vector<allocator::QuotaConfig> configs;
  for (const registry::Entry& e : *quotas) {
    v1::quota::QuotaConfig proto;
    if (!proto.ParseFromString(e.value)) return Error("the registry's entry '" + e.key + "' is corrupt");
    allocator::QuotaConfig& config = configs.emplace_back();
    config.role = proto.role();
    for (auto& [name, value] : proto.guarantees()) config.guarantees[name] = value.value();
    for (auto& [name, value] : proto.limits()) config.limits[name] = value.value();
  }
  if (!configs.empty()) allocator_->updateQuota(configs);

  auto admitted = registrar_->recover(kAgents);
  if (!admitted) return admitted.error().context("cannot recover the agents");
  for (const registry::Entry& e : *admitted) {
    v1::AgentInfo info;
    if (!info.ParseFromString(e.value)) return Error("the registry's entry '" + e.key + "' is corrupt");
    recoveredAgents_[info.id().value()] = info;
  }
  auto unreachable = registrar_->recover(kUnreachable);
  if (!unreachable) return unreachable.error().context("cannot recover the unreachable agents");
  for (const registry::Entry& e : *unreachable) {
    internal::UnreachableAgent record;
    if (!record.ParseFromString(e.value)) return Error("the registry's entry '" + e.key + "' is corrupt");
    unreachableAgents_[record.info().id().value()] = {record.info(), record.since()};
  }
  auto gone = registrar_->recover(kGone);
  if (!gone) return gone.error().context("cannot recover the agents marked gone");
  for (const registry::Entry& e : *gone) {
    internal::GoneAgent record;
    if (!record.ParseFromString(e.value)) return Error("the registry's entry '" + e.key + "' is corrupt");
    goneAgents_[record.id().value()] = record.since();
  }
  auto frameworks = registrar_->recover(kFrameworks);
  if (!frameworks) return frameworks.error().context("cannot recover the frameworks");
  for (const registry::Entry& e : *frameworks) {
    v1::FrameworkInfo info;
    if (!info.ParseFromString(e.value) || !info.has_id()) {
      return Error("the registry's entry '" + e.key + "' is corrupt");
    }
    addRecoveredFramework(info).persisted = true;
  }
  auto removed = registrar_->recover(kRemovedFrameworks);
  if (!removed) return removed.error().context("cannot recover the removed frameworks");
  for (const registry::Entry& e : *removed) {
    internal::RemovedFramework record;
    if (!record.ParseFromString(e.value)) return Error("the registry's entry '" + e.key + "' is corrupt");
    removedFrameworkIds_.insert(record.id().value());
    removedFrameworkRecords_.emplace_back(record.since(), record.id().value());
  }
  std::sort(removedFrameworkRecords_.begin(), removedFrameworkRecords_.end());
  TLOG(INFO) << "Recovered from the registry: " << recoveredAgents_.size() << " admitted agent(s), "
             << unreachableAgents_.size() << " unreachable, " << goneAgents_.size() << " gone, " << frameworks->size()
             << " framework(s) (" << removed->size() << " removed), " << recovered.size() << " weight(s), "
             << configs.size() << " quota(s)";
  return okStatus();
}

std::vector<registry::Write> MasterImpl::admitWrites(const v1::AgentInfo& info) {
  return {put(kAgents + info.id().value(), info), erase(kUnreachable + info.id().value())};
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
  return {erase(kAgents + agentId), erase(kUnreachable + agentId), put(kGone + agentId, record)};
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
