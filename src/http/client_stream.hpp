// Private to src/http: the reader behind Client::openStream(). It owns a
// dedicated connection and hands the response body to its callbacks piece by
// piece as bytes arrive. Pending operations keep it alive; the user holds a
// ClientStream handle whose destruction cancels it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "http/client.hpp"

namespace tepui::http {

class StreamReader : public std::enable_shared_from_this<StreamReader> {
 public:
  StreamReader(boost::asio::io_context& io, const Endpoint& endpoint, const std::string& source, Request request,
               StreamCallbacks callbacks, std::chrono::milliseconds headTimeout);
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  void start();
  // No callback runs after cancel().
  void cancel();
  // Ends the stream now with onEnd(error).
  void abort(const Error& error);

 private:
  void readSome();
  void onRead(boost::system::error_code ec);
  void process(boost::system::error_code ec);
  void end(Status status);
  void deliverHead(std::string body);

  Endpoint endpoint_;
  std::string source_;  // bound before connecting, unless empty
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds headTimeout_;
  boost::beast::http::request<boost::beast::http::string_body> wire_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::unique_ptr<char[]> piece_;  // kPieceBytes, left uninitialized: a stream's pages are touched only as data comes
  StreamCallbacks callbacks_;
  bool headSeen_ = false;
  bool errorStatus_ = false;  // non-2xx: the body is collected for onHead
  std::string errorBody_;
  bool done_ = false;
  bool inCallback_ = false;
};

// What openStream() returns: cancels the reader when dropped.
class StreamHandle final : public ClientStream {
 public:
  explicit StreamHandle(std::shared_ptr<StreamReader> reader) : reader_(std::move(reader)) {}
  ~StreamHandle() override { reader_->cancel(); }
  void cancel() override { reader_->cancel(); }

 private:
  std::shared_ptr<StreamReader> reader_;
};

}  // namespace tepui::http
