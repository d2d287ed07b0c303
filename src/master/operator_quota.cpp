// GET_QUOTA and UPDATE_QUOTA of the operator API: the allocator holds the
// quota; the master checks an update before it is applied, as a whole:
//   - every role is valid, not "*", and named once;
//   - every amount is a finite, non-negative number, and a guarantee is at
//     most the limit of the same resource when both are given;
//   - in the resulting tree, a role's limit is at most each ancestor's, and
//     the guarantees of a role's children add up to at most its own;
//   - unless `force`: no new limit is below what the role consumes now,
//     and all guarantees together fit in the cluster's total.
// An error names the role and the resource.
#include <cmath>
#include <sstream>

#include "master/master_impl.hpp"
#include "master/validation.hpp"

namespace tepui::master {

namespace {

using Scalars = std::map<std::string, double>;

Scalars scalars(const google::protobuf::Map<std::string, v1::Value::Scalar>& in) {
  Scalars out;
  for (auto& [name, value] : in) out[name] = value.value();
  return out;
}

void fill(google::protobuf::Map<std::string, v1::Value::Scalar>* out, const Scalars& in) {
  for (auto& [name, value] : in) (*out)[name].set_value(value);
}

std::string parentOf(const std::string& role) {
  auto slash = role.rfind('/');
  return slash == std::string::npos ? "" : role.substr(0, slash);
}

std::string amount(double value) {
  std::ostringstream s;
  s << value;
  return s.str();
}

}  // namespace

v1::quota::QuotaStatus MasterImpl::quotaStatus() const {
  v1::quota::QuotaStatus status;
  for (auto& q : allocator_->quotas()) {
    auto* config = status.add_configs();
    config->set_role(q.role);
    fill(config->mutable_guarantees(), q.guarantees);
    fill(config->mutable_limits(), q.limits);
    auto* info = status.add_infos();
    info->set_role(q.role);
    Resources::scalars(q.guarantees).copyTo(info->mutable_guarantee());
  }
  return status;
}

Result<std::vector<allocator::QuotaConfig>> MasterImpl::checkQuota(const v1::master::Call::UpdateQuota& update) const {
  std::map<std::string, allocator::QuotaConfig> result;
  for (auto& q : allocator_->quotas()) result[q.role] = q;
  std::vector<allocator::QuotaConfig> changes;
  std::set<std::string> named;
  for (auto& c : update.quota_configs()) {
    const std::string& role = c.role();
    if (auto e = validation::role(role)) return Error("Invalid quota for role '" + role + "': " + e->message);
    if (role == "*") return Error("Invalid quota: the role '*' cannot have a quota");
    if (!named.insert(role).second) return Error("Invalid quota: role '" + role + "' appears more than once");
    allocator::QuotaConfig config{role, scalars(c.guarantees()), scalars(c.limits())};
    for (auto* amounts : {&config.guarantees, &config.limits}) {
      for (auto& [name, value] : *amounts) {
        if (!std::isfinite(value) || value < 0) {
          return Error("Invalid quota for role '" + role + "': '" + name + "' must be a non-negative number");
        }
      }
    }
    for (auto& [name, guarantee] : config.guarantees) {
      auto limit = config.limits.find(name);
      if (limit != config.limits.end() && guarantee > limit->second) {
        return Error("Invalid quota for role '" + role + "': the guarantee of '" + name + "' (" + amount(guarantee) +
                     ") is above its limit (" + amount(limit->second) + ")");
      }
    }
    changes.push_back(config);
    if (config.guarantees.empty() && config.limits.empty()) {
      result.erase(role);
    } else {
      result[role] = config;
    }
  }

  // The tree: limits shrink downwards, children's guarantees fit their parent's.
  std::map<std::string, Scalars> childGuarantees;
  for (auto& [role, config] : result) {
    for (std::string up = parentOf(role); !up.empty(); up = parentOf(up)) {
      auto ancestor = result.find(up);
      if (ancestor == result.end()) continue;
      for (auto& [name, limit] : config.limits) {
        auto bound = ancestor->second.limits.find(name);
        if (bound != ancestor->second.limits.end() && limit > bound->second) {
          return Error("Invalid quota for role '" + role + "': its limit of '" + name + "' (" + amount(limit) +
                       ") is above the limit of its ancestor '" + up + "' (" + amount(bound->second) + ")");
        }
      }
    }
    std::string parent = parentOf(role);
    for (auto& [name, value] : config.guarantees) childGuarantees[parent][name] += value;
  }
  for (auto& [parent, sums] : childGuarantees) {
    auto it = result.find(parent);
    if (parent.empty() || it == result.end()) continue;
    for (auto& [name, sum] : sums) {
      auto own = it->second.guarantees.find(name);
      if (own != it->second.guarantees.end() && sum > own->second + 1e-9) {
        return Error("Invalid quota for role '" + parent + "': the guarantees of '" + name + "' of its children (" +
                     amount(sum) + ") add up to more than its own (" + amount(own->second) + ")");
      }
    }
  }

  if (!update.force()) {
    for (auto& change : changes) {
      auto consumed = allocator_->consumedQuota(change.role);
      for (auto& [name, limit] : change.limits) {
        double now = consumed.count(name) ? consumed.at(name) : 0.0;
        if (now > limit + 1e-9) {
          return Error("Role '" + change.role + "' already consumes " + amount(now) + " of '" + name +
                       "', above the new limit of " + amount(limit) + "; use 'force' to set it anyway");
        }
      }
    }
    Resources total;
    for (auto& [id, agent] : agents_) total += agent.total;
    Scalars guaranteed = childGuarantees[""];  // top-level roles hold their subtrees' guarantees
    for (auto& [name, sum] : guaranteed) {
      if (sum > total.scalar(name) + 1e-9) {
        return Error("The guarantees of '" + name + "' (" + amount(sum) + ") add up to more than the cluster has (" +
                     amount(total.scalar(name)) + "); use 'force' to set them anyway");
      }
    }
  }

  return changes;
}

}  // namespace tepui::master
