// The HTTP server (see server.hpp): the listening socket, the route table,
// and the set of open connections that stop() closes.
#include "http/server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <unordered_map>

#include "common/logging.hpp"
#include "http/connection.hpp"

namespace tepui::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// After a failed accept (usually out of file descriptors) wait a little
// instead of spinning on the same error.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

void notFound(Request& request, Responder responder) {
  responder.respond(Response::text(404, "No such endpoint: " + request.path));
}

}  // namespace

struct Server::Impl : ConnectionHost, std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions opts) : options(opts), acceptor(io), retryTimer(io) {}

  ServerOptions options;
  tcp::acceptor acceptor;
  asio::steady_timer retryTimer;
  uint16_t port = 0;
  bool stopped = false;
  std::map<std::string, Handler> exact;
  std::map<std::string, Handler> prefixes;
  Handler fallback = notFound;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> open;

  void accept() {
    // Weak: the pending accept must not keep a destroyed server's state.
    acceptor.async_accept([weak = weak_from_this()](boost::system::error_code ec, tcp::socket socket) {
      auto self = weak.lock();
      if (!self || self->stopped || ec == asio::error::operation_aborted) return;
      if (ec) {
        TLOG(WARNING) << "Failed to accept a connection: " << ec.message();
        self->retryTimer.expires_after(kAcceptRetry);
        self->retryTimer.async_wait([weak](boost::system::error_code e) {
          auto s = weak.lock();
          if (!e && s && !s->stopped) s->accept();
        });
        return;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto connection = std::make_shared<Connection>(std::move(socket), weak, self->options);
      self->open.emplace(connection.get(), connection);
      connection->start();
      self->accept();
    });
  }

  void dispatch(Request& request, Responder responder) override {
    if (stopped) return;  // the Responder's 500 goes to a closed socket
    // A copy: the handler may replace its own route while it runs.
    Handler handler = fallback;
    if (auto it = exact.find(request.path); it != exact.end()) {
      handler = it->second;
    } else {
      size_t best = 0;
      for (const auto& [prefix, h] : prefixes) {
        if (prefix.size() >= best && request.path.starts_with(prefix)) {
          best = prefix.size();
          handler = h;
        }
      }
    }
    handler(request, std::move(responder));
  }

  void forget(Connection* connection) override { open.erase(connection); }

  void stop() {
    stopped = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    retryTimer.cancel();
    // close() runs stream owners' onClose, which may touch the server.
    auto closing = std::move(open);
    open.clear();
    for (auto& [raw, connection] : closing) connection->close();
  }
};

Server::Server(asio::io_context& io, ServerOptions options) : impl_(std::make_shared<Impl>(io, options)) {}

Server::~Server() { impl_->stop(); }

Status Server::listen(const std::string& ip, uint16_t port) {
  std::string where = "listen on " + ip + ":" + std::to_string(port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(ip, ec);
  if (ec) return Error(where + ": invalid IP address");
  tcp::endpoint endpoint(address, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->port = acceptor.local_endpoint(ec).port();
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Error(where + ": " + ec.message());
  }
  impl_->stopped = false;
  impl_->accept();
  return okStatus();
}

uint16_t Server::port() const { return impl_->port; }

void Server::route(const std::string& path, Handler handler) { impl_->exact[path] = std::move(handler); }

void Server::routePrefix(const std::string& prefix, Handler handler) {
  impl_->prefixes[prefix] = std::move(handler);
}

void Server::fallback(Handler handler) { impl_->fallback = handler ? std::move(handler) : notFound; }

void Server::stop() { impl_->stop(); }

size_t Server::connections() const { return impl_->open.size(); }

}  // namespace tepui::http
