// HTTP request and response values shared by the server and the client.
// Header names compare case-insensitively. Bodies are whole strings except
// for streamed responses (see server.hpp, client.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tepui::http {

// Case-insensitive ordered header map (HTTP header names).
struct HeaderLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, HeaderLess>;

struct Request {
  std::string method;                        // "GET", "POST", ...
  std::string target;                        // path and query as sent: "/files/read?path=x"
  std::string path;                          // decoded path, no query: "/files/read"
  std::map<std::string, std::string> query;  // decoded query parameters
  Headers headers;
  std::string body;
  std::string remote;  // "ip:port" of the peer (server side only)

  std::optional<std::string> header(const std::string& name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  std::optional<std::string> header(const std::string& name) const;

  // Helpers for the common shapes.
  static Response text(int status, std::string body);  // text/plain; charset=utf-8
  static Response json(int status, std::string body);  // application/json
  static Response empty(int status);                   // no Content-Type, no body
  // 405 with `Allow` and a plain-text reason.
  static Response methodNotAllowed(const std::string& allowed, const std::string& got);
};

// Percent-decoding and query-string parsing, exposed for tests and for the
// files endpoints. decode() returns nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view s, bool plusIsSpace);
std::map<std::string, std::string> parseQuery(std::string_view query);
// Every value of parameter `name` in a request target's query, in order
// ("?embed=a&embed=b"; parseQuery keeps one per name).
std::vector<std::string> queryValues(std::string_view target, std::string_view name);
std::string percentEncode(std::string_view s);

// "host:port" parsing; also accepts "http://host:port[/...]". Port must be
// 1-65535.
struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
};
std::optional<Endpoint> parseEndpoint(std::string_view s);

}  // namespace tepui::http
