// Private to src/master: the web UI built into the binary. Its files (webui/
// in the source tree) are embedded at build time by cmake/embed_assets.cmake
// into a generated source that defines assets(); install() serves them:
//   GET /                 -> /webui/index.html
//   GET /webui/<file>     -> that file, with its media type
// Anything else under /webui/ is 404; other methods are 405. The UI itself
// talks to the operator API (POST /api/v1) and /files/*.
#pragma once

#include <string_view>
#include <vector>

#include "http/server.hpp"

namespace tepui::master::webui {

struct Asset {
  std::string_view path;  // "/webui/index.html"
  std::string_view contentType;
  std::string_view body;
};

// Every embedded file (generated; see cmake/embed_assets.cmake).
const std::vector<Asset>& assets();

// The asset at `path`, or nullptr.
const Asset* find(std::string_view path);

void install(http::Server& server);

}  // namespace tepui::master::webui
