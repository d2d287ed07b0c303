#include "services/group_update.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>
#include <set>

#include "services/app_json.hpp"
#include "services/app_reader.hpp"
#include "services/app_update.hpp"

namespace tepui::services {

namespace bj = boost::json;

namespace {

std::optional<PathId> readId(const ObjectReader& r, const PathId& base) {
  std::optional<std::string> text = r.string("id");
  if (!text) return std::nullopt;
  Result<PathId> id = PathId::parse(*text, base);
  if (!id.ok()) {
    r.fail("id", id.error().message);
    return std::nullopt;
  }
  return *id;
}

std::optional<std::vector<PathId>> readIds(const ObjectReader& r, const std::string& key, const PathId& base) {
  std::optional<std::vector<std::string>> texts = r.strings(key);
  if (!texts) return std::nullopt;
  std::vector<PathId> out;
  for (size_t i = 0; i < texts->size(); ++i) {
    Result<PathId> id = PathId::parse((*texts)[i], base);
    if (id.ok()) {
      out.push_back(*id);
    } else {
      r.errors()->add(indexPath(r.pathOf(key), i), id.error().message);
    }
  }
  return out;
}

// A member listed by group `parent` must be its direct child, and listed once.
void checkMember(const ObjectReader& member, const PathId& id, const PathId& parent, std::set<PathId>* seen) {
  if (id.isRoot() || id.parent() != parent) {
    member.fail("id", id.toString() + " is not a direct member of group " + parent.toString());
  } else if (!seen->insert(id).second) {
    member.fail("id", "duplicate id " + id.toString());
  }
}

std::optional<GroupUpdate> readUpdate(const bj::value& json, const std::string& path, const PathId& base,
                                      const PathId* parent, ValidationErrors* errors);

void readApps(const ObjectReader& r, GroupUpdate* out, std::set<PathId>* seen) {
  const bj::array* list = r.array("apps");
  if (list == nullptr) return;
  out->apps.emplace();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string at = indexPath(r.pathOf("apps"), i);
    Validated<AppDefinition> app = parseApp((*list)[i], out->id);
    if (!app.ok()) {
      r.errors()->addAll(at, app.errors());
      continue;
    }
    checkMember(ObjectReader((*list)[i], at, r.errors()), app->id, out->id, seen);
    out->apps->push_back(std::move(app).value());
  }
}

void readGroups(const ObjectReader& r, GroupUpdate* out, std::set<PathId>* seen) {
  const bj::array* list = r.array("groups");
  if (list == nullptr) return;
  out->groups.emplace();
  for (size_t i = 0; i < list->size(); ++i) {
    std::string at = indexPath(r.pathOf("groups"), i);
    if (auto sub = readUpdate((*list)[i], at, out->id, &out->id, r.errors())) {
      checkMember(ObjectReader((*list)[i], at, r.errors()), sub->id, out->id, seen);
      out->groups->push_back(std::move(*sub));
    }
  }
}

// `parent` is null for the top-level body, whose id may be absent.
std::optional<GroupUpdate> readUpdate(const bj::value& json, const std::string& path, const PathId& base,
                                      const PathId* parent, ValidationErrors* errors) {
  ObjectReader r(json, path, errors);
  if (!r.isObject()) return std::nullopt;
  GroupUpdate out;
  std::optional<PathId> id = readId(r, base);
  if (id) {
    out.id = *id;
  } else if (parent == nullptr && !r.has("id")) {
    out.id = base;
  } else if (!r.has("id")) {
    r.fail("id", "a group needs an id");
    return std::nullopt;
  } else {
    return std::nullopt;  // the id's error is recorded
  }
  std::set<PathId> seen;
  readApps(r, &out, &seen);
  readGroups(r, &out, &seen);
  out.dependencies = readIds(r, "dependencies", out.id);
  out.scaleBy = r.number("scaleBy");
  if (out.scaleBy && !(*out.scaleBy > 0)) {
    r.fail("scaleBy", "must be greater than 0");
    out.scaleBy.reset();
  }
  out.version = r.string("version");
  out.enforceRole = r.boolean("enforceRole");
  return out;
}

Group applyTo(Group group, const GroupUpdate& update) {
  group.id = update.id;
  if (update.apps) {
    group.apps.clear();
    for (const AppDefinition& app : *update.apps) group.apps.insert_or_assign(app.id, app);
  }
  if (update.groups) {
    std::vector<Group> next;
    for (const GroupUpdate& sub : *update.groups) {
      auto it = std::find_if(group.groups.begin(), group.groups.end(), [&](const Group& g) { return g.id == sub.id; });
      next.push_back(applyTo(it == group.groups.end() ? Group{.id = sub.id} : *it, sub));
    }
    std::sort(next.begin(), next.end(), [](const Group& a, const Group& b) { return a.id < b.id; });
    group.groups = std::move(next);
  }
  if (update.dependencies) group.dependencies = *update.dependencies;
  if (update.enforceRole) group.enforceRole = *update.enforceRole;
  return group;
}

void scaleApps(Group& group, double factor) {
  for (auto& [id, app] : group.apps) {
    // ceil, as Marathon-compatible clients expect; the small margin keeps
    // 10 x 0.3 (3.0000000000000004 in doubles) at 3.
    app.instances = static_cast<int64_t>(std::ceil(static_cast<double>(app.instances) * factor - 1e-9));
  }
  for (Group& g : group.groups) scaleApps(g, factor);
}

void stampGroup(const Group* original, const Group& root, Group& group, const std::string& version) {
  for (auto& [id, app] : group.apps) {
    if (app.version != version) app = stampVersion(findApp(root, id), app, version);
  }
  for (Group& g : group.groups) stampGroup(original ? findGroup(*original, g.id) : nullptr, root, g, version);
  if (original == nullptr || !(*original == group)) group.version = version;
}

}  // namespace

Validated<GroupUpdate> parseGroupUpdate(const bj::value& json, const PathId& base) {
  ValidationErrors errors;
  std::optional<GroupUpdate> update = readUpdate(json, "/", base, nullptr, &errors);
  if (!errors.empty() || !update) return errors;
  return std::move(*update);
}

Group stampVersions(const Group& original, Group target, const std::string& version) {
  stampGroup(&original, original, target, version);
  return target;
}

Validated<Group> applyGroupUpdate(const Group& root, const GroupUpdate& update, const std::string& version) {
  ValidationErrors errors;
  if (update.version) {
    errors.add("/version", "a rollback to a stored version is made by the services runtime, not applied here");
    return errors;
  }
  Group next = root;
  if (update.scaleBy) {
    Group* group = findGroup(next, update.id);
    if (group == nullptr) {
      errors.add("/id", "no group " + update.id.toString() + " to scale");
      return errors;
    }
    scaleApps(*group, *update.scaleBy);
  } else {
    const Group* existing = findGroup(root, update.id);
    Status put = putGroup(next, applyTo(existing ? *existing : Group{.id = update.id}, update));
    if (!put.ok()) {
      errors.add("/id", put.error().message);
      return errors;
    }
  }
  next = stampVersions(root, std::move(next), version);
  errors = validateTree(next);
  if (!errors.empty()) return errors;
  return next;
}

}  // namespace tepui::services
