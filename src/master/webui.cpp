// Serving the embedded web UI (see webui.hpp).
#include "master/webui.hpp"

#include <string>

namespace tepui::master::webui {

const Asset* find(std::string_view path) {
  for (const Asset& asset : assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

namespace {

void serve(std::string_view path, http::Request& request, http::Responder responder) {
  if (request.method != "GET") {
    return responder.respond(http::Response::methodNotAllowed("GET", request.method));
  }
  const Asset* asset = find(path);
  if (!asset) {
    return responder.respond(http::Response::text(404, "No such file of the web UI: " + request.path + "\n"));
  }
  http::Response response;
  response.status = 200;
  response.headers["Content-Type"] = std::string(asset->contentType);
  // The files change with the binary: browsers revalidate on each load.
  response.headers["Cache-Control"] = "no-cache";
  response.body = std::string(asset->body);
  responder.respond(std::move(response));
}

}  // namespace

void install(http::Server& server) {
  server.route("/", [](http::Request& r, http::Responder p) { serve("/webui/index.html", r, std::move(p)); });
  server.routePrefix("/webui/", [](http::Request& r, http::Responder p) { serve(r.path, r, std::move(p)); });
}

}  // namespace tepui::master::webui
