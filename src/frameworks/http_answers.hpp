// Small answers the framework daemons' endpoints share: a JSON
// {"message": ...} body, and a handler for GET (and HEAD) only.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string>

#include "common/json.hpp"
#include "http/server.hpp"

namespace tepui::frameworks {

inline http::Response jsonMessage(int status, const std::string& text) {
  return http::Response::json(status, json::serialize(boost::json::object{{"message", text}}));
}

// `answer` for GET and HEAD; 405 naming GET for any other method.
inline http::Handler getOnly(std::function<http::Response(const http::Request&)> answer) {
  return [answer = std::move(answer)](http::Request& r, http::Responder p) {
    if (r.method != "GET" && r.method != "HEAD") return p.respond(http::Response::methodNotAllowed("GET", r.method));
    p.respond(answer(r));
  };
}

}  // namespace tepui::frameworks
