// Choosing the containerizer from the flags, and what both share
// (containerizer.hpp).
#include "containerizer/containerizer.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "common/strings.hpp"
#include "containerizer/containerizer_internal.hpp"

namespace tepui::containerizer {

namespace {

const std::set<std::string> kPosixIsolators = {"posix/cpu",  "posix/mem",        "disk/du",
                                               "posix/disk", "filesystem/posix", "posix/rlimits"};
const std::set<std::string> kLinuxIsolators = {"cgroups/cpu", "cgroups/mem", "namespaces/pid", "filesystem/linux",
                                               "network/ports"};

// Adds to `limit` the limit given for what was just added (`added`, on top
// of `before`): a limit given for some tasks and not others leaves the
// others limited to what they asked for.
template <typename T>
void addLimit(const google::protobuf::Map<std::string, v1::Value::Scalar>* limits, const char* name, T before, T added,
              double scale, std::optional<T>& limit, bool& unlimited) {
  auto it = limits ? limits->find(name) : google::protobuf::Map<std::string, v1::Value::Scalar>::const_iterator{};
  if (!limits || it == limits->end()) {
    if (limit) *limit += added;
  } else if (std::isinf(it->second.value())) {
    unlimited = true;
  } else {
    limit = limit.value_or(before) + static_cast<T>(it->second.value() * scale);
  }
}

}  // namespace

void ContainerResources::add(const google::protobuf::RepeatedPtrField<v1::Resource>& resources,
                             const google::protobuf::Map<std::string, v1::Value::Scalar>* limits) {
  constexpr double kMB = 1024.0 * 1024.0;
  double addedCpus = 0;
  uint64_t addedMem = 0;
  for (const auto& r : resources) {
    if (r.name() == "cpus") addedCpus += r.scalar().value();
    if (r.name() == "mem") addedMem += static_cast<uint64_t>(r.scalar().value() * kMB);
    if (r.name() == "disk" && !(r.has_disk() && r.disk().has_persistence())) {
      diskBytes += static_cast<uint64_t>(r.scalar().value() * kMB);
    }
    if (r.name() == "ports") {
      for (const auto& range : r.ranges().range()) ports.emplace_back(range.begin(), range.end());
    }
  }
  addLimit(limits, "cpus", cpus, addedCpus, 1.0, cpuLimit, unlimitedCpu);
  addLimit(limits, "mem", memBytes, addedMem, kMB, memLimitBytes, unlimitedMem);
  cpus += addedCpus;
  memBytes += addedMem;
}

Result<std::vector<std::string>> parseIsolation(const std::string& isolation) {
  std::vector<std::string> isolators;
  for (auto& name : splitNonEmpty(isolation, ',')) {
    if (!kPosixIsolators.count(name) && !kLinuxIsolators.count(name)) {
      std::string known;
      for (auto* set : {&kPosixIsolators, &kLinuxIsolators}) {
        for (auto& k : *set) known += (known.empty() ? "" : ", ") + k;
      }
      return Error("unknown isolator '" + name + "' in --isolation (known: " + known + ")");
    }
    isolators.push_back(name);
  }
  return isolators;
}

std::optional<double> cpuQuota(const ContainerResources& resources, bool cfs) {
  if (resources.unlimitedCpu) return std::nullopt;
  if (resources.cpuLimit) return resources.cpuLimit;
  if (cfs) return resources.cpus;
  return std::nullopt;
}

std::optional<uint64_t> memoryLimit(const ContainerResources& resources) {
  if (resources.unlimitedMem) return std::nullopt;
  return std::max(kMinContainerMemBytes, resources.memLimitBytes.value_or(resources.memBytes));
}

Result<std::vector<SpawnSpec::RLimit>> rlimitsOf(const v1::RLimitInfo& info) {
  static const std::map<v1::RLimitInfo::RLimit::Type, int> kResources = {
      {v1::RLimitInfo::RLimit::RLMT_AS, RLIMIT_AS},
      {v1::RLimitInfo::RLimit::RLMT_CORE, RLIMIT_CORE},
      {v1::RLimitInfo::RLimit::RLMT_CPU, RLIMIT_CPU},
      {v1::RLimitInfo::RLimit::RLMT_DATA, RLIMIT_DATA},
      {v1::RLimitInfo::RLimit::RLMT_FSIZE, RLIMIT_FSIZE},
      {v1::RLimitInfo::RLimit::RLMT_LOCKS, RLIMIT_LOCKS},
      {v1::RLimitInfo::RLimit::RLMT_MEMLOCK, RLIMIT_MEMLOCK},
      {v1::RLimitInfo::RLimit::RLMT_MSGQUEUE, RLIMIT_MSGQUEUE},
      {v1::RLimitInfo::RLimit::RLMT_NICE, RLIMIT_NICE},
      {v1::RLimitInfo::RLimit::RLMT_NOFILE, RLIMIT_NOFILE},
      {v1::RLimitInfo::RLimit::RLMT_NPROC, RLIMIT_NPROC},
      {v1::RLimitInfo::RLimit::RLMT_RSS, RLIMIT_RSS},
      {v1::RLimitInfo::RLimit::RLMT_RTPRIO, RLIMIT_RTPRIO},
      {v1::RLimitInfo::RLimit::RLMT_RTTIME, RLIMIT_RTTIME},
      {v1::RLimitInfo::RLimit::RLMT_SIGPENDING, RLIMIT_SIGPENDING},
      {v1::RLimitInfo::RLimit::RLMT_STACK, RLIMIT_STACK},
  };
  std::vector<SpawnSpec::RLimit> limits;
  for (const auto& r : info.rlimits()) {
    auto it = kResources.find(r.type());
    std::string name = v1::RLimitInfo::RLimit::Type_Name(r.type());
    if (it == kResources.end()) return Error("rlimit_info: unknown rlimit type " + name);
    if (r.has_soft() != r.has_hard()) {
      return Error("rlimit_info: " + name + " needs both 'soft' and 'hard', or neither (unlimited)");
    }
    if (r.has_soft() && r.soft() > r.hard()) {
      return Error("rlimit_info: " + name + " has a soft limit (" + std::to_string(r.soft()) +
                   ") above its hard limit (" + std::to_string(r.hard()) + ")");
    }
    uint64_t soft = r.has_soft() ? r.soft() : RLIM64_INFINITY, hard = r.has_hard() ? r.hard() : RLIM64_INFINITY;
    limits.push_back({it->second, soft, hard});
  }
  return limits;
}

bool asksFor(const IsolationOptions& options, std::initializer_list<std::string_view> names) {
  auto isolators = parseIsolation(options.isolation);
  if (!isolators) return false;
  return std::any_of(isolators->begin(), isolators->end(), [&](const std::string& isolator) {
    return std::find(names.begin(), names.end(), isolator) != names.end();
  });
}

Result<std::unique_ptr<Containerizer>> Containerizer::create(boost::asio::io_context& io,
                                                             const IsolationOptions& options) {
  for (auto& kind : splitNonEmpty(options.containerizers, ',')) {
    if (kind != "mesos") {
      return Error("--containerizers: '" + kind + "' is not supported; Tepui runs containers itself ('mesos')");
    }
  }
  auto isolators = parseIsolation(options.isolation);
  if (!isolators) return isolators.error();
  LinuxIsolation linux;
  bool wantsLinux = false;
  for (auto& name : *isolators) {
    if (!kLinuxIsolators.count(name)) continue;
    wantsLinux = true;
    if (name == "cgroups/cpu") linux.controllers.insert(Controller::CPU);
    if (name == "cgroups/mem") linux.controllers.insert(Controller::MEMORY);
    if (name == "namespaces/pid") linux.pidNamespace = true;
    if (name == "filesystem/linux") linux.filesystemLinux = true;
    if (name == "network/ports") linux.ports = true;
  }
  if (!wantsLinux) return makePosixContainerizer(io, options);
  if (::geteuid() != 0) {
    return Error("--isolation=" + options.isolation + " needs the agent to run as root (cgroups and namespaces)");
  }
  if (linux.filesystemLinux) {
    std::error_code ec;
    std::string dir = std::filesystem::weakly_canonical(options.workDir, ec).string() + "/";
    if (dir.rfind("/tmp/", 0) == 0) {
      return Error("filesystem/linux gives each container a private /tmp, which would hide its sandbox: --work_dir (" +
                   options.workDir + ") must not be under /tmp");
    }
  }
  auto cgroups = openCgroups(readCgroupMounts(options.mountsFile), linux.controllers, options.cgroupsRoot);
  if (!cgroups) return Error("--isolation=" + options.isolation + ": " + cgroups.error().message);
  return makeLinuxContainerizer(io, options, std::move(linux), std::move(*cgroups));
}

}  // namespace tepui::containerizer
