// Fetching URIs into a sandbox (see fetcher.hpp): naming, the cache,
// executable files, extraction and ownership.
#include "fetcher/fetcher.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <filesystem>

#include "common/json.hpp"
#include "common/logging.hpp"
#include "fetcher/archive.hpp"
#include "fetcher/cache.hpp"
#include "fetcher/download.hpp"
#include "fetcher/files.hpp"

namespace tepui::fetcher {

namespace {

namespace fs = std::filesystem;

bool isInside(const fs::path& path, const fs::path& root) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

// Gives the sandbox and everything in it to `user`, without following
// symbolic links.
Status giveToUser(const std::string& sandbox, const std::string& user) {
  passwd pw{}, *found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwnam_r(user.c_str(), &pw, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return Error("user '" + user + "' does not exist");
  }
  auto give = [&](const fs::path& path) -> Status {
    if (::lchown(path.c_str(), pw.pw_uid, pw.pw_gid) < 0) {
      return Error("cannot give '" + path.string() + "' to user '" + user + "': " + errnoText(errno));
    }
    return okStatus();
  };
  if (auto given = give(sandbox); !given) return given;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(sandbox, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto given = give(it->path()); !given) return given;
  }
  if (ec) return Error("cannot list '" + sandbox + "': " + ec.message());
  return okStatus();
}

}  // namespace

Result<std::string> outputName(const Uri& uri) {
  if (!uri.output_file().empty()) {
    const std::string& name = uri.output_file();
    fs::path path(name);
    if (path.is_absolute()) return Error("output_file '" + name + "' is not relative to the sandbox");
    if (std::find(path.begin(), path.end(), "..") != path.end()) {
      return Error("output_file '" + name + "' would leave the sandbox");
    }
    if (path.filename().empty() || path.filename() == ".") return Error("output_file '" + name + "' names no file");
    return name;
  }
  auto source = parseSource(uri.value());
  if (!source) return source.error();
  std::string base = source->path.substr(source->path.rfind('/') + 1);
  if (base.empty() || base == "." || base == "..") {
    return Error("the URI's path names no file: give output_file");
  }
  return base;
}

Status fetchUri(const Uri& uri, const FetchOptions& options) {
  auto source = parseSource(uri.value());
  if (!source) return source.error();
  auto name = outputName(uri);
  if (!name) return name.error();
  std::error_code ec;
  fs::path sandbox = fs::canonical(options.sandbox, ec);
  if (ec) return Error("sandbox '" + options.sandbox + "': " + ec.message());
  fs::path destination = sandbox / *name;
  // output_file may name directories; none may lead out through a link.
  if (!isInside(fs::weakly_canonical(destination.parent_path(), ec), sandbox) || ec) {
    return Error("output_file '" + *name + "' would leave the sandbox");
  }
  fs::create_directories(destination.parent_path(), ec);
  if (ec) return Error("cannot create '" + destination.parent_path().string() + "': " + ec.message());

  TLOG(INFO) << "Fetching '" << uri.value() << "' to '" << destination.string() << "'";
  auto get = [&](const std::string& path) { return download(*source, path, options.timeout); };
  Status fetched = okStatus();
  if (uri.cache() && !options.cacheDir.empty()) {
    std::string key = options.user ? *options.user + "@" + uri.value() : uri.value();
    fetched = Cache(options.cacheDir, options.cacheSize).fetch(key, destination.string(), get);
  } else {
    fetched = get(destination.string());
  }
  if (!fetched) return fetched;

  if (uri.executable()) {
    if (::chmod(destination.c_str(), 0755) < 0) {
      return Error("cannot make '" + *name + "' executable: " + errnoText(errno));
    }
  } else if (uri.extract() && isArchive(destination.filename().string())) {
    if (auto extracted = extractArchive(destination.string(), sandbox.string()); !extracted) {
      return extracted.error().context("cannot extract '" + *name + "'");
    }
    TLOG(INFO) << "Extracted '" << *name << "' into the sandbox";
  }
  return okStatus();
}

Status fetchAll(const std::vector<Uri>& uris, const FetchOptions& options) {
  bool chown = options.user && ::geteuid() == 0;
  for (const Uri& uri : uris) {
    Status fetched = fetchUri(uri, options);
    if (fetched && chown) fetched = giveToUser(options.sandbox, *options.user);
    if (!fetched) return Error("Failed to fetch '" + uri.value() + "': " + fetched.error().message);
  }
  return okStatus();
}

Result<std::vector<Uri>> parseUris(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value array = boost::json::parse(text, ec);
  if (ec) return Error("not JSON: " + ec.message());
  if (!array.is_array()) return Error("expected a JSON array of URI objects");
  v1::CommandInfo command;
  if (auto parsed = json::fromValue(boost::json::object{{"uris", std::move(array)}}, &command); !parsed) {
    return parsed.error();
  }
  return std::vector<Uri>(command.uris().begin(), command.uris().end());
}

}  // namespace tepui::fetcher
