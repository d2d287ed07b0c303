// The fetcher: puts an executor's CommandInfo.uris into its sandbox before
// the executor starts, as Mesos's mesos-fetcher does. It runs as its own
// program, tepui-fetcher, so that libcurl and libarchive never load into the
// tepui binary, whose start-up is on every task's launch path. The agent
// starts it with src/agent/fetcher_launch.hpp.
//
// The program's contract:
//
//   tepui-fetcher --sandbox DIR --uris FILE [--cache_dir DIR]
//                 [--cache_size BYTES] [--user U] [--result FILE]
//                 [--timeout DURATION]
//
//   FILE holds a JSON array of CommandInfo.URI objects in Mesos's JSON shape:
//   [{"value":"http://h/a.tgz","extract":true,"cache":true}]. The URIs are
//   fetched in order, and fetching stops at the first failure. Progress
//   lines go to stderr (the agent points it at the sandbox's stderr).
//   Exit 0: every URI was fetched. Exit 1: one failed, and --result (when
//   given) holds one line, "Failed to fetch '<uri>': <reason>". Exit 2: bad
//   arguments or an unreadable URIs file; a usage message on stderr.
//
// What one URI does (see fetchUri):
//   - value: http:// or https:// (redirects followed; a status >= 400, a
//     connection error or a timeout fails), file:///abs/path or an absolute
//     path (copied; a relative path or any other scheme fails);
//   - output_file: the name to save as, relative to the sandbox (no absolute
//     path, no ".."); by default the last segment of the URI's path, without
//     query or fragment;
//   - executable: the file gets mode 0755 and is never extracted;
//   - extract (default true): a file whose name ends in .tar, .tar.gz, .tgz,
//     .tar.bz2, .tbz2, .tar.xz, .txz or .zip is unpacked into the sandbox
//     (an entry with an absolute path or ".." fails the fetch), and kept;
//   - cache: with a cache directory, the file is downloaded once and later
//     fetches of the same URI (for the same user) copy it from the cache.
// With a user and running as root, the whole sandbox is given to the user
// afterwards, as Mesos does.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::fetcher {

using Uri = v1::CommandInfo::URI;

// Mesos's default --fetcher_cache_size.
inline constexpr uint64_t kDefaultCacheSize = 2ULL * 1024 * 1024 * 1024;

struct FetchOptions {
  std::string sandbox;              // must exist
  std::optional<std::string> user;  // owner of what is fetched (needs root)
  std::string cacheDir;             // empty: cache=true is ignored
  uint64_t cacheSize = kDefaultCacheSize;
  std::chrono::seconds timeout{1800};  // per download, all included
};

// Fetches one URI into the sandbox. The error is the reason alone.
Status fetchUri(const Uri& uri, const FetchOptions& options);

// Fetches every URI in order, then gives the sandbox to the user. The
// error reads "Failed to fetch '<uri>': <reason>".
Status fetchAll(const std::vector<Uri>& uris, const FetchOptions& options);

// The contents of a --uris file: a JSON array of URI objects.
Result<std::vector<Uri>> parseUris(std::string_view json);

// The file name a URI is saved as in the sandbox (output_file or the last
// path segment), or why there is none usable.
Result<std::string> outputName(const Uri& uri);

// The whole program, for main() (the exit codes above).
int fetcherMain(int argc, const char* const* argv);

}  // namespace tepui::fetcher
