// Marathon-compatible group JSON: {id, apps, groups, pods (always empty:
// Tepui has no pods), dependencies, version, enforceRole}. groupToJson() embeds subgroups (recursively) and apps as
// `embed` says (GET /v2/groups?embed=group.groups&embed=group.apps; both by
// default); what is not embedded is written as an empty list. `appJson`
// writes one app (default appToJson), so the runtime can add tasks and
// counts. parseGroup() reads that shape back, keeping the versions it
// carries (for storage and tests), and checks validateTree().
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <vector>

#include "services/app.hpp"
#include "services/group.hpp"
#include "services/validation_errors.hpp"

namespace tepui::services {

struct GroupEmbed {
  bool groups = true;
  bool apps = true;
};

// The embed options of GET /v2/groups: the values of its `embed` query
// parameters ("group.groups", "group.apps"; others, such as
// "group.apps.tasks", are the runtime's and ignored here). No parameter at
// all embeds both.
GroupEmbed groupEmbedFrom(const std::vector<std::string>& embedParams);

using AppWriter = std::function<boost::json::value(const AppDefinition&)>;

boost::json::value groupToJson(const Group& group, GroupEmbed embed = {}, const AppWriter& appJson = nullptr);

Validated<Group> parseGroup(const boost::json::value& json);

}  // namespace tepui::services
