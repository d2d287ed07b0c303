// An asynchronous HTTP/1.1 server on Boost.Asio + Boost.Beast. One
// io_context thread runs it (the daemon's event loop); every handler runs on
// that thread, one at a time, and must not block. Keep-alive and pipelining
// of sequential requests per connection; no thread per connection.
//
// A handler answers exactly once through its Responder: either a whole
// Response, or a Stream (chunked transfer encoding, no Content-Length) to
// which it writes pieces for as long as it likes. Responders may be kept and
// answered later (after asynchronous work); dropping a Responder that never
// answered sends 500. A Stream's owner learns of the peer closing through
// onClose().
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "http/message.hpp"

namespace tepui::http {

class Connection;

// The server side of a streamed response. Writes are queued in order and
// sent as chunks; write() after close (by either side) returns false and
// does nothing.
class Stream {
 public:
  virtual ~Stream() = default;
  virtual bool write(std::string data) = 0;
  virtual void close() = 0;  // sends the terminating chunk, then closes
  virtual bool closed() const = 0;
  // Called once, on the loop, when the stream ends for any reason (peer
  // gone, close(), server stopping). Set it right after stream().
  // It runs synchronously inside close() and Server::stop() when those end
  // the stream; set on a stream that has already ended, it is posted to run
  // soon. Dropping the last reference without close() ends the response
  // cleanly and does not call it.
  virtual void onClose(std::function<void()> callback) = 0;
  // Bytes queued but not yet written to the socket (for back-pressure
  // decisions and metrics).
  virtual size_t queuedBytes() const = 0;
  virtual const std::string& remote() const = 0;
};

class Responder {
 public:
  Responder() = default;
  explicit Responder(std::shared_ptr<Connection> connection);
  Responder(Responder&&) noexcept;
  Responder& operator=(Responder&&) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();  // 500 if never answered

  void respond(Response response);
  // Starts a chunked response with the given status and headers (its body is
  // ignored). The returned Stream stays valid while the caller holds it; it
  // is already closed if the connection is gone or this Responder already
  // answered.
  std::shared_ptr<Stream> stream(Response head);

  bool answered() const { return !connection_; }
  // The caller gave up: it closed its side of the connection (or answered
  // already). A handler that works long for an answer (or held the call)
  // may skip the work.
  bool peerGone() const;

 private:
  std::shared_ptr<Connection> connection_;
};

using Handler = std::function<void(Request&, Responder)>;

struct ServerOptions {
  size_t maxBodyBytes = 64 * 1024 * 1024;
  size_t maxHeaderBytes = 64 * 1024;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. port 0 picks a free port (see port()).
  Status listen(const std::string& ip, uint16_t port);
  uint16_t port() const;

  // Exact path match ("/api/v1/scheduler"). Later registrations of the same
  // path replace earlier ones.
  void route(const std::string& path, Handler handler);
  // Longest matching prefix wins when no exact route matches ("/files/").
  void routePrefix(const std::string& prefix, Handler handler);
  // Everything else; the default answers 404 with a plain-text reason.
  void fallback(Handler handler);

  // Stops accepting and closes every connection and stream.
  void stop();

  size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tepui::http
