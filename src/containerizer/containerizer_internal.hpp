// What the POSIX and Linux containerizers share (containerizer.hpp).
#pragma once

#include <initializer_list>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "containerizer/cgroups.hpp"
#include "containerizer/containerizer.hpp"
#include "containerizer/disk_usage.hpp"

namespace tepui::containerizer {

// Mesos's floor for a container's memory limit, so that an executor given
// no memory can still start.
constexpr uint64_t kMinContainerMemBytes = 32ull << 20;

// The CPU quota (in cpus) the container runs under, if any.
std::optional<double> cpuQuota(const ContainerResources& resources, bool cfs);
// Its hard memory limit, if any.
std::optional<uint64_t> memoryLimit(const ContainerResources& resources);

// What both containerizers keep of each container: what it was given, its
// sandbox's disk usage (disk/du) and the limitations found between calls.
class ContainerRecords {
 public:
  ContainerRecords(boost::asio::io_context& io, const IsolationOptions& options, bool watchDisk);

  void launched(const std::string& containerId, const std::string& sandbox, const ContainerResources& resources);
  void updated(const std::string& containerId, const ContainerResources& resources);
  void destroyed(const std::string& containerId);
  void recovered(const std::map<std::string, LiveContainer>& alive);
  // A limitation found now or earlier (disk over quota).
  std::optional<Limitation> limitation(const std::string& containerId) const;
  // Stamped now, with the limits given and the disk used.
  v1::ResourceStatistics statistics(const std::string& containerId) const;
  const ContainerResources* given(const std::string& containerId) const;
  const std::map<std::string, ContainerResources>& all() const { return given_; }
  // Records a limitation found between calls and reports it (once).
  void limit(const std::string& containerId, const Limitation& limitation);
  void onLimitation(std::function<void(const std::string&, const Limitation&)> handler) {
    handler_ = std::move(handler);
  }

 private:
  void measured(const std::string& containerId, uint64_t bytes);

  IsolationOptions options_;
  std::map<std::string, ContainerResources> given_;
  std::map<std::string, Limitation> limited_;
  std::function<void(const std::string&, const Limitation&)> handler_;
  std::unique_ptr<DiskUsageWatcher> disk_;
};

// Whether --isolation asks for one of `names` (disk/du or its alias
// posix/disk; posix/rlimits, without which a launch's rlimits are not set).
bool asksFor(const IsolationOptions& options, std::initializer_list<std::string_view> names);

std::unique_ptr<Containerizer> makePosixContainerizer(boost::asio::io_context& io, const IsolationOptions& options);

struct LinuxIsolation {
  bool pidNamespace = false;
  bool filesystemLinux = false;
  bool ports = false;
  std::set<Controller> controllers;
};
std::unique_ptr<Containerizer> makeLinuxContainerizer(boost::asio::io_context& io, const IsolationOptions& options,
                                                      LinuxIsolation isolation, std::unique_ptr<Cgroups> cgroups);

}  // namespace tepui::containerizer
