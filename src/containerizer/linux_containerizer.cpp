// The Linux containerizer (containerizer.hpp): a cgroup per container (and
// the namespaces asked for), limits from what the container was given,
// OOM kills reported as memory limitations, and cgroups removed once the
// container is empty.
#include <signal.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <thread>

#include "common/logging.hpp"
#include "containerizer/containerizer_internal.hpp"
#include "containerizer/listening_ports.hpp"
#include "containerizer/proc_stats.hpp"

namespace tepui::containerizer {

namespace {

// How long a destroyed container's cgroups are retried for removal while
// its killed processes finish exiting.
constexpr int kRemoveAttempts = 200;
constexpr auto kRemoveRetry = std::chrono::milliseconds(10);
constexpr auto kShutdownWait = std::chrono::seconds(2);

std::string megabytes(uint64_t bytes) { return std::to_string(bytes >> 20) + "MB"; }

class LinuxContainerizer final : public Containerizer {
 public:
  LinuxContainerizer(boost::asio::io_context& io, const IsolationOptions& options, LinuxIsolation isolation,
                     std::unique_ptr<Cgroups> cgroups)
      : io_(io),
        cfs_(options.cgroupsEnableCfs),
        isolation_(std::move(isolation)),
        cgroups_(std::move(cgroups)),
        records_(io, options, asksFor(options, {"disk/du", "posix/disk"})),
        rlimits_(asksFor(options, {"posix/rlimits"})),
        portsInterval_(options.portsWatchInterval),
        enforcePorts_(options.enforcePorts),
        checkedPorts_(options.checkedPorts) {
    if (isolation_.ports) watchPorts();
  }

  // The agent is stopping: containers whose cgroups are still being removed
  // (their killed processes were exiting) are waited for, briefly, rather
  // than left behind.
  ~LinuxContainerizer() override {
    *alive_ = false;
    auto deadline = std::chrono::steady_clock::now() + kShutdownWait;
    while (!removing_.empty() && std::chrono::steady_clock::now() < deadline) {
      std::erase_if(removing_, [this](const std::string& id) {
        (void)cgroups_->kill(id);
        return static_cast<bool>(cgroups_->remove(id));
      });
      if (!removing_.empty()) std::this_thread::sleep_for(kRemoveRetry);
    }
    for (auto& id : removing_) TLOG(WARNING) << "Left the cgroups of container " << id << " behind";
  }

  std::string describe() const override {
    std::string text = "linux: " + cgroups_->describe();
    if (isolation_.pidNamespace) text += ", namespaces/pid";
    if (isolation_.filesystemLinux) text += ", filesystem/linux";
    if (isolation_.ports) text += ", network/ports";
    return text;
  }

  Result<pid_t> launch(const std::string& containerId, const std::string& sandbox, const ContainerResources& resources,
                       SpawnSpec spec) override {
    if (auto s = cgroups_->create(containerId); !s) return s.error();
    auto started = start(containerId, sandbox, resources, std::move(spec));
    if (!started) {
      (void)cgroups_->remove(containerId);
      return started.error();
    }
    records_.launched(containerId, sandbox, resources);
    watchOom(containerId);
    return started;
  }

  Status update(const std::string& containerId, const ContainerResources& resources) override {
    records_.updated(containerId, resources);
    return cgroups_->limit(containerId, limits(resources));
  }

  void kill(const std::string& containerId, pid_t pid) override {
    if (auto s = cgroups_->kill(containerId); !s) {
      TLOG(WARNING) << "Cannot kill container " << containerId << " through its cgroups (" << s.error().message
                    << "); killing its process group";
      signalGroup(pid, SIGKILL);
    }
  }

  std::optional<Limitation> limitation(const std::string& containerId) override {
    if (auto found = records_.limitation(containerId)) return found;
    if (!isolation_.controllers.count(Controller::MEMORY)) return std::nullopt;
    uint64_t kills = cgroups_->oomKills(containerId);
    if (kills == 0) return std::nullopt;
    return memoryLimitation(containerId, kills);
  }

  void destroy(const std::string& containerId, pid_t) override {
    records_.destroyed(containerId);
    warned_.erase(containerId);
    if (auto it = oomWatches_.find(containerId); it != oomWatches_.end()) {
      boost::system::error_code ignored;
      it->second->descriptor.close(ignored);  // its pending read ends, cancelled
      oomWatches_.erase(it);
    }
    if (auto s = cgroups_->kill(containerId); !s) {
      TLOG(WARNING) << "Cannot kill what is left of container " << containerId << ": " << s.error().message;
    }
    removeWhenEmpty(containerId, kRemoveAttempts);
  }

