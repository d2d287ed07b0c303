// Containers' cgroups on the v2 unified hierarchy (cgroups.hpp): one
// cgroup, <mount>/<root>/<container id>, with the controllers in use
// enabled in <root>'s subtree.
#include <signal.h>

#include <cmath>

#include "common/strings.hpp"
#include "containerizer/cgroups_internal.hpp"

namespace tepui::containerizer {

namespace {

using namespace cgroupfs;

class CgroupsV2 final : public Cgroups {
 public:
  CgroupsV2(std::string mount, std::set<Controller> controllers, std::string root)
      : mount_(std::move(mount)), controllers_(std::move(controllers)), root_(std::move(root)) {}

  std::string describe() const override { return "cgroups v2 (" + enabled() + ") at " + mount_; }

  Status create(const std::string& name) override {
    std::string root = mount_ + "/" + root_;
    if (auto s = makeDirs(root); !s) return s;
    if (!enabled().empty()) {
      std::string plus;
      for (auto& c : splitNonEmpty(enabled(), ' ')) plus += (plus.empty() ? "+" : " +") + c;
      // Controllers reach a cgroup only if every ancestor enables them.
      if (auto s = write(mount_ + "/cgroup.subtree_control", plus); !s) return s;
      if (auto s = write(root + "/cgroup.subtree_control", plus); !s) return s;
    }
    return makeDirs(dir(name));
  }

  Result<std::vector<UniqueFd>> joinFiles(const std::string& name) override {
    auto fd = openForJoin(dir(name));
    if (!fd) return fd.error();
    std::vector<UniqueFd> files;
    files.push_back(std::move(*fd));
    return files;
  }

  Status limit(const std::string& name, const CgroupLimits& limits) override {
    if (controllers_.count(Controller::CPU)) {
      uint64_t shares = static_cast<uint64_t>(std::llround(limits.cpuShares * 1024));
      if (auto s = write(dir(name) + "/cpu.weight", std::to_string(sharesToWeight(shares))); !s) return s;
      std::string max = "max";
      if (limits.cpuQuota) {
        max = std::to_string(cfsQuotaMicros(*limits.cpuQuota));
      }
      if (auto s = write(dir(name) + "/cpu.max", max + " " + std::to_string(kCfsPeriodMicros)); !s) return s;
    }
    if (controllers_.count(Controller::MEMORY) && limits.memoryBytes) {
      return write(dir(name) + "/memory.max", std::to_string(*limits.memoryBytes));
    }
    return okStatus();
  }

  Result<CgroupUsage> usage(const std::string& name) override {
    CgroupUsage u;
    std::string d = dir(name);
    // cpu.stat's usage lines are there whether or not the cpu controller is.
    if (auto cpu = read(d + "/cpu.stat")) {
      u.userSeconds = static_cast<double>(field(*cpu, "user_usec")) / 1e6;
      u.systemSeconds = static_cast<double>(field(*cpu, "system_usec")) / 1e6;
      u.periods = field(*cpu, "nr_periods");
      u.throttledPeriods = field(*cpu, "nr_throttled");
      u.throttledSeconds = static_cast<double>(field(*cpu, "throttled_usec")) / 1e6;
    } else {
      return cpu.error();
    }
    if (controllers_.count(Controller::MEMORY)) {
      auto stat = read(d + "/memory.stat");
      if (!stat) return stat.error();
      u.rssBytes = field(*stat, "anon");
      u.cacheBytes = field(*stat, "file");
      u.memoryBytes = number(d + "/memory.current");
      u.maxMemoryBytes = number(d + "/memory.peak");
      auto max = read(d + "/memory.max");
      if (max && max->rfind("max", 0) != 0) u.memoryLimitBytes = std::strtoull(max->c_str(), nullptr, 10);
      u.oomKills = oomKills(name);
    }
    u.processes = countLines(d + "/cgroup.procs");
    u.threads = countLines(d + "/cgroup.threads");
    return u;
  }

  uint64_t oomKills(const std::string& name) override {
    if (!controllers_.count(Controller::MEMORY)) return 0;
    auto events = read(dir(name) + "/memory.events");
    return events ? field(*events, "oom_kill") : 0;
  }

  Result<UniqueFd> oomNotifications(const std::string&) override {
    // (memory.events changes could be watched with inotify; the oom_kill
    // counter is read when the executor reports or exits instead.)
    return Error("cgroups v2 gives no OOM notification");
  }

  std::vector<pid_t> processes(const std::string& name) override { return pids(dir(name) + "/cgroup.procs"); }

  Status kill(const std::string& name) override {
    if (processes(name).empty()) return okStatus();
    // cgroup.kill (Linux 5.14) kills the whole subtree atomically; before
    // it, freezing gives the same guarantee.
    if (write(dir(name) + "/cgroup.kill", "1")) return okStatus();
    if (auto s = write(dir(name) + "/cgroup.freeze", "1"); !s) return s;
    killAll(processes(name));
    return write(dir(name) + "/cgroup.freeze", "0");
  }

  Status remove(const std::string& name) override { return removeDir(dir(name)); }

  std::set<std::string> list() override { return subdirectories(mount_ + "/" + root_); }

 private:
  std::string dir(const std::string& name) const { return mount_ + "/" + root_ + "/" + name; }
  std::string enabled() const {
    std::string names;
    if (controllers_.count(Controller::CPU)) names = "cpu";
    if (controllers_.count(Controller::MEMORY)) names += names.empty() ? "memory" : " memory";
    return names;
  }

  std::string mount_;
  std::set<Controller> controllers_;
  std::string root_;
};

}  // namespace

std::unique_ptr<Cgroups> makeCgroupsV2(std::string mount, std::set<Controller> controllers, std::string root) {
  return std::make_unique<CgroupsV2>(std::move(mount), std::move(controllers), std::move(root));
}

}  // namespace tepui::containerizer
