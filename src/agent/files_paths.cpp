// Resolution of /files/* paths to files inside this agent's sandboxes, and
// the refusals (see files_paths.hpp).
#include "agent/files_paths.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

namespace tepui::agent::files {

namespace fs = std::filesystem;

namespace {

// "/a/b/" -> {"a", "b"}; a trailing slash is allowed, any other empty
// component is not (returned as is, for the caller to refuse).
std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

fs::path join(fs::path base, const std::vector<std::string_view>& parts, size_t from) {
  for (size_t i = from; i < parts.size(); ++i) base /= std::string(parts[i]);
  return base;
}

// The run directory <root>/<fw>/executors/<ex>/runs/<cid> holding `real`, or
// an empty path when `real` is not inside one.
fs::path runDirectoryOf(const fs::path& real, const fs::path& root) {
  if (!isWithin(real, root)) return {};
  std::vector<fs::path> parts;
  for (auto& part : real.lexically_relative(root)) parts.push_back(part);
  if (parts.size() < 5 || parts[1] != "executors" || parts[3] != "runs") return {};
  fs::path run = root;
  for (size_t i = 0; i < 5; ++i) run /= parts[i];
  return run;
}

// Where a path that does not resolve would land: the deepest entry that
// exists is resolved (following it if it is a dangling symlink, up to 40
// hops), and the missing rest is appended. Empty for a symlink loop.
fs::path landing(const fs::path& path, int hops = 0) {
  if (hops > 40) return {};
  std::error_code ec;
  fs::path existing = path;
  while (existing.has_relative_path() && fs::symlink_status(existing, ec).type() == fs::file_type::not_found) {
    existing = existing.parent_path();
  }
  fs::path rest = path.lexically_relative(existing);
  if (rest == ".") rest.clear();
  if (fs::is_symlink(fs::symlink_status(existing, ec))) {
    fs::path target = fs::read_symlink(existing, ec);
    if (ec) return {};
    if (target.is_relative()) target = existing.parent_path() / target;
    return landing((rest.empty() ? target : target / rest).lexically_normal(), hops + 1);
  }
  fs::path real = fs::canonical(existing, ec);
  if (ec) return {};
  return rest.empty() ? real : (real / rest).lexically_normal();
}

// The path the request names, before any symlink is followed.
Checked<fs::path> candidate(const SandboxRoot& root, std::string_view requested) {
  using Result = Checked<fs::path>;
  if (requested.empty()) return Result::refuse(400, "Expecting 'path' to be present");
  if (requested.find('\0') != std::string_view::npos) return Result::refuse(403, "The path contains a NUL byte");
  if (requested.front() != '/') return Result::refuse(403, "The path must be absolute");
  auto parts = components(requested);
  for (auto part : parts) {
    if (part.empty()) return Result::refuse(403, "The path has an empty component ('//')");
    if (part == "." || part == "..") return Result::refuse(403, "The path has a '.' or '..' component");
  }
  if (root.agentId.empty()) return Result::refuse(404, "This agent has no sandboxes yet (not registered)");
  fs::path frameworks = root.frameworks();
  if (!parts.empty() && parts[0] == "frameworks") return {join(frameworks, parts, 1)};
  if (parts.size() >= 3 && parts[0] == "slaves" && parts[2] == "frameworks") {
    if (parts[1] != root.agentId) {
      return Result::refuse(404, "Agent '" + std::string(parts[1]) + "' is not this agent ('" + root.agentId + "')");
    }
    return {join(frameworks, parts, 3)};
  }
  fs::path host(requested);
  std::error_code ec;
  fs::path canonicalRoot = fs::canonical(frameworks, ec);
  if (!isWithin(host, frameworks) && (ec || !isWithin(host, canonicalRoot))) {
    return Result::refuse(403, "'" + std::string(requested) + "' is outside this agent's sandboxes");
  }
  return {host};
}

}  // namespace

fs::path SandboxRoot::frameworks() const {
  std::error_code ec;
  fs::path base = fs::absolute(workDir, ec);
  if (ec) base = workDir;
  return (base / "slaves" / agentId / "frameworks").lexically_normal();
}

bool isWithin(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty() && std::next(d) == dir.end()) return true;  // dir had a trailing slash
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

Checked<Resolved> resolve(const SandboxRoot& root, std::string_view requested) {
  using Result = Checked<Resolved>;
  auto path = candidate(root, requested);
  if (!path.ok()) return Result::refuse(path.status, path.reason);
  std::error_code ec;
  fs::path canonicalRoot = fs::canonical(root.frameworks(), ec);
  if (ec) return Result::refuse(404, "There are no sandboxes on this agent yet");
  const std::string shown(requested);
  fs::path real = fs::canonical(path.value, ec);
  if (ec) {
    // Missing, a dangling symlink, or a loop: say "no such file" only when
    // the path would land inside a sandbox, so that a symlink pointing
    // outside tells nothing about what exists there.
    fs::path where = landing(path.value);
    if (!where.empty() && !runDirectoryOf(where, canonicalRoot).empty()) {
      return Result::refuse(404, "No such file or directory: '" + shown + "'");
    }
    return Result::refuse(403, "Access to '" + shown + "' is not allowed: it resolves outside any sandbox");
  }
  fs::path run = runDirectoryOf(real, canonicalRoot);
  if (run.empty()) {
    return Result::refuse(403, "Access to '" + shown + "' is not allowed: it resolves outside any sandbox");
  }
  return {Resolved{real, run}};
}

Checked<UniqueFd> openWithin(const Resolved& resolved, int flags) {
  using Result = Checked<UniqueFd>;
  UniqueFd fd(::open(resolved.real.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    int error = errno;
    if (error == ENOENT) return Result::refuse(404, "No such file or directory");
    if (error == ENOTDIR && (flags & O_DIRECTORY)) return Result::refuse(400, "Not a directory");
    return Result::refuse(403, "Cannot open the file: " + std::string(std::strerror(error)));
  }
  // Where the descriptor really points, whatever happened to the path.
  char buf[PATH_MAX];
  std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf || !isWithin(fs::path(std::string(buf, n)), resolved.sandbox)) {
    return Result::refuse(403, "Access is not allowed: the file left its sandbox while being opened");
  }
  return {std::move(fd)};
}

}  // namespace tepui::agent::files
