// What the containerizers keep of each container (containerizer_internal.hpp).
#include <chrono>

#include "common/logging.hpp"
#include "containerizer/containerizer_internal.hpp"

namespace tepui::containerizer {

namespace {

std::string megabytes(uint64_t bytes) { return std::to_string(bytes >> 20) + "MB"; }

}  // namespace

ContainerRecords::ContainerRecords(boost::asio::io_context& io, const IsolationOptions& options, bool watchDisk)
    : options_(options) {
  if (watchDisk) {
    disk_ = std::make_unique<DiskUsageWatcher>(io, options.diskWatchInterval,
                                               [this](const std::string& id, uint64_t bytes) { measured(id, bytes); });
  }
}

void ContainerRecords::launched(const std::string& containerId, const std::string& sandbox,
                                const ContainerResources& resources) {
  given_[containerId] = resources;
  if (disk_) disk_->watch(containerId, sandbox);
}

void ContainerRecords::updated(const std::string& containerId, const ContainerResources& resources) {
  given_[containerId] = resources;
}

void ContainerRecords::destroyed(const std::string& containerId) {
  given_.erase(containerId);
  limited_.erase(containerId);
  if (disk_) disk_->unwatch(containerId);
}

void ContainerRecords::recovered(const std::map<std::string, LiveContainer>& alive) {
  for (auto& [containerId, live] : alive) launched(containerId, live.sandbox, live.resources);
}

std::optional<Limitation> ContainerRecords::limitation(const std::string& containerId) const {
  auto it = limited_.find(containerId);
  if (it == limited_.end()) return std::nullopt;
  return it->second;
}

const ContainerResources* ContainerRecords::given(const std::string& containerId) const {
  auto it = given_.find(containerId);
  return it == given_.end() ? nullptr : &it->second;
}

v1::ResourceStatistics ContainerRecords::statistics(const std::string& containerId) const {
  const ContainerResources* given = this->given(containerId);
  ContainerResources none;
  const ContainerResources& r = given ? *given : none;
  v1::ResourceStatistics s;
  s.set_timestamp(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  s.set_cpus_limit(cpuQuota(r, options_.cgroupsEnableCfs).value_or(r.cpus));
  if (auto mem = memoryLimit(r)) s.set_mem_limit_bytes(*mem);
  s.set_mem_soft_limit_bytes(std::max(kMinContainerMemBytes, r.memBytes));
  if (r.diskBytes > 0) s.set_disk_limit_bytes(r.diskBytes);
  if (disk_) {
    if (auto used = disk_->used(containerId)) s.set_disk_used_bytes(*used);
  }
  return s;
}

void ContainerRecords::measured(const std::string& containerId, uint64_t bytes) {
  const ContainerResources* given = this->given(containerId);
  if (!options_.enforceDiskQuota || !given || given->diskBytes == 0 || bytes <= given->diskBytes) return;
  Limitation limit{v1::TaskStatus::REASON_CONTAINER_LIMITATION_DISK,
                   "Disk usage (" + megabytes(bytes) + ") exceeds quota (" + megabytes(given->diskBytes) + ")", "disk"};
  this->limit(containerId, limit);
}

void ContainerRecords::limit(const std::string& containerId, const Limitation& limitation) {
  if (limited_.count(containerId)) return;
  TLOG(WARNING) << "Container " << containerId << ": " << limitation.message;
  limited_[containerId] = limitation;
  if (handler_) handler_(containerId, limitation);
}

}  // namespace tepui::containerizer
