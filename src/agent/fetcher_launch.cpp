// Running tepui-fetcher for an executor's URIs (see fetcher_launch.hpp).
#include "agent/fetcher_launch.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/post.hpp>
#include <boost/json/array.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "common/json.hpp"
#include "common/logging.hpp"

namespace tepui::agent {

namespace {

namespace fs = std::filesystem;

// The agent's environment (proxies, CA bundles) without its TEPUI_*
// settings, which the fetcher would take for its own flags.
std::map<std::string, std::string> fetcherEnvironment() {
  std::map<std::string, std::string> env = containerizer::inheritedEnvironment();
  std::erase_if(env, [](const auto& kv) { return kv.first.rfind("TEPUI_", 0) == 0; });
  return env;
}

// The fetcher's inputs and result, in a directory of their own.
Result<fs::path> writeUris(const std::vector<v1::CommandInfo::URI>& uris) {
  std::string name = (fs::temp_directory_path() / "tepui-fetch-XXXXXX").string();
  if (!::mkdtemp(name.data()))
    return Error("cannot create a directory in " + fs::temp_directory_path().string() + ": " + std::strerror(errno));
  fs::path dir(name);
  boost::json::array array;
  for (const auto& uri : uris) array.push_back(json::toValue(uri));
  std::ofstream out(dir / "uris.json");
  out << json::serialize(array);
  if (!out.flush()) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    return Error("cannot write '" + (dir / "uris.json").string() + "'");
  }
  return dir;
}

// The directory of the fetcher's inputs and result, removed with the last
// copy of the callback that holds it: once the fetcher has exited, or when
// the watch is dropped because the agent stops.
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

std::string firstLine(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

pid_t fetchInto(containerizer::ProcessWatcher& watcher, boost::asio::io_context& io, const FetchRequest& request,
                std::function<void(Status)> done) {
  auto finishLater = [&io, &done](Status status) {
    boost::asio::post(io, [done = std::move(done), status = std::move(status)] { done(status); });
    return -1;
  };
  if (request.uris.empty()) return finishLater(okStatus());
  auto dir = writeUris(request.uris);
  if (!dir) return finishLater(dir.error().context("cannot start tepui-fetcher"));
  auto scratch = std::make_shared<ScratchDir>();
  scratch->path = *dir;

  containerizer::SpawnSpec spec;
  std::string uris = (*dir / "uris.json").string(), result = (*dir / "result").string();
  spec.argv = {request.fetcherPath, "--sandbox", request.sandbox, "--uris", uris, "--result", result};
  if (!request.cacheDir.empty()) {
    spec.argv.insert(spec.argv.end(),
                     {"--cache_dir", request.cacheDir, "--cache_size", std::to_string(request.cacheSize)});
  }
  if (request.user) spec.argv.insert(spec.argv.end(), {"--user", *request.user});
  spec.environment = fetcherEnvironment();
  spec.workingDirectory = request.sandbox;
  spec.stdoutPath = (fs::path(request.sandbox) / "stdout").string();
  spec.stderrPath = (fs::path(request.sandbox) / "stderr").string();

  auto pid = containerizer::spawn(spec);
  if (!pid) return finishLater(pid.error().context("cannot start tepui-fetcher"));
  auto watched = watcher.watch(*pid, [scratch, done](int status) {
    std::string failure = firstLine(scratch->path / "result");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return done(okStatus());
    done(Error(!failure.empty() ? failure : "tepui-fetcher " + containerizer::describeWaitStatus(status)));
  });
  if (!watched) {
    TLOG(ERROR) << "Cannot watch tepui-fetcher (pid " << *pid << "): " << watched.error().message;
    containerizer::signalGroup(*pid, SIGKILL);
    while (::waitpid(*pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return finishLater(watched.error().context("cannot watch tepui-fetcher"));
  }
  TLOG(INFO) << "Fetching " << request.uris.size() << " URI(s) into " << request.sandbox << " (pid " << *pid << ")";
  return *pid;
}

void FetchRun::cancel() {
  if (cancelled_ || !finish_) return;
  cancelled_ = true;
  if (pid_ > 0) containerizer::signalGroup(pid_, SIGKILL);
}

void FetchRun::finish(Status status) {
  if (!finish_) return;
  if (cancelled_) status = Error("cancelled");
  std::exchange(finish_, nullptr)(status);
}

void FetchRun::next() {
  auto self = shared_from_this();  // held by the callbacks while the run goes on
  if (cancelled_ || done_ == requests_.size()) {
    boost::asio::post(*io_, [self] { self->finish(okStatus()); });
    return;
  }
  pid_ = fetchInto(*watcher_, *io_, requests_[done_], [self](Status fetched) {
    self->pid_ = -1;
    if (!fetched || self->cancelled_) return self->finish(std::move(fetched));
    self->done_++;
    self->next();
  });
}

std::shared_ptr<FetchRun> fetchInOrder(containerizer::ProcessWatcher& watcher, boost::asio::io_context& io,
                                       std::vector<FetchRequest> requests, std::function<void(Status)> done) {
  auto run = std::make_shared<FetchRun>();
  run->watcher_ = &watcher;
  run->io_ = &io;
  run->requests_ = std::move(requests);
  run->finish_ = std::move(done);
  run->next();
  return run;
}

std::string defaultFetcherPath(const std::string& launcher) {
  if (const char* path = std::getenv("TEPUI_FETCHER"); path && *path) return path;
  std::error_code ec;
  fs::path program = fs::canonical(launcher, ec);  // through /proc/self/exe and installed symlinks
  if (ec) program = launcher;
  if (!program.has_parent_path()) return "tepui-fetcher";  // spawn() searches PATH
  return (program.parent_path() / "tepui-fetcher").string();
}

}  // namespace tepui::agent
