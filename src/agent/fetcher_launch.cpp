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

#include "common/json.hpp"
#include "common/logging.hpp"

extern char** environ;

namespace tepui::agent {

namespace {

namespace fs = std::filesystem;

// The agent's environment (proxies, CA bundles) without its TEPUI_*
// settings, which the fetcher would take for its own flags.
std::map<std::string, std::string> fetcherEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && kv.rfind("TEPUI_", 0) != 0) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
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

  std::error_code ec;
  auto pid = containerizer::spawn(spec);
  if (!pid) {
    fs::remove_all(*dir, ec);
    return finishLater(pid.error().context("cannot start tepui-fetcher"));
  }
  auto watched = watcher.watch(*pid, [dir = *dir, done](int status) {
    std::string failure = firstLine(dir / "result");
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return done(okStatus());
    done(Error(!failure.empty() ? failure : "tepui-fetcher " + containerizer::describeWaitStatus(status)));
  });
  if (!watched) {
    TLOG(ERROR) << "Cannot watch tepui-fetcher (pid " << *pid << "): " << watched.error().message;
    containerizer::signalGroup(*pid, SIGKILL);
    while (::waitpid(*pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    fs::remove_all(*dir, ec);
    return finishLater(watched.error().context("cannot watch tepui-fetcher"));
  }
  TLOG(INFO) << "Fetching " << request.uris.size() << " URI(s) into " << request.sandbox << " (pid " << *pid << ")";
  return *pid;
}

std::string defaultFetcherPath() {
  if (const char* path = std::getenv("TEPUI_FETCHER"); path && *path) return path;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "tepui-fetcher";  // spawn() searches PATH
  return (self.parent_path() / "tepui-fetcher").string();
}

}  // namespace tepui::agent
