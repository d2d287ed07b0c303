// The legacy read-only endpoints of roles, weights and quota, in Mesos's
// shapes, from the same allocator data as GET_ROLES, GET_WEIGHTS and
// GET_QUOTA:
//   /roles, /master/roles    {"roles": [{"name", "weight", "frameworks":
//                            ["<id>", ...], "resources": {"<name>": n}}]}
//   /weights, /master/weights  [{"role", "weight"}, ...]
//   /quota, /master/quota    QuotaStatus as JSON: {"infos", "configs"}
#include <boost/json.hpp>

#include "common/json.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace bj = boost::json;

std::string MasterImpl::rolesJson() const {
  bj::array roles;
  for (auto& info : allocator_->roles()) {
    bj::array frameworks;
    for (auto& id : info.frameworks) frameworks.emplace_back(id);
    bj::object resources;
    for (auto& [name, value] : info.subtreeAllocated) resources[name] = value;
    roles.push_back(bj::object{{"name", info.name},
                               {"weight", info.weight},
                               {"frameworks", std::move(frameworks)},
                               {"resources", std::move(resources)}});
  }
  return json::serialize(bj::object{{"roles", std::move(roles)}});
}

std::string MasterImpl::weightsJson() const {
  bj::array weights;
  for (auto& [role, weight] : allocator_->weights()) weights.push_back(bj::object{{"role", role}, {"weight", weight}});
  return json::serialize(weights);
}

std::string MasterImpl::quotaJson() const { return codec::encode(quotaStatus(), codec::ContentType::JSON); }

}  // namespace tepui::master
