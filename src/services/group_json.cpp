#include "services/group_json.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "services/app_json.hpp"
#include "services/group_update.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

// A parsed body as it stands, without applying it to any tree: absent
// lists are empty, `version` is the group's own.
Group toGroup(const GroupUpdate& update) {
  Group group{.id = update.id, .version = update.version.value_or("")};
  for (const AppDefinition& app : update.apps.value_or(std::vector<AppDefinition>{})) group.apps.emplace(app.id, app);
  if (update.groups) {
    for (const GroupUpdate& sub : *update.groups) group.groups.push_back(toGroup(sub));
  }
  std::sort(group.groups.begin(), group.groups.end(), [](const Group& a, const Group& b) { return a.id < b.id; });
  group.dependencies = update.dependencies.value_or(std::vector<PathId>{});
  group.enforceRole = update.enforceRole.value_or(false);
  return group;
}

}  // namespace

GroupEmbed groupEmbedFrom(const std::vector<std::string>& embedParams) {
  if (embedParams.empty()) return GroupEmbed{};
  GroupEmbed embed{.groups = false, .apps = false};
  for (const std::string& p : embedParams) {
    if (p == "group.groups") embed.groups = true;
    if (p == "group.apps" || p.starts_with("group.apps.")) embed.apps = true;
  }
  return embed;
}

bj::value groupToJson(const Group& group, GroupEmbed embed, const AppWriter& appJson) {
  bj::array apps;
  if (embed.apps) {
    for (const auto& [id, app] : group.apps) apps.push_back(appJson ? appJson(app) : appToJson(app));
  }
  bj::array groups;
  if (embed.groups) {
    for (const Group& g : group.groups) groups.push_back(groupToJson(g, embed, appJson));
  }
  bj::array dependencies;
  for (const PathId& d : group.dependencies) dependencies.emplace_back(d.toString());
  bj::object out{{"id", group.id.toString()},
                 {"apps", std::move(apps)},
                 {"groups", std::move(groups)},
                 {"pods", bj::array{}},
                 {"dependencies", std::move(dependencies)},
                 {"enforceRole", group.enforceRole}};
  if (!group.version.empty()) out["version"] = group.version;
  return out;
}

Validated<Group> parseGroup(const bj::value& json) {
  Validated<GroupUpdate> update = parseGroupUpdate(json);
  if (!update.ok()) return update.errors();
  Group group = toGroup(update.value());
  ValidationErrors errors = validateTree(group);
  if (!errors.empty()) return errors;
  return group;
}

}  // namespace tepui::services
