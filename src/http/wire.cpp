// Connecting to endpoints and translating messages to and from Beast (see
// wire.hpp).
#include "http/wire.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <optional>

namespace tepui::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Opens `socket` bound to `source` and leaves the port to connect(): with
// IP_BIND_ADDRESS_NO_PORT the kernel picks it for the whole 4-tuple, so each
// source address has the full ephemeral range towards each server, where
// bind() alone would take the port from one range shared by all addresses.
error_code openFrom(tcp::socket& socket, const asio::ip::address& source) {
  error_code ec;
  socket.close(ec);
  socket.open(source.is_v4() ? tcp::v4() : tcp::v6(), ec);
  if (ec) return ec;
  int one = 1;  // best effort: without it bind() picks the port
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  socket.bind(tcp::endpoint(source, 0), ec);
  return ec;
}

// Connects from `source` to each of `targets` in turn, opening and binding
// anew for each; the error is the last attempt's. A cancellation (the
// caller closed the socket) ends the attempts.
void connectFrom(tcp::socket& socket, const asio::ip::address& source,
                 std::shared_ptr<const std::vector<tcp::endpoint>> targets, size_t next,
                 std::function<void(error_code)> connected) {
  if (next == targets->size()) {
    return asio::post(socket.get_executor(), [connected] { connected(asio::error::address_family_not_supported); });
  }
  if (error_code ec = openFrom(socket, source)) {
    return asio::post(socket.get_executor(), [connected, ec] { connected(ec); });
  }
  socket.async_connect((*targets)[next], [&socket, source, targets, next, connected](error_code ec) {
    if (ec && ec != asio::error::operation_aborted && next + 1 < targets->size()) {
      return connectFrom(socket, source, targets, next + 1, connected);
    }
    connected(ec);
  });
}

}  // namespace

void dial(tcp::socket& socket, tcp::resolver& resolver, const Endpoint& endpoint, const std::string& source,
          std::function<void(Status)> done) {
  std::string where = "connect to " + endpoint.str() + (source.empty() ? "" : " from " + source);
  auto connected = [&socket, where, done](error_code ec) {
    if (ec) return done(Error(where + ": " + ec.message()));
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    done(okStatus());
  };

  std::optional<asio::ip::address> from;
  if (!source.empty()) {
    error_code invalid;
    from = asio::ip::make_address(source, invalid);
    if (invalid) {
      return asio::post(socket.get_executor(), [done, where] { done(Error(where + ": not an IP address")); });
    }
  }
  // With a source, only the addresses of its family can be reached from it.
  auto reachable = [from](const auto& candidates) {
    auto targets = std::make_shared<std::vector<tcp::endpoint>>();
    for (const auto& candidate : candidates) {
      tcp::endpoint target(candidate);
      if (target.address().is_v4() == from->is_v4()) targets->push_back(target);
    }
    return targets;
  };

  error_code notAddress;
  auto address = asio::ip::make_address(endpoint.host, notAddress);
  if (!notAddress) {
    tcp::endpoint target(address, endpoint.port);
    if (from) return connectFrom(socket, *from, reachable(std::array{target}), 0, connected);
    socket.async_connect(target, connected);
    return;
  }
  resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                         [&socket, host = endpoint.host, done, connected, from, reachable](
                             error_code ec, tcp::resolver::results_type results) {
                           if (ec) return done(Error("resolve " + host + ": " + ec.message()));
                           if (from) return connectFrom(socket, *from, reachable(results), 0, connected);
                           // Tries each resolved address in turn ("localhost" may give ::1
                           // before 127.0.0.1); the error is the last attempt's.
                           asio::async_connect(socket, results,
                                               [connected](error_code e, const tcp::endpoint&) { connected(e); });
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
    wire.set(bhttp::field::host,
             (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port));
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
