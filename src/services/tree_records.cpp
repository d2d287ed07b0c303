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

}  // namespace tepui::services
