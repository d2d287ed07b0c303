#include "services/tree_records.hpp"

#include <algorithm>

#include "services/app_json.hpp"
#include "services/group_json.hpp"
#include "services/state.hpp"

namespace tepui::services {

namespace {

void collect(const Group& group, std::map<std::string, boost::json::value>& out) {
  out[group.id.toString()] = groupToJson(group, GroupEmbed{.groups = false, .apps = false});
  for (auto& g : group.groups) collect(g, out);
}

}  // namespace

std::map<std::string, boost::json::value> groupRecords(const Group& root) {
  std::map<std::string, boost::json::value> out;
  collect(root, out);
  return out;
}

Result<Group> treeFromRecords(const Repository& repository) {
  std::vector<Group> groups;
  for (auto& [id, record] : repository.all(kGroups)) {
    auto group = parseGroup(record);
    if (!group) return Error("the stored group " + id + " is not valid: " + group.errors().summary());
    groups.push_back(std::move(group.value()));
  }
  // Parents before their children.
  std::sort(groups.begin(), groups.end(),
            [](const Group& a, const Group& b) { return a.id.segments().size() < b.id.segments().size(); });
  Group root;
  for (auto& g : groups) {
    if (auto s = putGroup(root, std::move(g)); !s) return s.error().context("the stored groups");
  }
  for (const std::string& id : repository.ids(kApps)) {
    auto app = parseApp(*repository.get(kApps, id));
    if (!app) return Error("the stored app " + id + " is not valid: " + app.errors().summary());
    if (auto s = putApp(root, std::move(app.value())); !s) return s.error().context("the stored app " + id);
  }
  return root;
}

boost::json::value groupVersionRecord(const Group& group) {
  boost::json::array apps, groups;
  for (auto& [id, app] : group.apps)
    apps.push_back(boost::json::object{{"id", id.toString()}, {"version", app.version}});
  for (auto& g : group.groups) groups.push_back(boost::json::object{{"id", g.id.toString()}, {"version", g.version}});
  return boost::json::object{{"group", groupToJson(group, GroupEmbed{.groups = false, .apps = false})},
                             {"apps", std::move(apps)},
                             {"groups", std::move(groups)}};
}

namespace {

// The members of a version record: (id, version) pairs, or an error.
Result<std::vector<std::pair<std::string, std::string>>> members(const boost::json::value& record, const char* key) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto* list = record.is_object() ? record.as_object().if_contains(key) : nullptr;
  if (!list || !list->is_array()) return Error(std::string("a group version record has no '") + key + "' list");
  for (auto& m : list->as_array()) {
    const auto* id = m.is_object() ? m.as_object().if_contains("id") : nullptr;
    const auto* version = m.is_object() ? m.as_object().if_contains("version") : nullptr;
    if (!id || !id->is_string() || !version || !version->is_string())
      return Error(std::string("a group version record has a malformed '") + key + "' entry");
    out.emplace_back(std::string(id->as_string()), std::string(version->as_string()));
  }
  return out;
}

}  // namespace

Result<Group> groupAtVersion(const Repository& repository, const PathId& id, const std::string& version) {
  const std::string key = id.toString();
  const boost::json::value* record = repository.version(kGroupHistory, key, version);
  if (!record) return Error("group " + key + " has no version " + version + " (or it is no longer kept)");
  const auto* own = record->is_object() ? record->as_object().if_contains("group") : nullptr;
  if (!own) return Error("the version record of group " + key + " has no 'group'");
  auto parsed = parseGroup(*own);
  if (!parsed) return Error("the stored group " + key + " is not valid: " + parsed.errors().summary());
  Group group = std::move(parsed.value());
  auto apps = members(*record, "apps");
  if (!apps) return apps.error();
  for (auto& [appId, appVersion] : *apps) {
    const boost::json::value* doc = repository.version(kApps, appId, appVersion);
    if (!doc) return Error("app " + appId + " at version " + appVersion + " is no longer kept");
    auto app = parseApp(*doc);
    if (!app) return Error("the stored app " + appId + " is not valid: " + app.errors().summary());
    group.apps.emplace(app->id, std::move(app.value()));
  }
  auto groups = members(*record, "groups");
  if (!groups) return groups.error();
  for (auto& [groupId, groupVersion] : *groups) {
    auto childId = PathId::parse(groupId);
    if (!childId) return Error("a group version record names an invalid group id '" + groupId + "'");
    auto child = groupAtVersion(repository, *childId, groupVersion);
    if (!child) return child.error();
    group.groups.push_back(std::move(*child));
  }
  std::sort(group.groups.begin(), group.groups.end(), [](const Group& a, const Group& b) { return a.id < b.id; });
  return group;
}

}  // namespace tepui::services
