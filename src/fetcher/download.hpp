// Private to src/fetcher: where a URI's bytes come from, and getting them
// into a file.
#pragma once

#include <chrono>
#include <string>

#include "common/result.hpp"

namespace tepui::fetcher {

struct Source {
  enum class Kind { HTTP, LOCAL };
  Kind kind = Kind::LOCAL;
  std::string location;  // the URL (HTTP), or the absolute path (LOCAL)
  std::string path;      // the URI's path, without query or fragment: its name comes from here
};

// http:// and https:// (the scheme in any case) are HTTP; file:///path,
// file://localhost/path and absolute paths are LOCAL. Anything else (a
// relative path, another scheme) is an error.
Result<Source> parseSource(const std::string& uri);

// Writes what `source` names into a new file at `destination` (see
// createFile). HTTP follows redirects (to http and https only), fails on a
// status >= 400, on a connection error, when no byte arrives for a minute,
// or when the whole transfer takes longer than `timeout`. A partial file is
// removed on failure.
Status download(const Source& source, const std::string& destination, std::chrono::seconds timeout);

}  // namespace tepui::fetcher
