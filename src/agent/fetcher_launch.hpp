// Fetching an executor's CommandInfo.uris into its sandbox before it starts,
// by running tepui-fetcher (its contract is in src/fetcher/fetcher.hpp)
// without blocking the agent's loop. The agent does not link the fetcher:
// libcurl and libarchive stay out of the tepui binary.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "containerizer/process.hpp"
#include "fetcher/fetcher.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::agent {

struct FetchRequest {
  std::vector<v1::CommandInfo::URI> uris;
  std::string sandbox;              // exists; the fetcher's stdout and stderr are appended to its own
  std::optional<std::string> user;  // gets the sandbox's contents (when the agent runs as root)
  std::string cacheDir;             // empty: nothing is cached
  uint64_t cacheSize = fetcher::kDefaultCacheSize;
  std::string fetcherPath;  // the tepui-fetcher program (see defaultFetcherPath)
};

// Starts tepui-fetcher for `request` and calls done() on `io`'s loop once it
// has finished: done(okStatus()) when every URI was fetched, otherwise
// done(Error(...)) with the fetcher's one-line reason, "Failed to fetch
// '<uri>': <reason>" (or why the fetcher could not run). With no URIs,
// done(okStatus()) is posted and nothing is started. done() is always
// called on the loop, never from within fetchInto().
//
// Returns the fetcher's pid, so that a launch that is abandoned can stop it
// (containerizer::signalGroup: it runs in its own session); -1 when no
// process was started. The watcher reaps it. Runs on the loop: the only
// blocking work is writing the URIs to a small file and spawn().
pid_t fetchInto(containerizer::ProcessWatcher& watcher, boost::asio::io_context& io, const FetchRequest& request,
                std::function<void(Status)> done);

// $TEPUI_FETCHER when set, otherwise tepui-fetcher in the directory of the
// running program (/proc/self/exe), where the build and installs put it.
std::string defaultFetcherPath();

}  // namespace tepui::agent
