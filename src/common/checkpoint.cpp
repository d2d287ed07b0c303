// Durable state files; see checkpoint.hpp.
#include "common/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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

}  // namespace

Status write(const std::string& path, const google::protobuf::Message& message) {
  namespace fs = std::filesystem;
  fs::path target(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return Error("cannot create '" + target.parent_path().string() + "': " + ec.message());
  std::string temporary = path + ".new";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!message.SerializeToOstream(&out) || !out.flush()) return Error("cannot write '" + temporary + "'");
  }
  if (auto s = syncPath(temporary, O_RDONLY); !s) return s;
  if (std::rename(temporary.c_str(), path.c_str()) < 0) {
    return Error("cannot replace '" + path + "': " + errnoText());
  }
  return syncPath(target.parent_path().string(), O_RDONLY | O_DIRECTORY);
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

}  // namespace tepui::checkpoint
