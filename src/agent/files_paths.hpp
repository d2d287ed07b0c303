// Which file a /files/* `path` names on this agent, and whether it may be
// served. Only what lies inside a run directory (a sandbox)
//   <work_dir>/slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/<container_id>
// of this agent is served, after every symlink is followed, so that a task
// cannot reach the rest of the host by planting symlinks in its sandbox.
//
// Accepted forms of `path` (already percent-decoded once by the HTTP layer;
// what remains is taken literally):
//   - the sandbox's real path on the host, as /state's `directory` gives it;
//   - /frameworks/<fw>/executors/<ex>/runs/<container_id|latest>[/...];
//   - /slaves/<agent_id>/frameworks/<fw>/executors/<ex>/runs/<...>[/...]
//     (the agent id must be this agent's).
// Refused before the file system is consulted (403): a NUL byte, a relative
// path, an empty component ("//"), a "." or ".." component, and a host path
// that does not start with this agent's sandbox root. Then the path is
// resolved with every symlink followed (the `latest` symlink is the agent's
// own, so following it is safe); landing outside a run directory, or on the
// levels above one, is 403; a missing file inside one is 404.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace tepui::agent::files {

// A verdict with an HTTP status: 200 and a value, or 400/403/404 and a
// one-line reason for the client.
template <typename T>
struct Checked {
  T value{};
  int status = 200;
  std::string reason;

  bool ok() const { return status == 200; }
  static Checked refuse(int status, std::string reason) { return {T{}, status, std::move(reason)}; }
};

// Where this agent keeps its sandboxes.
struct SandboxRoot {
  std::string workDir;
  std::string agentId;  // empty until the agent registers: nothing is served

  // <work_dir>/slaves/<agent_id>/frameworks, absolute and lexically normal.
  std::filesystem::path frameworks() const;
};

struct Resolved {
  std::filesystem::path real;     // canonical: no symlink, no "..", absolute
  std::filesystem::path sandbox;  // the canonical run directory holding `real`
};

Checked<Resolved> resolve(const SandboxRoot& root, std::string_view requested);

// True when `path` is `dir` or lies below it, comparing whole components.
bool isWithin(const std::filesystem::path& path, const std::filesystem::path& dir);

// Opens `resolved.real` (open(2) `flags`, plus O_NOFOLLOW, O_CLOEXEC and
// O_NONBLOCK, so that a FIFO planted by a task cannot hang the loop) and
// checks that what was opened still lies in its sandbox: a task swapping a
// directory for a symlink between resolve() and open() gains nothing.
// ENOENT is 404, ENOTDIR (with O_DIRECTORY) 400, anything else 403.
Checked<UniqueFd> openWithin(const Resolved& resolved, int flags);

}  // namespace tepui::agent::files
