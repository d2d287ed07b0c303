// Mesos's legacy JSON shapes of resources, attributes, tasks and
// FrameworkInfo (see legacy_json.hpp).
#include "master/legacy_json.hpp"

#include <map>
#include <vector>

#include "common/json.hpp"

namespace tepui::master::legacy {

namespace bj = boost::json;

namespace {

bj::array capabilities(const v1::FrameworkInfo& info) {
  bj::array a;
  for (auto& c : info.capabilities()) a.push_back(bj::string(v1::FrameworkInfo::Capability::Type_Name(c.type())));
  return a;
}

// The `labels` array of a Labels message.
bj::value labels(const v1::Labels& labels) { return json::toValue(labels).as_object()["labels"]; }

}  // namespace

bj::array fullResources(const Resources& resources) {
  bj::array out;
  for (const v1::Resource& r : resources) out.push_back(json::toValue(r));
  return out;
}

bj::object flatResources(const Resources& resources) {
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

bj::object taskEntry(const v1::Task& t, const std::string& role) {
  bj::object o;
  o["id"] = t.task_id().value();
  o["name"] = t.name();
  o["framework_id"] = t.framework_id().value();
  o["executor_id"] = t.executor_id().value();
  o["slave_id"] = t.agent_id().value();
  o["state"] = v1::TaskState_Name(t.state());
  o["resources"] = flatResources(Resources(t.resources()));
  o["role"] = role;
  bj::array statuses;
  for (auto& s : t.statuses()) {
    bj::object so;
    so["state"] = v1::TaskState_Name(s.state());
    so["timestamp"] = s.timestamp();
    if (s.has_healthy()) so["healthy"] = s.healthy();
    if (s.has_container_status()) so["container_status"] = json::toValue(s.container_status());
    if (s.has_labels()) so["labels"] = labels(s.labels());
    statuses.push_back(std::move(so));
  }
  o["statuses"] = std::move(statuses);
  if (t.has_user()) o["user"] = t.user();
  if (t.has_labels()) o["labels"] = labels(t.labels());
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
  if (info.has_labels()) o["labels"] = labels(info.labels());
}

}  // namespace tepui::master::legacy
