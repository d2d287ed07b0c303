// Durable state files; see checkpoint.hpp.
#include "common/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

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

Status writeFile(const std::string& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Error("cannot write '" + path + "': " + errnoText());
  for (size_t done = 0; done < content.size();) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error("cannot write '" + path + "': " + errnoText());
    done += static_cast<size_t>(n);
  }
  return okStatus();
}

// Creates `temporary`, the new content of a WRITE or LINK, beside its
// target (whose parent directory is created as needed).
Status makeTemporary(const Change& change, const std::string& temporary) {
  std::filesystem::path target(change.path);
  std::error_code ec;
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return Error("cannot create '" + target.parent_path().string() + "': " + ec.message());
  if (change.kind == Change::Kind::WRITE) return writeFile(temporary, change.content);
  std::filesystem::remove(temporary, ec);
  std::filesystem::create_symlink(change.content, temporary, ec);
  if (ec) return Error("cannot create link '" + temporary + "': " + ec.message());
  return okStatus();
}

Status removeNow(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return okStatus();
  fs::remove_all(path, ec);
  if (ec) return Error("cannot remove '" + path + "': " + ec.message());
  return syncParent(fs::path(path));
}

// Changes [begin, end), all WRITEs and LINKs, in four passes: every new
// content made, every file synced, every one renamed over its target,
// every directory synced. Only the last change of a path is made; the
// others share its outcome. On a journalling file system the first sync
// of each pass commits the others' changes with it.
void replaceAll(const std::vector<Change>& changes, size_t begin, size_t end, std::vector<Status>& out) {
  std::map<std::string, size_t> last;  // path -> the change that decides it
  for (size_t i = begin; i < end; ++i) last[changes[i].path] = i;
  std::vector<size_t> made;  // in the order given: renames keep it
  for (size_t i = begin; i < end; ++i) {
    if (last[changes[i].path] != i) continue;
    out[i] = makeTemporary(changes[i], changes[i].path + ".new");
    if (out[i]) made.push_back(i);
  }
  for (size_t i : made) {
    if (changes[i].kind == Change::Kind::WRITE) out[i] = syncPath(changes[i].path + ".new", O_RDONLY);
  }
  std::map<std::string, std::vector<size_t>> byDirectory;
  for (size_t i : made) {
    if (!out[i]) continue;
    const std::string& path = changes[i].path;
    if (std::rename((path + ".new").c_str(), path.c_str()) < 0) {
      out[i] = Error("cannot replace '" + path + "': " + errnoText());
      continue;
    }
    byDirectory[std::filesystem::path(path).parent_path().string()].push_back(i);
  }
  for (auto& [directory, renamed] : byDirectory) {
    Status synced = syncPath(directory, O_RDONLY | O_DIRECTORY);
    if (!synced) {
      for (size_t i : renamed) out[i] = synced;
    }
  }
  for (size_t i = begin; i < end; ++i) out[i] = out[last[changes[i].path]];
}

Status applyOne(Change change) { return apply({std::move(change)}).front(); }

}  // namespace

Result<Change> writing(const std::string& path, const google::protobuf::Message& message) {
  if (!message.IsInitialized()) {  // it would not read back, and serializing it aborts
    return Error("cannot write '" + path + "': missing " + message.InitializationErrorString());
  }
  Change change{Change::Kind::WRITE, path, ""};
  if (!message.SerializeToString(&change.content)) return Error("cannot serialize the content of '" + path + "'");
  return change;
}

std::vector<Status> apply(const std::vector<Change>& changes) {
  std::vector<Status> out(changes.size(), okStatus());
  for (size_t begin = 0; begin < changes.size();) {
    if (changes[begin].kind == Change::Kind::REMOVE) {
      out[begin] = removeNow(changes[begin].path);
      ++begin;
      continue;
    }
    size_t end = begin;
    while (end < changes.size() && changes[end].kind != Change::Kind::REMOVE) ++end;
    replaceAll(changes, begin, end, out);
    begin = end;
  }
  return out;
}

Status write(const std::string& path, const google::protobuf::Message& message) {
  auto change = writing(path, message);
  if (!change) return change.error();
  return applyOne(std::move(*change));
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
  return applyOne(Change{Change::Kind::LINK, path, target});
}

Result<std::optional<std::string>> readLink(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(path, ec))) return std::optional<std::string>();
  fs::path target = fs::read_symlink(path, ec);
  if (ec) return Error("cannot read link '" + path + "': " + ec.message());
  return std::optional<std::string>(target.string());
}

Status remove(const std::string& path) { return applyOne(Change{Change::Kind::REMOVE, path, ""}); }

}  // namespace tepui::checkpoint
