// The agent's dynamic reservations and persistent volumes: kept in
// <work_dir>/meta/resources/resources.info (only those; the rest of the
// total comes from the flags each start), re-applied at start, replaced
// when the master sends a new total (CHECKPOINT_RESOURCES). A volume is the
// directory <work_dir>/volumes/roles/<role>/<persistence id>; it lives until
// DESTROY, whatever happens to tasks, executors or the agent, and is linked
// into the sandbox of each executor (and task-group task) that uses it.
#include <filesystem>

#include "agent/agent_impl.hpp"
#include "common/checkpoint.hpp"
#include "common/logging.hpp"
#include "common/resource_conversions.hpp"

namespace tepui::agent {

namespace fs = std::filesystem;

namespace {

Resources checkpointedPart(const Resources& total) {
  std::vector<v1::Resource> out;
  for (const v1::Resource& r : total) {
    if (conversions::isCheckpointed(r)) out.push_back(r);
  }
  return Resources(out);
}

}  // namespace

std::string AgentImpl::resourcesCheckpointPath() const {
  return (fs::path(flags_.work_dir) / "meta" / "resources" / "resources.info").string();
}

std::string AgentImpl::volumePath(const v1::Resource& volume) const {
  return (fs::path(flags_.work_dir) / "volumes" / "roles" / Resources::reservationRole(volume) /
          volume.disk().persistence().id())
      .string();
}

Status AgentImpl::recoverResources() {
  internal::CheckpointedResources saved;
  auto found = checkpoint::read(resourcesCheckpointPath(), &saved);
  if (!found) return found.error();
  if (!*found) return okStatus();
  Resources checkpointed(saved.resources());
  for (const v1::Resource& r : checkpointed) {
    Resources one({r});
    auto applied = conversions::apply(total_, {conversions::base(one), one});
    if (!applied) {
      return Error("cannot re-apply the reservations and volumes in '" + resourcesCheckpointPath() +
                   "' to the resources the flags give (" + total_.toString() + "): " + applied.error().message +
                   "; restore the flags, or remove the file to start without them");
    }
    total_ = std::move(*applied);
  }
  for (const v1::Resource& r : checkpointed) {
    if (!conversions::isPersistentVolume(r)) continue;
    std::error_code ec;
    fs::create_directories(volumePath(r), ec);
    if (ec) return Error("cannot create volume directory '" + volumePath(r) + "': " + ec.message());
  }
  TLOG(INFO) << "Recovered checkpointed resources " << checkpointed;
  return okStatus();
}

void AgentImpl::adoptTotal(const Resources& total) {
  if (total == total_) return;
  if (!(conversions::base(total) == conversions::base(total_))) {
    // The master only ever converts what the agent has: anything else is a
    // bug elsewhere, and adopting it would make up resources.
    TLOG(ERROR) << "Ignoring a total from the master that does not match this agent's resources: " << total << " (have "
                << total_ << ")";
    return;
  }
  Resources keep = checkpointedPart(total);
  internal::CheckpointedResources saved;
  keep.copyTo(saved.mutable_resources());
  if (auto s = checkpoint::write(resourcesCheckpointPath(), saved); !s) {
    // The master already counts on it; the next restart would lose it.
    TLOG(ERROR) << "Failed to checkpoint resources: " << s.error().message;
  }
  std::set<std::string> kept = conversions::persistenceIds(total);
  std::set<std::string> inUse;
  for (auto& [fid, f] : frameworks_) {
    for (auto& [eid, e] : f.executors) {
      for (const std::string& id : conversions::persistenceIds(Resources(e.info.resources()))) inUse.insert(id);
      for (auto& [tid, task] : e.tasks) {
        for (const std::string& id : conversions::persistenceIds(Resources(task.info.resources()))) inUse.insert(id);
      }
    }
  }
  for (const v1::Resource& r : total_) {
    if (!conversions::isPersistentVolume(r) || kept.contains(r.disk().persistence().id())) continue;
    const std::string& id = r.disk().persistence().id();
    if (inUse.contains(id)) {
      TLOG(ERROR) << "Volume " << id << " was destroyed while in use; keeping its directory " << volumePath(r);
      continue;
    }
    std::error_code ec;
    fs::remove_all(volumePath(r), ec);
    TLOG(INFO) << "Destroyed volume " << id << (ec ? " (failed to remove its directory: " + ec.message() + ")" : "");
  }
  for (const v1::Resource& r : total) {
    if (!conversions::isPersistentVolume(r)) continue;
    std::error_code ec;
    fs::create_directories(volumePath(r), ec);
    if (ec) TLOG(ERROR) << "Cannot create volume directory '" << volumePath(r) << "': " << ec.message();
  }
  total_ = total;
  total_.copyTo(info_.mutable_resources());
  TLOG(INFO) << "Resources now " << total_;
}

Status AgentImpl::linkVolumes(const google::protobuf::RepeatedPtrField<v1::Resource>& resources,
                              const std::string& sandbox, const std::optional<std::string>& user) const {
  for (const v1::Resource& r : resources) {
    if (!conversions::isPersistentVolume(r)) continue;
    std::string source = volumePath(r);
    fs::path target = fs::path(sandbox) / r.disk().volume().container_path();
    std::error_code ec;
    fs::create_directories(source, ec);
    if (ec) return Error("cannot create volume directory '" + source + "': " + ec.message());
    if (user) {
      if (auto s = containerizer::chownToUser(source, *user); !s) return s;
    }
    if (fs::is_symlink(fs::symlink_status(target, ec)) && fs::read_symlink(target, ec) == source) continue;
    if (fs::create_directories(target.parent_path(), ec) && user) {
      if (auto s = containerizer::chownToUser(target.parent_path().string(), *user); !s) return s;
    }
    if (ec) return Error("cannot create '" + target.parent_path().string() + "': " + ec.message());
    fs::create_directory_symlink(source, target, ec);
    if (ec) {
      return Error("cannot link volume '" + r.disk().persistence().id() + "' at '" + target.string() +
                   "': " + ec.message());
    }
  }
  return okStatus();
}

}  // namespace tepui::agent