  Result<v1::ResourceStatistics> usage(const std::string& containerId, pid_t) override {
    v1::ResourceStatistics s = records_.statistics(containerId);
    auto u = cgroups_->usage(containerId);
    if (!u) return u.error();
    if (isolation_.controllers.count(Controller::CPU)) {
      s.set_cpus_user_time_secs(u->userSeconds);
      s.set_cpus_system_time_secs(u->systemSeconds);
      s.set_cpus_nr_periods(static_cast<uint32_t>(u->periods));
      s.set_cpus_nr_throttled(static_cast<uint32_t>(u->throttledPeriods));
      s.set_cpus_throttled_time_secs(u->throttledSeconds);
    }
    if (isolation_.controllers.count(Controller::MEMORY)) {
      s.set_mem_total_bytes(u->memoryBytes);
      s.set_mem_rss_bytes(u->rssBytes);
      s.set_mem_anon_bytes(u->rssBytes);
      s.set_mem_cache_bytes(u->cacheBytes);
      s.set_mem_file_bytes(u->cacheBytes);
      if (u->memoryLimitBytes) s.set_mem_limit_bytes(*u->memoryLimitBytes);
    }
    if (!isolation_.controllers.count(Controller::CPU) || !isolation_.controllers.count(Controller::MEMORY)) {
      // What no controller measures is summed over the container's processes.
      ProcUsage p = procUsage(cgroups_->processes(containerId));
      if (!isolation_.controllers.count(Controller::CPU)) {
        s.set_cpus_user_time_secs(p.userSeconds);
        s.set_cpus_system_time_secs(p.systemSeconds);
      }
      if (!isolation_.controllers.count(Controller::MEMORY)) {
        s.set_mem_rss_bytes(p.rssBytes);
        s.set_mem_total_bytes(p.rssBytes);
      }
    }
    s.set_processes(static_cast<uint32_t>(u->processes));
    s.set_threads(static_cast<uint32_t>(u->threads));
    return s;
  }

  void recover(const std::map<std::string, LiveContainer>& alive) override {
    records_.recovered(alive);
    for (auto& [containerId, live] : alive) watchOom(containerId);
    for (auto& name : cgroups_->list()) {
      if (alive.count(name)) continue;
      TLOG(INFO) << "Destroying orphan container " << name << " left by an earlier run of the agent";
      destroy(name, -1);
    }
  }

  void onLimitation(std::function<void(const std::string&, const Limitation&)> handler) override {
    records_.onLimitation(std::move(handler));
  }

 private:
  CgroupLimits limits(const ContainerResources& resources) const {
    CgroupLimits l;
    l.cpuShares = resources.cpus;
    l.cpuQuota = cpuQuota(resources, cfs_);
    l.memoryBytes = memoryLimit(resources);
    return l;
  }

  Result<pid_t> start(const std::string& containerId, const std::string& sandbox, const ContainerResources& resources,
                      SpawnSpec spec) {
    if (auto s = cgroups_->limit(containerId, limits(resources)); !s) return s.error();
    auto join = cgroups_->joinFiles(containerId);
    if (!join) return join.error();
    for (auto& fd : *join) spec.joinCgroups.push_back(fd.get());
    spec.newSession = true;
    if (!rlimits_) spec.rlimits.clear();
    if (isolation_.pidNamespace) {
      spec.newPidNamespace = true;
      spec.newMountNamespace = true;
      spec.mountProc = true;
    }
    if (isolation_.filesystemLinux) {
      std::string tmp = sandbox + "/tmp";
      std::error_code ec;
      std::filesystem::create_directories(tmp, ec);
      if (ec) return Error("cannot create the container's /tmp '" + tmp + "': " + ec.message());
      std::filesystem::permissions(tmp, std::filesystem::perms::all | std::filesystem::perms::sticky_bit, ec);
      if (spec.user) {
        if (auto s = chownToUser(tmp, *spec.user); !s) return s.error();
      }
      spec.newMountNamespace = true;
      spec.privateTmp = tmp;
    }
    return spawn(spec);
  }

  Limitation memoryLimitation(const std::string& containerId, uint64_t kills) {
    auto usage = cgroups_->usage(containerId);
    const ContainerResources* given = records_.given(containerId);
    std::string message =
        "Memory limit exceeded: Requested: " + megabytes(given ? memoryLimit(*given).value_or(0) : 0) +
        ", Maximum Used: " + megabytes(usage ? usage->maxMemoryBytes : 0);
    if (kills > 0) message += "; the kernel killed " + std::to_string(kills) + " process(es) of the container for it";
    return Limitation{v1::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY, message, "mem"};
  }

