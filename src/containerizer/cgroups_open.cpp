// Finding the cgroup hierarchies and choosing v1 or v2 (cgroups.hpp).
#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/strings.hpp"
#include "containerizer/cgroups_internal.hpp"

namespace tepui::containerizer {

namespace {

// The v1 hierarchies a set of isolators needs; the freezer always.
std::vector<std::string> v1Hierarchies(const std::set<Controller>& controllers) {
  std::vector<std::string> names = {"freezer"};
  if (controllers.count(Controller::CPU)) {
    names.push_back("cpu");
    names.push_back("cpuacct");
  }
  if (controllers.count(Controller::MEMORY)) names.push_back("memory");
  return names;
}

}  // namespace

CgroupMounts readCgroupMounts(const std::string& mountsFile) {
  CgroupMounts mounts;
  std::ifstream in(mountsFile);
  for (std::string line; std::getline(in, line);) {
    auto fields = splitNonEmpty(line, ' ');
    if (fields.size() < 4) continue;
    const std::string &point = fields[1], &type = fields[2];
    if (type == "cgroup2") {
      mounts.v2 = point;
      std::ifstream controllers(point + "/cgroup.controllers");
      for (std::string c; controllers >> c;) mounts.v2Controllers.insert(c);
    } else if (type == "cgroup") {
      for (auto& option : splitNonEmpty(fields[3], ',')) {
        if (option == "cpu" || option == "cpuacct" || option == "memory" || option == "freezer") {
          mounts.v1.emplace(option, point);
        }
      }
    }
  }
  return mounts;
}

Result<std::unique_ptr<Cgroups>> openCgroups(const CgroupMounts& mounts, const std::set<Controller>& controllers,
                                             const std::string& root) {
  std::map<std::string, std::string> v1;
  std::string missing;
  for (auto& name : v1Hierarchies(controllers)) {
    auto it = mounts.v1.find(name);
    if (it == mounts.v1.end()) {
      missing += (missing.empty() ? "" : ", ") + name;
    } else {
      v1[name] = it->second;
    }
  }
  if (missing.empty()) return makeCgroupsV1(std::move(v1), controllers, root);

  std::string v2Missing;
  for (auto c : controllers) {
    std::string name = c == Controller::CPU ? "cpu" : "memory";
    if (!mounts.v2Controllers.count(name)) v2Missing += (v2Missing.empty() ? "" : ", ") + name;
  }
  if (mounts.v2 && v2Missing.empty()) return makeCgroupsV2(*mounts.v2, controllers, root);
  std::string why = "the cgroups v1 hierarchies " + missing + " are not mounted";
  if (!mounts.v2) return Error(why + " and there is no cgroups v2 hierarchy");
  return Error(why + " and the cgroups v2 hierarchy at " + *mounts.v2 + " lacks the " + v2Missing + " controller(s)");
}

uint64_t sharesToWeight(uint64_t shares) {
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

}  // namespace tepui::containerizer
