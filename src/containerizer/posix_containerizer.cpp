// The POSIX containerizer (containerizer.hpp): the executor leads its own
// session and process group; usage is summed over the session's processes.
#include <signal.h>

#include "containerizer/containerizer_internal.hpp"
#include "containerizer/proc_stats.hpp"

namespace tepui::containerizer {

namespace {

class PosixContainerizer final : public Containerizer {
 public:
  PosixContainerizer(boost::asio::io_context& io, const IsolationOptions& options)
      : records_(io, options, asksFor(options, {"disk/du", "posix/disk"})),
        rlimits_(asksFor(options, {"posix/rlimits"})) {}

  std::string describe() const override { return "posix"; }

  Result<pid_t> launch(const std::string& containerId, const std::string& sandbox, const ContainerResources& resources,
                       SpawnSpec spec) override {
    spec.newSession = true;
    if (!rlimits_) spec.rlimits.clear();
    auto pid = spawn(spec);
    if (pid) records_.launched(containerId, sandbox, resources);
    return pid;
  }

  Status update(const std::string& containerId, const ContainerResources& resources) override {
    records_.updated(containerId, resources);
    return okStatus();
  }

  void kill(const std::string&, pid_t pid) override { signalGroup(pid, SIGKILL); }

  std::optional<Limitation> limitation(const std::string& containerId) override {
    return records_.limitation(containerId);
  }

  void destroy(const std::string& containerId, pid_t pid) override {
    // What the executor left in its process group goes with it.
    if (pid > 0) ::kill(-pid, SIGKILL);
    records_.destroyed(containerId);
  }

  Result<v1::ResourceStatistics> usage(const std::string& containerId, pid_t pid) override {
    v1::ResourceStatistics s = records_.statistics(containerId);
    if (pid <= 0) return s;
    ProcUsage u = procUsage(sessionProcesses(pid));
    s.set_cpus_user_time_secs(u.userSeconds);
    s.set_cpus_system_time_secs(u.systemSeconds);
    s.set_mem_rss_bytes(u.rssBytes);
    s.set_mem_total_bytes(u.rssBytes);
    s.set_processes(u.processes);
    s.set_threads(u.threads);
    return s;
  }

  void recover(const std::map<std::string, LiveContainer>& alive) override { records_.recovered(alive); }

  void onLimitation(std::function<void(const std::string&, const Limitation&)> handler) override {
    records_.onLimitation(std::move(handler));
  }

 private:
  ContainerRecords records_;
  bool rlimits_;
};

}  // namespace

std::unique_ptr<Containerizer> makePosixContainerizer(boost::asio::io_context& io, const IsolationOptions& options) {
  return std::make_unique<PosixContainerizer>(io, options);
}

}  // namespace tepui::containerizer
