// Fetching an executor's CommandInfo.uris into its sandbox before it starts,
// by running tepui-fetcher (its contract is in src/fetcher/fetcher.hpp)
// without blocking the agent's loop. The agent does not link the fetcher:
// libcurl and libarchive stay out of the tepui binary.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
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

// Several fetches run one after another (one tepui-fetcher at a time),
// stopping at the first failure: a task group's tasks each have a sandbox
// of their own. Made by fetchInOrder(); lives on the agent's loop.
class FetchRun : public std::enable_shared_from_this<FetchRun> {
 public:
  // Kills the fetcher that is running (SIGKILL to its session) and starts
  // no other; done() is then called with an error. No effect once done()
  // has been called.
  void cancel();
  // The tepui-fetcher running now, or -1 (none started yet, or between two).
  pid_t pid() const { return pid_; }

 private:
  friend std::shared_ptr<FetchRun> fetchInOrder(containerizer::ProcessWatcher&, boost::asio::io_context&,
                                                std::vector<FetchRequest>, std::function<void(Status)>);
  void next();
  void finish(Status status);

  containerizer::ProcessWatcher* watcher_ = nullptr;
  boost::asio::io_context* io_ = nullptr;
  std::vector<FetchRequest> requests_;
  size_t done_ = 0;  // requests finished
  std::function<void(Status)> finish_;
  pid_t pid_ = -1;
  bool cancelled_ = false;
};

// Runs fetchInto() for each request in turn and calls done() once, on the
// loop: okStatus() when all succeeded, else the first failure's error (or
// "cancelled"). The watcher and loop must outlive the run; the run keeps
// itself alive until done() has been called.
std::shared_ptr<FetchRun> fetchInOrder(containerizer::ProcessWatcher& watcher, boost::asio::io_context& io,
                                       std::vector<FetchRequest> requests, std::function<void(Status)> done);

// $TEPUI_FETCHER when set, otherwise tepui-fetcher in the directory of
// `launcher` (the tepui binary the agent starts executors from; by default
// the running program, /proc/self/exe), where the build and installs put it.
std::string defaultFetcherPath(const std::string& launcher = "/proc/self/exe");

}  // namespace tepui::agent
