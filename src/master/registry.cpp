// The master's durable state, through the Registrar (registry/registrar.hpp)
// over the embedded store at <work_dir>/registry.db: today the weights
// (UPDATE_WEIGHTS) and quotas (UPDATE_QUOTA), under the keys
// "weights/<role>" (a WeightInfo) and "quota/<role>" (a QuotaConfig). A
// change is acted on, and answered, only once it is durable; a restarted
// master recovers them before it serves. Without --work_dir nothing is
// kept (the state lives in memory, as before).
#include "common/logging.hpp"
#include "master/master_impl.hpp"
#include "tepui/v1/quota.pb.h"

namespace tepui::master {

namespace {

constexpr char kWeights[] = "weights/";
constexpr char kQuota[] = "quota/";

}  // namespace

Status MasterImpl::recoverRegistry() {
  if (flags_.work_dir.empty()) {
    TLOG(WARNING) << "No --work_dir: weights and quotas will not survive a restart of this master";
    return okStatus();
  }
  auto store = registry::openEmbeddedStore(flags_.work_dir + "/registry.db");
  if (!store) return store.error().context("cannot open the registry");
  registrar_ = std::make_unique<registry::Registrar>(io_, std::move(*store));

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
  TLOG(INFO) << "Recovered " << recovered.size() << " weight(s) and " << configs.size()
             << " quota(s) from the registry";
  return okStatus();
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
  return registry::Write{registry::Write::Kind::PUT, kWeights + role, info.SerializeAsString(), std::nullopt};
}

registry::Write MasterImpl::quotaWrite(const allocator::QuotaConfig& config) {
  if (config.guarantees.empty() && config.limits.empty()) {
    return registry::Write{registry::Write::Kind::ERASE, kQuota + config.role, "", std::nullopt};
  }
  v1::quota::QuotaConfig proto;
  proto.set_role(config.role);
  for (auto& [name, value] : config.guarantees) (*proto.mutable_guarantees())[name].set_value(value);
  for (auto& [name, value] : config.limits) (*proto.mutable_limits())[name].set_value(value);
  return registry::Write{registry::Write::Kind::PUT, kQuota + config.role, proto.SerializeAsString(), std::nullopt};
}

}  // namespace tepui::master
