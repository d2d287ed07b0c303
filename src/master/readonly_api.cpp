// The read-only JSON endpoints in Mesos's legacy shapes (v0 names such as
// slave_id, flat resource objects, times in seconds): /master/state,
// /master/state-summary, /flags, /version. Their agent and framework entries
// are state_entries.cpp's.
#include <boost/json.hpp>

#include "common/json.hpp"
#include "master/master_impl.hpp"

namespace tepui::master {

namespace bj = boost::json;

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
    slaves.push_back(agentEntry(a));
  }
  o["activated_slaves"] = activated;
  o["deactivated_slaves"] = deactivated;
  o["unreachable_slaves"] = unreachableAgents_.size();
  o["slaves"] = std::move(slaves);
  bj::array recovered;
  for (const auto& [id, info] : recoveredAgents_) recovered.push_back(recoveredAgentEntry(id, info));
  o["recovered_slaves"] = std::move(recovered);

  bj::array frameworks;
  for (auto& [id, f] : frameworks_) frameworks.push_back(frameworkEntry(f));
  o["frameworks"] = std::move(frameworks);
  bj::array completedFrameworks;
  for (auto& completedFramework : completedFrameworks_) {
    completedFrameworks.push_back(completedFrameworkEntry(completedFramework));
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
  for (auto& [id, a] : agents_) {
    bj::object so = agentEntry(a);
    for (auto* st : kStates) so[st] = agentCounts[id][st];
    bj::array fids;
    for (auto& fid : agentFrameworks[id]) fids.push_back(bj::string(fid));
    so["framework_ids"] = std::move(fids);
    slaves.push_back(std::move(so));
  }
  bj::array frameworks;
  for (auto& [id, framework] : frameworks_) {
    bj::object f = frameworkEntry(framework);
    bj::object fo;
    for (const char* key : {"id", "name", "pid", "used_resources", "offered_resources", "capabilities", "hostname",
                            "webui_url", "active", "connected", "recovered", "role", "roles"}) {
      if (f.contains(key)) fo[key] = f.at(key);
    }
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
