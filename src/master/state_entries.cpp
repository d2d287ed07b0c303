// The agent and framework entries of /master/state in Mesos's legacy
// shapes, one function each, so that every endpoint that lists agents or
// frameworks (/master/state, /master/state-summary, /master/slaves,
// /master/frameworks) writes the same entry.
#include <boost/json.hpp>

#include "common/json.hpp"
#include "master/legacy_json.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace bj = boost::json;
using legacy::flatResources;
using legacy::fullResources;

namespace {

std::set<std::string> reservationRoles(const Resources& resources) {
  std::set<std::string> roles;
  for (const v1::Resource& r : resources) {
    if (r.reservations_size() > 0) roles.insert(Resources::reservationRole(r));
  }
  return roles;
}

}  // namespace

bj::object MasterImpl::agentEntry(const Agent& a) const {
  bj::object s;
  s["id"] = a.id;
  s["hostname"] = a.info.hostname();
  s["port"] = a.info.port();
  s["attributes"] = legacy::attributes(a.info.attributes());
  s["pid"] = "slave(1)@" + a.address;
  s["registered_time"] = a.registeredTime;
  if (a.reregisteredTime > 0) s["reregistered_time"] = a.reregisteredTime;
  Resources used = usedOn(a), offeredOnIt = offered(a.offers);
  s["resources"] = flatResources(a.total);
  s["used_resources"] = flatResources(used);
  s["offered_resources"] = flatResources(offeredOnIt);
  s["unreserved_resources"] = flatResources(a.total.unreserved());
  bj::object reserved, reservedFull;
  for (const std::string& role : reservationRoles(a.total)) {
    reserved[role] = flatResources(a.total.reserved(role));
    reservedFull[role] = fullResources(a.total.reserved(role));
  }
  s["reserved_resources"] = std::move(reserved);
  s["reserved_resources_full"] = std::move(reservedFull);
  s["unreserved_resources_full"] = fullResources(a.total.unreserved());
  s["used_resources_full"] = fullResources(used);
  s["offered_resources_full"] = fullResources(offeredOnIt);
  s["active"] = a.active();
  s["deactivated"] = a.deactivated;
  s["version"] = a.version;
  s["capabilities"] = bj::array{"MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"};
  return s;
}

bj::object MasterImpl::recoveredAgentEntry(const std::string& id, const v1::AgentInfo& info) {
  return bj::object{{"id", id}, {"hostname", info.hostname()}, {"port", info.port()}};
}

bj::object MasterImpl::frameworkEntry(const Framework& f) const {
  bj::object fo;
  legacy::frameworkInfoFields(fo, f.info);
  fo["active"] = f.active;
  fo["connected"] = f.connected;
  fo["recovered"] = f.recovered;
  fo["registered_time"] = f.registeredTime;
  if (f.reregisteredTime > 0) fo["reregistered_time"] = f.reregisteredTime;
  fo["unregistered_time"] = f.unregisteredTime;
  Resources used = usedBy(f), offeredToIt = offered(f.offers);
  bj::array tasks, completed, unreachable, offers, executors;
  for (auto& [tid, entry] : f.tasks) tasks.push_back(legacy::taskEntry(entry.task, entry.role));
  for (auto& t : f.completedTasks) completed.push_back(legacy::taskEntry(t, legacy::roleOf(t)));
  for (auto& t : f.unreachableTasks) unreachable.push_back(legacy::taskEntry(t, legacy::roleOf(t)));
  for (auto& oid : f.offers) {
    auto& entry = offers_.at(oid);
    bj::object oo;
    oo["id"] = oid;
    oo["framework_id"] = f.id;
    oo["slave_id"] = entry.agentId;
    oo["allocation_info"] = bj::object{{"role", entry.role}};
    oo["resources"] = flatResources(entry.resources);
    offers.push_back(std::move(oo));
  }
  for (auto& [key, entry] : f.executors) {
    const v1::ExecutorInfo& e = entry.info;
    bj::object eo;
    eo["executor_id"] = e.executor_id().value();
    eo["name"] = e.name();
    eo["framework_id"] = f.id;
    eo["resources"] = flatResources(Resources(e.resources()));
    eo["slave_id"] = key.first;
    if (e.has_command()) eo["command"] = json::toValue(e.command());
    executors.push_back(std::move(eo));
  }
  fo["used_resources"] = flatResources(used);
  fo["offered_resources"] = flatResources(offeredToIt);
  fo["resources"] = flatResources(used + offeredToIt);
  fo["tasks"] = std::move(tasks);
  fo["unreachable_tasks"] = std::move(unreachable);
  fo["completed_tasks"] = std::move(completed);
  fo["offers"] = std::move(offers);
  fo["executors"] = std::move(executors);
  return fo;
}

bj::object MasterImpl::completedFrameworkEntry(const CompletedFramework& completedFramework) {
  bj::object fo;
  legacy::frameworkInfoFields(fo, completedFramework.info);
  fo["active"] = false;
  fo["connected"] = false;
  bj::array completed;
  for (auto& t : completedFramework.tasks) completed.push_back(legacy::taskEntry(t, legacy::roleOf(t)));
  fo["tasks"] = bj::array();
  fo["unreachable_tasks"] = bj::array();
  fo["completed_tasks"] = std::move(completed);
  return fo;
}

}  // namespace tepui::master
