// Durable state files; see checkpoint.hpp.
#include "common/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "common/unique_fd.hpp"

namespace tepui::checkpoint {

namespace {

std::string errnoText() { return std::strerror(errno); }

Status syncPath(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) < 0) return Error("cannot sync '" + path + "': " + errnoText());
  return okStatus();
}

Status syncParent(const std::filesystem::path& path) {
  return syncPath(path.parent_path().string(), O_RDONLY | O_DIRECTORY);
}

// Makes `path` anew: `make` creates `temporary` (beside it, in its parent
// directory, which is created as needed), which then replaces `path`, and
// the parent is synced.
Status replace(const std::string& path, const std::function<Status(const std::string& temporary)>& make) {
  std::filesystem::path target(path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return Error("cannot create '" + target.parent_path().string() + "': " + ec.message());
  std::string temporary = path + ".new";
  if (auto s = make(temporary); !s) return s;
  if (std::rename(temporary.c_str(), path.c_str()) < 0) {
    return Error("cannot replace '" + path + "': " + errnoText());
  }
  return syncParent(target);
}

}  // namespace

Status write(const std::string& path, const google::protobuf::Message& message) {
  if (!message.IsInitialized()) {  // it would not read back, and serializing it aborts
    return Error("cannot write '" + path + "': missing " + message.InitializationErrorString());
  }
  return replace(path, [&message](const std::string& temporary) -> Status {
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      if (!message.SerializeToOstream(&out) || !out.flush()) return Error("cannot write '" + temporary + "'");
    }
    return syncPath(temporary, O_RDONLY);
  });
}

Result<bool> read(const std::string& path, google::protobuf::Message* message) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return false;
    return Error("cannot open '" + path + "': " + errnoText());
  }
  if (!message->ParseFromIstream(&in)) return Error("'" + path + "' is corrupt: it does not parse");
  return true;
}

Status link(const std::string& path, const std::string& target) {
  return replace(path, [&target](const std::string& temporary) -> Status {
    std::error_code ec;
    std::filesystem::remove(temporary, ec);
    std::filesystem::create_symlink(target, temporary, ec);
    if (ec) return Error("cannot create link '" + temporary + "': " + ec.message());
    return okStatus();
  });
}

Result<std::optional<std::string>> readLink(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(path, ec))) return std::optional<std::string>();
  fs::path target = fs::read_symlink(path, ec);
  if (ec) return Error("cannot read link '" + path + "': " + ec.message());
  return std::optional<std::string>(target.string());
}

Status remove(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return okStatus();
  fs::remove_all(path, ec);
  if (ec) return Error("cannot remove '" + path + "': " + ec.message());
  return syncParent(fs::path(path));
}

}  // namespace tepui::checkpoint