  // The container running out of memory is a limitation at once, as Mesos
  // destroys such a container, even when the kernel killed a process other
  // than the task's own.
  void watchOom(const std::string& containerId) {
    if (!isolation_.controllers.count(Controller::MEMORY)) return;
    auto fd = cgroups_->oomNotifications(containerId);
    if (!fd) return;  // v2: read when the executor reports or exits
    auto watch = std::make_shared<OomWatch>(io_, fd->release());
    oomWatches_[containerId] = watch;
    watch->descriptor.async_read_some(
        boost::asio::buffer(&watch->count, sizeof watch->count),
        [this, alive = alive_, watch, containerId](const boost::system::error_code& ec, size_t) {
          if (ec || !*alive) return;
          auto it = oomWatches_.find(containerId);
          if (it == oomWatches_.end() || it->second != watch) return;
          records_.limit(containerId, memoryLimitation(containerId, cgroups_->oomKills(containerId)));
        });
  }

  void watchPorts() {
    auto timer = std::make_shared<boost::asio::steady_timer>(
        io_, std::chrono::duration_cast<std::chrono::steady_clock::duration>(portsInterval_));
    timer->async_wait([this, alive = alive_, timer](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      checkPorts();
      watchPorts();
    });
  }

  // Each container's listening ports against the ports it was given.
  void checkPorts() {
    if (records_.all().empty()) return;
    auto sockets = listeningSockets();
    std::vector<std::pair<std::string, Limitation>> limited;
    for (auto& [containerId, given] : records_.all()) {
      auto outside =
          unallocatedPorts(listeningPorts(cgroups_->processes(containerId), sockets), given.ports, checkedPorts_);
      if (outside.empty()) continue;
      std::string message = "Container is listening on port(s) " + formatPorts(outside) + " it was not given";
      if (!enforcePorts_) {
        if (warned_[containerId].insert(message).second) TLOG(WARNING) << containerId << ": " << message;
        continue;
      }
      limited.emplace_back(containerId, Limitation{v1::TaskStatus::REASON_CONTAINER_LIMITATION, message, "ports"});
    }
    // Reported after the walk: the agent's handler may destroy containers.
    for (auto& [containerId, limitation] : limited) records_.limit(containerId, limitation);
  }

  void removeWhenEmpty(const std::string& containerId, int attemptsLeft) {
    auto removed = cgroups_->remove(containerId);
    if (removed) {
      removing_.erase(containerId);
      return;
    }
    removing_.insert(containerId);
    if (attemptsLeft <= 0) {
      TLOG(WARNING) << "Giving up removing the cgroups of container " << containerId << ": " << removed.error().message;
      removing_.erase(containerId);
      return;
    }
    if (attemptsLeft % 50 == 0) (void)cgroups_->kill(containerId);
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, kRemoveRetry);
    timer->async_wait([this, alive = alive_, timer, containerId, attemptsLeft](const boost::system::error_code& ec) {
      if (!ec && *alive) removeWhenEmpty(containerId, attemptsLeft - 1);
    });
  }

  boost::asio::io_context& io_;
  bool cfs_;
  LinuxIsolation isolation_;
  std::unique_ptr<Cgroups> cgroups_;
  ContainerRecords records_;
  bool rlimits_;
  Seconds portsInterval_;
  bool enforcePorts_;
  PortRanges checkedPorts_;
  std::map<std::string, std::set<std::string>> warned_;
  std::set<std::string> removing_;  // destroyed, their cgroups not yet removable
  struct OomWatch {
    OomWatch(boost::asio::io_context& io, int fd) : descriptor(io, fd) {}
    boost::asio::posix::stream_descriptor descriptor;
    uint64_t count = 0;
  };
  std::map<std::string, std::shared_ptr<OomWatch>>
      oomWatches_;  // cgroups v1: an eventfd per container  // network/ports without enforcement: said once
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<Containerizer> makeLinuxContainerizer(boost::asio::io_context& io, const IsolationOptions& options,
                                                      LinuxIsolation isolation, std::unique_ptr<Cgroups> cgroups) {
  return std::make_unique<LinuxContainerizer>(io, options, std::move(isolation), std::move(cgroups));
}

}  // namespace tepui::containerizer
