// Connecting to endpoints and translating messages to and from Beast (see
// wire.hpp).
#include "http/wire.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/error.hpp>

namespace tepui::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

void dial(tcp::socket& socket, tcp::resolver& resolver, const Endpoint& endpoint,
          std::function<void(Status)> done) {
  auto connected = [&socket, where = "connect to " + endpoint.str(), done](error_code ec) {
    if (ec) return done(Error(where + ": " + ec.message()));
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    done(okStatus());
  };

  error_code notAddress;
  auto address = asio::ip::make_address(endpoint.host, notAddress);
  if (!notAddress) {
    socket.async_connect(tcp::endpoint(address, endpoint.port), connected);
    return;
  }
  resolver.async_resolve(
      endpoint.host, std::to_string(endpoint.port),
      [&socket, host = endpoint.host, done, connected](error_code ec, tcp::resolver::results_type results) {
        if (ec) return done(Error("resolve " + host + ": " + ec.message()));
        // Tries each resolved address in turn ("localhost" may give ::1
        // before 127.0.0.1); the error is the last attempt's.
        asio::async_connect(socket, results, [connected](error_code e, const tcp::endpoint&) { connected(e); });
      });
}

bhttp::request<bhttp::string_body> toWire(const Endpoint& endpoint, Request request) {
  bhttp::request<bhttp::string_body> wire;
  wire.version(11);
  wire.method_string(request.method.empty() ? std::string_view("GET") : std::string_view(request.method));

  std::string target = std::move(request.target);
  if (target.empty()) {
    target = request.path.empty() ? "/" : request.path;
    char separator = '?';
    for (const auto& [key, value] : request.query) {
      target += separator;
      target += percentEncode(key) + "=" + percentEncode(value);
      separator = '&';
    }
  }
  wire.target(target);

  for (const auto& [name, value] : request.headers) wire.insert(name, value);
  // Framing is derived from the body below, never taken from the caller.
  wire.erase(bhttp::field::content_length);
  wire.erase(bhttp::field::transfer_encoding);
  if (wire.find(bhttp::field::host) == wire.end()) {
    bool v6 = endpoint.host.find(':') != std::string::npos;
    wire.set(bhttp::field::host, (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
                                     std::to_string(endpoint.port));
  }
  wire.body() = std::move(request.body);
  wire.prepare_payload();
  return wire;
}

Headers fromWire(const bhttp::fields& fields) {
  Headers headers;
  for (const auto& field : fields) {
    auto [it, inserted] = headers.emplace(std::string(field.name_string()), std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  return headers;
}

bool isParseError(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

std::string describeReadError(const Endpoint& endpoint, const error_code& ec) {
  std::string what = "read from " + endpoint.str() + ": ";
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) {
    return what + "connection closed before a response";
  }
  if (ec == bhttp::error::partial_message) return what + "connection closed in the middle of a response";
  if (isParseError(ec)) return what + "malformed response: " + ec.message();
  return what + ec.message();
}

}  // namespace tepui::http
