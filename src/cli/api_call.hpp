// One JSON call to a framework daemon's HTTP API (tepui services, tepui
// jobs) for the commands that talk to them: `method target` with an
// optional JSON body, the answer whatever its status (a transport failure
// is the error).
#pragma once

#include <string>

#include "common/result.hpp"
#include "http/client.hpp"

namespace tepui::cli {

inline Result<http::Response> apiCall(const http::Endpoint& at, const std::string& method, const std::string& target,
                                      std::string body = "") {
  http::Request request;
  request.method = method;
  request.target = target;
  request.headers["Host"] = at.str();
  if (!body.empty()) {
    request.headers["Content-Type"] = "application/json";
    request.body = std::move(body);
  }
  return http::fetch(at, std::move(request));
}

}  // namespace tepui::cli
