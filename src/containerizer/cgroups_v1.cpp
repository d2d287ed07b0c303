// Containers' cgroups on v1 hierarchies (cgroups.hpp): one cgroup per
// hierarchy used, <mount>/<root>/<container id>.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "containerizer/cgroups_internal.hpp"

namespace tepui::containerizer {

namespace {

using namespace cgroupfs;

constexpr uint64_t kMinShares = 2;

class CgroupsV1 final : public Cgroups {
 public:
  CgroupsV1(std::map<std::string, std::string> mounts, std::set<Controller> controllers, std::string root)
      : mounts_(std::move(mounts)), controllers_(std::move(controllers)), root_(std::move(root)) {}

  std::string describe() const override {
    std::string names;
    for (auto& [name, mount] : mounts_) names += (names.empty() ? "" : ",") + name;
    return "cgroups v1 (" + names + ")";
  }

  Status create(const std::string& name) override {
    for (auto& [hierarchy, mount] : mounts_) {
      if (auto s = makeDirs(dir(hierarchy, name)); !s) return s;
    }
    return okStatus();
  }

  Result<std::vector<UniqueFd>> joinFiles(const std::string& name) override {
    std::vector<UniqueFd> files;
    for (auto& [hierarchy, mount] : mounts_) {
      auto fd = openForJoin(dir(hierarchy, name));
      if (!fd) return fd.error();
      files.push_back(std::move(*fd));
    }
    return files;
  }

  Status limit(const std::string& name, const CgroupLimits& limits) override {
    if (controllers_.count(Controller::CPU)) {
      uint64_t shares = std::max(kMinShares, static_cast<uint64_t>(std::llround(limits.cpuShares * 1024)));
      if (auto s = write(dir("cpu", name) + "/cpu.shares", std::to_string(shares)); !s) return s;
      std::string cpu = dir("cpu", name);
      if (limits.cpuQuota) {
        uint64_t quota = cfsQuotaMicros(*limits.cpuQuota);
        if (auto s = write(cpu + "/cpu.cfs_period_us", std::to_string(kCfsPeriodMicros)); !s) return s;
        if (auto s = write(cpu + "/cpu.cfs_quota_us", std::to_string(quota)); !s) return s;
      } else if (auto s = write(cpu + "/cpu.cfs_quota_us", "-1"); !s) {
        return s;
      }
    }
    if (controllers_.count(Controller::MEMORY) && limits.memoryBytes) {
      std::string mem = dir("memory", name), value = std::to_string(*limits.memoryBytes);
      // Lowering the limit below what is charged fails with EBUSY when the
      // kernel cannot reclaim enough: the container keeps its higher limit
      // and the caller learns why.
      if (auto s = write(mem + "/memory.limit_in_bytes", value); !s) return s;
      (void)write(mem + "/memory.soft_limit_in_bytes", value);
    }
    return okStatus();
  }

  Result<CgroupUsage> usage(const std::string& name) override {
    CgroupUsage u;
    if (controllers_.count(Controller::CPU)) {
      auto stat = read(dir("cpuacct", name) + "/cpuacct.stat");
      if (!stat) return stat.error();
      static const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
      u.userSeconds = static_cast<double>(field(*stat, "user")) / ticks;
      u.systemSeconds = static_cast<double>(field(*stat, "system")) / ticks;
      if (auto cpu = read(dir("cpu", name) + "/cpu.stat")) {
        u.periods = field(*cpu, "nr_periods");
        u.throttledPeriods = field(*cpu, "nr_throttled");
        u.throttledSeconds = static_cast<double>(field(*cpu, "throttled_time")) / 1e9;
      }
    }
    if (controllers_.count(Controller::MEMORY)) {
      std::string mem = dir("memory", name);
      auto stat = read(mem + "/memory.stat");
      if (!stat) return stat.error();
      u.rssBytes = field(*stat, "total_rss");
      u.cacheBytes = field(*stat, "total_cache");
      u.memoryBytes = number(mem + "/memory.usage_in_bytes");
      u.maxMemoryBytes = number(mem + "/memory.max_usage_in_bytes");
      u.memoryLimitBytes = number(mem + "/memory.limit_in_bytes");
      u.oomKills = oomKills(name);
    }
    std::string freezer = dir("freezer", name);
    u.processes = countLines(freezer + "/cgroup.procs");
    u.threads = countLines(freezer + "/tasks");
    return u;
  }

  uint64_t oomKills(const std::string& name) override {
    if (!controllers_.count(Controller::MEMORY)) return 0;
    auto text = read(dir("memory", name) + "/memory.oom_control");
    return text ? field(*text, "oom_kill") : 0;
  }

  Result<UniqueFd> oomNotifications(const std::string& name) override {
    if (!controllers_.count(Controller::MEMORY)) return Error("no memory controller");
    std::string mem = dir("memory", name);
    UniqueFd control(::open((mem + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC));
    if (control.get() < 0) return Error("cannot open " + mem + "/memory.oom_control: " + std::strerror(errno));
    UniqueFd event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (event.get() < 0) return Error(std::string("eventfd: ") + std::strerror(errno));
    auto s = write(mem + "/cgroup.event_control", std::to_string(event.get()) + " " + std::to_string(control.get()));
    if (!s) return s.error();
    return event;  // the kernel keeps its own reference to memory.oom_control
  }

  std::vector<pid_t> processes(const std::string& name) override {
    return pids(dir("freezer", name) + "/cgroup.procs");
  }

  Status kill(const std::string& name) override {
    std::string freezer = dir("freezer", name);
    if (pids(freezer + "/cgroup.procs").empty()) return okStatus();
    // Frozen, nothing in the cgroup can fork while its processes are listed
    // and killed; the SIGKILLs take effect once it is thawed.
    if (auto s = write(freezer + "/freezer.state", "FROZEN"); !s) return s;
    for (int i = 0; i < 1000; ++i) {
      auto state = read(freezer + "/freezer.state");
      if (!state || state->rfind("FROZEN", 0) == 0) break;
      (void)write(freezer + "/freezer.state", "FROZEN");
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    killAll(pids(freezer + "/cgroup.procs"));
    return write(freezer + "/freezer.state", "THAWED");
  }

  Status remove(const std::string& name) override {
    Status result = okStatus();  // each hierarchy is tried; the first failure is told
    for (auto& [hierarchy, mount] : mounts_) {
      if (auto s = removeDir(dir(hierarchy, name)); !s && result) result = s;
    }
    return result;
  }

  std::set<std::string> list() override { return subdirectories(mounts_.at("freezer") + "/" + root_); }

 private:
  std::string dir(const std::string& hierarchy, const std::string& name) const {
    return mounts_.at(hierarchy) + "/" + root_ + "/" + name;
  }

  std::map<std::string, std::string> mounts_;
  std::set<Controller> controllers_;
  std::string root_;
};

}  // namespace

std::unique_ptr<Cgroups> makeCgroupsV1(std::map<std::string, std::string> mounts, std::set<Controller> controllers,
                                       std::string root) {
  return std::make_unique<CgroupsV1>(std::move(mounts), std::move(controllers), std::move(root));
}

}  // namespace tepui::containerizer
