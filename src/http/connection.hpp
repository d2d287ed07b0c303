// Private to src/http: one accepted server connection. It reads requests
// one at a time, hands each to its server through a Responder, writes the
// answers in order from a single write queue, and carries at most one
// chunked Stream, after which it serves nothing else. Everything runs on the
// io_context thread.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/server.hpp"

namespace tepui::http {

// What a connection needs from the server that accepted it. The connection
// holds it weakly: a stopped or destroyed server dispatches nothing.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  virtual void dispatch(Request& request, Responder responder) = 0;
  virtual void forget(Connection* connection) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(boost::asio::ip::tcp::socket socket, std::weak_ptr<ConnectionHost> host, const ServerOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // Closes the socket at once, ending any stream (its onClose runs).
  void close();
  bool open() const { return state_ != State::Closed; }

  // The Responder's side: both are ignored unless a request awaits an answer.
  void respond(Response response);
  // Whether the peer has closed its side (or the socket failed), as far as
  // the kernel knows now; it does not consume anything.
  bool peerClosed();
  std::shared_ptr<Stream> startStream(const Response& head);

  // The Stream's side.
  bool streamWrite(std::string data);
  void streamEnd(bool notify);
  bool streamClosed() const { return state_ != State::Streaming; }
  void streamOnClose(std::function<void()> callback);
  size_t queuedBytes() const { return queuedBytes_; }
  const std::string& remote() const { return remote_; }

 private:
  enum class State { Reading, Handling, Streaming, Closing, Closed };

  void readRequest();
  void onHeader(boost::beast::error_code ec);
  void onRequest(boost::beast::error_code ec);
  bool readFailed(boost::beast::error_code ec);
  void reject(int status, std::string reason);
  void queue(std::string bytes);
  void flush();
  void finishWhenWritten();
  void linger();
  void watchPeer();
  void runOnClose();

  boost::asio::ip::tcp::socket socket_;
  std::weak_ptr<ConnectionHost> host_;
  ServerOptions options_;
  std::string remote_;
  State state_ = State::Reading;
  bool keepAlive_ = true;
  bool http10_ = false;
  bool headRequest_ = false;

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;

  // Serialized bytes waiting for the socket, and the batch being written.
  std::deque<std::string> queue_;
  std::vector<std::string> inflight_;
  size_t queuedBytes_ = 0;
  bool writing_ = false;
  bool shutdownSent_ = false;

  // While streaming or closing, a read stays pending to notice the peer
  // leaving; what it reads is discarded.
  std::array<char, 512> discard_{};
  bool watching_ = false;
  boost::asio::steady_timer lingerTimer_;
  std::function<void()> onClose_;
  bool onCloseRan_ = false;
};

}  // namespace tepui::http
