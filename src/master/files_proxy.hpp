// Private to src/master: what a /files/* `path` tells the master about the
// sandbox it names, so that the request can go to the agent holding it
// (files_proxy.cpp). The agent, not the master, decides what may be served.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tepui::master::files {

struct SandboxTarget {
  std::string agentId;  // empty when the path does not name one
  std::string frameworkId;
  std::string executorId;
};

// Recognises
//   /frameworks/<fw>/executors/<ex>[/...]
//   /slaves/<agent>/frameworks/<fw>/executors/<ex>[/...]
//   <work_dir>/slaves/<agent>/frameworks/<fw>/executors/<ex>[/...] (a host path)
// and returns nullopt for anything else.
std::optional<SandboxTarget> parseSandboxPath(std::string_view path);

// Why the master will not forward `path` at all (a NUL byte or a ".."
// component, which every agent refuses anyway), or nullopt.
std::optional<std::string> hostilePath(std::string_view path);

}  // namespace tepui::master::files
