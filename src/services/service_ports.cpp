#include "services/service_ports.hpp"

#include <set>

namespace tepui::services {

namespace {

void collectApps(Group& group, std::vector<AppDefinition*>& out) {
  for (auto& [id, app] : group.apps) out.push_back(&app);
  for (auto& g : group.groups) collectApps(g, out);
}

}  // namespace

std::vector<std::string> assignServicePorts(const Group& before, Group& target) {
  std::vector<AppDefinition*> apps;
  collectApps(target, apps);
  std::set<int64_t> used;
  for (const AppDefinition* a : apps) {
    for (auto& p : a->portDefinitions) {
      if (p.port != 0) used.insert(p.port);
    }
  }
  std::vector<std::string> exhausted;
  int64_t next = kServicePortMin;
  for (AppDefinition* a : apps) {
    const AppDefinition* old = findApp(before, a->id);
    for (size_t i = 0; i < a->portDefinitions.size(); ++i) {
      PortDefinition& p = a->portDefinitions[i];
      if (p.port != 0) continue;
      if (old && i < old->portDefinitions.size() && old->portDefinitions[i].port >= kServicePortMin &&
          old->portDefinitions[i].port < kServicePortMax && !used.contains(old->portDefinitions[i].port)) {
        p.port = old->portDefinitions[i].port;
        used.insert(p.port);
        continue;
      }
      while (next < kServicePortMax && used.contains(next)) ++next;
      if (next >= kServicePortMax) {
        exhausted.push_back(a->id.toString() + "/portDefinitions(" + std::to_string(i) + ")/port");
        continue;
      }
      p.port = next;
      used.insert(next);
    }
  }
  return exhausted;
}

}  // namespace tepui::services
