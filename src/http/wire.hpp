// Private to src/http: what the pooled client and the stream reader share:
// opening a connection to an Endpoint, and converting requests and
// responses to and from Beast's message types.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

#include "common/result.hpp"
#include "http/message.hpp"

namespace tepui::http {

// Resolves endpoint.host (unless it is an IP literal) and connects `socket`,
// setting TCP_NODELAY. With a `source` address (an IP literal; empty for the
// kernel's choice) the socket is bound to it first and only addresses of its
// family are tried. The caller keeps socket and resolver alive until `done`
// runs and cancels by closing the socket and cancelling the resolver. `done`
// never runs inside this call. Errors read "connect to host:port:
// Connection refused" or "connect to host:port from source: <why>".
void dial(boost::asio::ip::tcp::socket& socket, boost::asio::ip::tcp::resolver& resolver, const Endpoint& endpoint,
          const std::string& source, std::function<void(Status)> done);

// The wire form of `request` for `endpoint`: Host, and Content-Length when
// there is a body or the method expects one. An empty target is built from
// path and query.
boost::beast::http::request<boost::beast::http::string_body> toWire(const Endpoint& endpoint, Request request);

// Header fields as a Headers map; repeated fields are comma-joined.
Headers fromWire(const boost::beast::http::fields& fields);

// True for Beast's HTTP parse errors (as opposed to socket errors).
bool isParseError(const boost::system::error_code& ec);

// "read from host:port: <why>", with end-of-stream and parse errors in words.
std::string describeReadError(const Endpoint& endpoint, const boost::system::error_code& ec);

}  // namespace tepui::http
