// The read-only JSON endpoints in Mesos's legacy shapes (v0 names such as
// slave_id, flat resource objects, times in seconds): /master/state,
// /master/state-summary, /flags, /version.
#include <boost/json.hpp>

#include "common/json.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace bj = boost::json;

namespace {

// Every Resource in its v1 JSON form (reservations, volumes and all).
bj::array full(const Resources& resources) {
  bj::array out;
  for (const v1::Resource& r : resources) out.push_back(json::toValue(r));
  return out;
}

std::set<std::string> reservationRoles(const Resources& resources) {
  std::set<std::string> roles;
  for (const v1::Resource& r : resources) {
    if (r.reservations_size() > 0) roles.insert(Resources::reservationRole(r));
  }
  return roles;
}

// {"cpus":x,"gpus":x,"mem":x,"disk":x, other scalars, "ports":"[a-b,c-d]"}
bj::object flat(const Resources& resources) {
  bj::object o;
  for (const char* name : {"cpus", "gpus", "mem", "disk"}) o[name] = resources.scalar(name);
  for (auto& [name, value] : resources.scalars()) o[name] = value;
  std::map<std::string, std::vector<std::string>> ranges;
  for (auto& r : resources) {
    if (r.type() == v1::Value::RANGES) {
      for (auto& range : r.ranges().range()) {
        ranges[r.name()].push_back(std::to_string(range.begin()) + "-" + std::to_string(range.end()));
      }
    } else if (r.type() == v1::Value::SET) {
      std::string s = "{";
      for (int i = 0; i < r.set().item_size(); ++i) s += (i ? "," : "") + r.set().item(i);
      o[r.name()] = s + "}";
    }
  }
  for (auto& [name, items] : ranges) {
    std::string s = "[";
    for (size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
    o[name] = s + "]";
  }
  return o;
}

bj::object attributes(const google::protobuf::RepeatedPtrField<v1::Attribute>& attrs) {
  bj::object o;
  for (auto& a : attrs) {
    switch (a.type()) {
      case v1::Value::SCALAR: o[a.name()] = a.scalar().value(); break;
      case v1::Value::TEXT: o[a.name()] = a.text().value(); break;
      case v1::Value::RANGES: {
        std::string s = "[";
        for (int i = 0; i < a.ranges().range_size(); ++i) {
          s += (i ? "," : "") + std::to_string(a.ranges().range(i).begin()) + "-" +
               std::to_string(a.ranges().range(i).end());
        }
        o[a.name()] = s + "]";
        break;
      }
      case v1::Value::SET: {
        std::string s = "{";
        for (int i = 0; i < a.set().item_size(); ++i) s += (i ? "," : "") + a.set().item(i);
        o[a.name()] = s + "}";
        break;
      }
    }
  }
  return o;
}

bj::object task(const v1::Task& t, const std::string& role) {
  bj::object o;
  o["id"] = t.task_id().value();
  o["name"] = t.name();
  o["framework_id"] = t.framework_id().value();
  o["executor_id"] = t.executor_id().value();
  o["slave_id"] = t.agent_id().value();
  o["state"] = v1::TaskState_Name(t.state());
  o["resources"] = flat(Resources(t.resources()));
  o["role"] = role;
  bj::array statuses;
  for (auto& s : t.statuses()) {
    bj::object so;
    so["state"] = v1::TaskState_Name(s.state());
    so["timestamp"] = s.timestamp();
    if (s.has_healthy()) so["healthy"] = s.healthy();
    if (s.has_container_status()) so["container_status"] = json::toValue(s.container_status());
    if (s.has_labels()) so["labels"] = json::toValue(s.labels()).as_object()["labels"];
    statuses.push_back(std::move(so));
  }
  o["statuses"] = std::move(statuses);
  if (t.has_user()) o["user"] = t.user();
  if (t.has_labels()) o["labels"] = json::toValue(t.labels()).as_object()["labels"];
  if (t.has_discovery()) o["discovery"] = json::toValue(t.discovery());
  if (t.has_container()) o["container"] = json::toValue(t.container());
  if (t.has_health_check()) o["health_check"] = json::toValue(t.health_check());
  return o;
}

std::string roleOf(const v1::Task& t) {
  for (auto& r : t.resources()) {
    if (r.has_allocation_info()) return r.allocation_info().role();
  }
  return "*";
}

bj::array capabilities(const v1::FrameworkInfo& info) {
  bj::array a;
  for (auto& c : info.capabilities()) a.push_back(bj::string(v1::FrameworkInfo::Capability::Type_Name(c.type())));
  return a;
}

void frameworkInfoFields(bj::object& o, const v1::FrameworkInfo& info) {
  o["id"] = info.id().value();
  o["name"] = info.name();
  o["user"] = info.user();
  o["hostname"] = info.hostname();
  o["webui_url"] = info.webui_url();
  o["failover_timeout"] = info.failover_timeout();
  o["checkpoint"] = info.checkpoint();
  o["capabilities"] = capabilities(info);
  if (info.has_principal()) o["principal"] = info.principal();
  bj::array roles;
  for (auto& r : info.roles()) roles.push_back(bj::string(r));
  if (!roles.empty())
    o["roles"] = std::move(roles);
  else
    o["role"] = info.role();
  if (info.has_labels()) o["labels"] = json::toValue(info.labels()).as_object()["labels"];
}

}  // namespace

std::string MasterImpl::stateJson() const {
  bj::object o;
  o["version"] = TEPUI_VERSION;
  o["build_date"] = __DATE__;
  o["build_time"] = startTime_;
  o["build_user"] = "tepui";
  o["start_time"] = startTime_;
  o["elected_time"] = electedTime_;
  o["id"] = masterId_;
  auto info = masterInfo();
  o["pid"] = info.pid();
  o["hostname"] = flags_.hostname;
  o["capabilities"] = bj::array{"AGENT_UPDATE"};
  o["leader"] = info.pid();
  o["leader_info"] = json::toValue(info);
  if (!flags_.cluster.empty()) o["cluster"] = flags_.cluster;
  o["flags"] = bj::parse(flagsJson()).as_object()["flags"];

  int activated = 0, deactivated = 0;
  bj::array slaves;
  for (auto& [id, a] : agents_) {
    (a.active() ? activated : deactivated)++;
    bj::object s;
    s["id"] = id;
    s["hostname"] = a.info.hostname();
    s["port"] = a.info.port();
    s["attributes"] = attributes(a.info.attributes());
    s["pid"] = "slave(1)@" + a.address;
    s["registered_time"] = a.registeredTime;
    if (a.reregisteredTime > 0) s["reregistered_time"] = a.reregisteredTime;
    s["resources"] = flat(a.total);
    s["used_resources"] = flat(usedOn(a));
    s["offered_resources"] = flat(offered(a.offers));
    s["unreserved_resources"] = flat(a.total.unreserved());
    bj::object reserved, reservedFull;
    for (const std::string& role : reservationRoles(a.total)) {
      reserved[role] = flat(a.total.reserved(role));
      reservedFull[role] = full(a.total.reserved(role));
    }
    s["reserved_resources"] = std::move(reserved);
    s["reserved_resources_full"] = std::move(reservedFull);
    s["unreserved_resources_full"] = full(a.total.unreserved());
    s["used_resources_full"] = full(usedOn(a));
    s["offered_resources_full"] = full(offered(a.offers));
    s["active"] = a.active();
    s["deactivated"] = a.deactivated;
    s["version"] = a.version;
    s["capabilities"] = bj::array{"MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"};
    slaves.push_back(std::move(s));
  }
  o["activated_slaves"] = activated;
  o["deactivated_slaves"] = deactivated;
  o["unreachable_slaves"] = unreachableAgents_.size();
  o["slaves"] = std::move(slaves);
  bj::array recovered;
  for (const auto& [id, info] : recoveredAgents_) {
    recovered.push_back(bj::object{{"id", id}, {"hostname", info.hostname()}, {"port", info.port()}});
  }
  o["recovered_slaves"] = std::move(recovered);

  bj::array frameworks;
  for (auto& [id, f] : frameworks_) {
    bj::object fo;
    frameworkInfoFields(fo, f.info);
    fo["active"] = f.active;
    fo["connected"] = f.connected;
    fo["recovered"] = f.recovered;
    fo["registered_time"] = f.registeredTime;
    if (f.reregisteredTime > 0) fo["reregistered_time"] = f.reregisteredTime;
    fo["unregistered_time"] = f.unregisteredTime;
    Resources used = usedBy(f), offeredToIt = offered(f.offers);
    bj::array tasks, completed, unreachable, offers, executors;
    for (auto& [tid, entry] : f.tasks) tasks.push_back(task(entry.task, entry.role));
    for (auto& t : f.completedTasks) completed.push_back(task(t, roleOf(t)));
    for (auto& t : f.unreachableTasks) unreachable.push_back(task(t, roleOf(t)));
    for (auto& oid : f.offers) {
      auto& entry = offers_.at(oid);
      bj::object oo;
      oo["id"] = oid;
      oo["framework_id"] = id;
      oo["slave_id"] = entry.agentId;
      oo["allocation_info"] = bj::object{{"role", entry.role}};
      oo["resources"] = flat(entry.resources);
      offers.push_back(std::move(oo));
    }
    for (auto& [key, entry] : f.executors) {
      const v1::ExecutorInfo& e = entry.info;
      bj::object eo;
      eo["executor_id"] = e.executor_id().value();
      eo["name"] = e.name();
      eo["framework_id"] = id;
      eo["resources"] = flat(Resources(e.resources()));
      eo["slave_id"] = key.first;
      if (e.has_command()) eo["command"] = json::toValue(e.command());
      executors.push_back(std::move(eo));
    }
    fo["used_resources"] = flat(used);
    fo["offered_resources"] = flat(offeredToIt);
    fo["resources"] = flat(used + offeredToIt);
    fo["tasks"] = std::move(tasks);
    fo["unreachable_tasks"] = std::move(unreachable);
    fo["completed_tasks"] = std::move(completed);
    fo["offers"] = std::move(offers);
    fo["executors"] = std::move(executors);
    frameworks.push_back(std::move(fo));
  }
  o["frameworks"] = std::move(frameworks);
  bj::array completedFrameworks;
  for (auto& completedFramework : completedFrameworks_) {
    bj::object fo;
    frameworkInfoFields(fo, completedFramework.info);
    fo["active"] = false;
    fo["connected"] = false;
    bj::array completed;
    for (auto& t : completedFramework.tasks) completed.push_back(task(t, roleOf(t)));
    fo["tasks"] = bj::array();
    fo["unreachable_tasks"] = bj::array();
    fo["completed_tasks"] = std::move(completed);
    completedFrameworks.push_back(std::move(fo));
  }
  o["completed_frameworks"] = std::move(completedFrameworks);
  o["orphan_tasks"] = bj::array();
  o["unregistered_frameworks"] = bj::array();
  return json::serialize(o);
}

std::string MasterImpl::stateSummaryJson() const {
  bj::object o;
  o["hostname"] = flags_.hostname;
  if (!flags_.cluster.empty()) o["cluster"] = flags_.cluster;
  auto state = bj::parse(stateJson()).as_object();
  // Per-agent and per-framework task counts by state.
  std::map<std::string, std::map<std::string, int>> agentCounts, frameworkCounts;
  std::map<std::string, std::set<std::string>> agentFrameworks, frameworkAgents;
  for (auto& [fid, f] : frameworks_) {
    for (auto& [tid, entry] : f.tasks) {
      std::string state = v1::TaskState_Name(entry.task.state());
      agentCounts[entry.task.agent_id().value()][state]++;
      frameworkCounts[fid][state]++;
      agentFrameworks[entry.task.agent_id().value()].insert(fid);
      frameworkAgents[fid].insert(entry.task.agent_id().value());
    }
  }
  static const char* kStates[] = {"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED",
                                  "TASK_KILLED",  "TASK_FAILED",   "TASK_LOST",    "TASK_ERROR",   "TASK_UNREACHABLE"};
  bj::array slaves;
  for (auto& s : state["slaves"].as_array()) {
    auto so = s.as_object();
    std::string id(so["id"].as_string());
    for (auto* st : kStates) so[st] = agentCounts[id][st];
    bj::array fids;
    for (auto& fid : agentFrameworks[id]) fids.push_back(bj::string(fid));
    so["framework_ids"] = std::move(fids);
    slaves.push_back(std::move(so));
  }
  bj::array frameworks;
  for (auto& fv : state["frameworks"].as_array()) {
    auto& f = fv.as_object();
    bj::object fo;
    for (const char* key : {"id", "name", "pid", "used_resources", "offered_resources", "capabilities", "hostname",
                            "webui_url", "active", "connected", "recovered", "role", "roles"}) {
      if (f.contains(key)) fo[key] = f.at(key);
    }
    std::string id(f.at("id").as_string());
    for (auto* st : kStates) fo[st] = frameworkCounts[id][st];
    bj::array sids;
    for (auto& sid : frameworkAgents[id]) sids.push_back(bj::string(sid));
    fo["slave_ids"] = std::move(sids);
    frameworks.push_back(std::move(fo));
  }
  o["slaves"] = std::move(slaves);
  o["frameworks"] = std::move(frameworks);
  return json::serialize(o);
}

std::string MasterImpl::flagsJson() const {
  bj::object flags;
  if (flagSet_) {
    for (auto& [name, value] : flagSet_->values()) flags[name] = value;
  }
  return json::serialize(bj::object{{"flags", std::move(flags)}});
}

std::string MasterImpl::versionJson() const {
  return json::serialize(bj::object{
      {"version", TEPUI_VERSION}, {"build_date", __DATE__}, {"build_time", startTime_}, {"build_user", "tepui"}});
}

}  // namespace tepui::master
