// One server connection (see connection.hpp): request parsing with Beast,
// response and chunk serialization into an ordered write queue, streams, and
// the Responder that ties a handler's answer back to its connection.
#include "http/connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <utility>

#include "common/logging.hpp"
#include "http/wire.hpp"

namespace tepui::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

// How long a closing connection waits for the peer to take our last answer
// and hang up. Closing with unread request bytes in the socket sends a reset
// that can destroy the answer before the peer reads it (a 413, say).
constexpr auto kLinger = std::chrono::seconds(2);

// Writes gather at most this many queued pieces into one system call.
constexpr size_t kMaxBatch = 64;

std::string_view reasonPhrase(int status) {
  auto known = bhttp::int_to_status(static_cast<unsigned>(status));
  if (known == bhttp::status::unknown) return "Unknown";
  auto reason = bhttp::obsolete_reason(known);
  return {reason.data(), reason.size()};
}

// Framing is ours to write; a handler's copy of these would contradict it.
bool isFramingHeader(const std::string& name) {
  return beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
         beast::iequals(name, "Connection");
}

bool isSafeHeader(const std::string& name, const std::string& value) {
  auto bad = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !name.empty() && name.find_first_of(": \t\r\n") == std::string::npos &&
         std::none_of(value.begin(), value.end(), bad);
}

std::string serializeHead(int status, const Headers& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out += reasonPhrase(status);
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    if (isFramingHeader(name)) continue;
    if (!isSafeHeader(name, value)) {
      TLOG(WARNING) << "Dropping response header '" << name << "' with a forbidden character";
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  return out;
}

bool hasNoBody(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

std::string describe(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

// A handle on the connection's stream. Dropping the last handle without
// close() ends the response cleanly but does not run onClose, so that an
// owner erasing its handle is not called back in the middle of the erase.
class StreamHandle final : public Stream {
 public:
  explicit StreamHandle(std::shared_ptr<Connection> connection) : c_(std::move(connection)) {}
  ~StreamHandle() override {
    if (c_) c_->streamEnd(false);
  }
  bool write(std::string data) override { return c_ && c_->streamWrite(std::move(data)); }
  void close() override {
    if (c_) c_->streamEnd(true);
  }
  bool closed() const override { return !c_ || c_->streamClosed(); }
  void onClose(std::function<void()> callback) override {
    if (c_) c_->streamOnClose(std::move(callback));
  }
  size_t queuedBytes() const override { return c_ ? c_->queuedBytes() : 0; }
  const std::string& remote() const override {
    static const std::string kNone;
    return c_ ? c_->remote() : kNone;
  }

 private:
  std::shared_ptr<Connection> c_;
};

}  // namespace

Connection::Connection(tcp::socket socket, std::weak_ptr<ConnectionHost> host, const ServerOptions& options)
    : socket_(std::move(socket)), host_(std::move(host)), options_(options), lingerTimer_(socket_.get_executor()) {
  beast::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  remote_ = ec ? "unknown" : describe(peer);
}

void Connection::start() { readRequest(); }

void Connection::readRequest() {
  state_ = State::Reading;
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(options_.maxHeaderBytes, std::numeric_limits<uint32_t>::max())));
  parser_->body_limit(options_.maxBodyBytes);
  // The header first, so that a client expecting "100 Continue" gets it and
  // an oversized body is refused before it is sent.
  bhttp::async_read_header(socket_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec, size_t) { self->onHeader(ec); });
}

bool Connection::readFailed(beast::error_code ec) {
  if (state_ != State::Reading) return true;  // closed meanwhile, even if the read succeeded
  if (!ec) return false;
  if (ec == bhttp::error::body_limit) {
    reject(413, "Request body exceeds the limit of " + std::to_string(options_.maxBodyBytes) + " bytes");
  } else if (ec == bhttp::error::header_limit) {
    reject(431, "Request header exceeds the limit of " + std::to_string(options_.maxHeaderBytes) + " bytes");
  } else if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) {
    close();
  } else if (isParseError(ec)) {
    reject(400, "Malformed request: " + ec.message());
  } else {
    close();  // reset, aborted: nobody to answer
  }
  return true;
}

void Connection::onHeader(beast::error_code ec) {
  if (readFailed(ec)) return;
  auto expect = parser_->get()[bhttp::field::expect];
  if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
    queue("HTTP/1.1 100 Continue\r\n\r\n");
    flush();
  }
  if (parser_->is_done()) return onRequest({});
  bhttp::async_read(socket_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code e, size_t) { self->onRequest(e); });
}

void Connection::onRequest(beast::error_code ec) {
  if (readFailed(ec)) return;
  auto message = parser_->release();

  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  std::string_view target = request.target;
  size_t question = target.find('?');
  auto path = percentDecode(target.substr(0, question), false);
  if (!path) return reject(400, "Malformed percent-encoding in the request path");
  request.path = std::move(*path);
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    request.query = parseQuery(query.substr(0, query.find('#')));
  }
  request.headers = fromWire(message);
  request.body = std::move(message.body());
  request.remote = remote_;

  keepAlive_ = message.keep_alive();
  http10_ = message.version() < 11;
  headRequest_ = message.method() == bhttp::verb::head;
  state_ = State::Handling;

  auto host = host_.lock();
  if (!host) return close();
  host->dispatch(request, Responder(shared_from_this()));
}

void Connection::reject(int status, std::string reason) {
  TLOG(INFO) << "Rejecting a request from " << remote_ << " with " << status << ": " << reason;
  keepAlive_ = false;
  headRequest_ = false;
  state_ = State::Handling;
  respond(Response::text(status, std::move(reason)));
}

void Connection::respond(Response response) {
  if (state_ != State::Handling) return;
  auto connection = response.header("Connection");
  if (connection && beast::iequals(*connection, "close")) keepAlive_ = false;

  std::string head = serializeHead(response.status, response.headers);
  bool bodyless = hasNoBody(response.status);
  if (!bodyless) head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (!keepAlive_) {
    head += "Connection: close\r\n";
  } else if (http10_) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  queue(std::move(head));
  if (!bodyless && !headRequest_ && !response.body.empty()) queue(std::move(response.body));
  flush();

  if (keepAlive_) {
    readRequest();
  } else {
    finishWhenWritten();
  }
}

std::shared_ptr<Stream> Connection::startStream(const Response& head) {
  auto handle = std::make_shared<StreamHandle>(shared_from_this());
  if (state_ != State::Handling) return handle;  // already closed: a closed stream
  std::string bytes = serializeHead(head.status, head.headers);
  // The connection is dedicated to the stream and ends with it.
  bytes += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  queue(std::move(bytes));
  flush();
  state_ = State::Streaming;
  watchPeer();
  return handle;
}

bool Connection::streamWrite(std::string data) {
  if (state_ != State::Streaming) return false;
  if (data.empty()) return true;  // a zero-length chunk would end the body
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  queue(size);
  queue(std::move(data));
  queue("\r\n");
  flush();
  return true;
}

void Connection::streamEnd(bool notify) {
  if (state_ != State::Streaming) return;
  if (!notify) onClose_ = nullptr;
  queue("0\r\n\r\n");
  flush();
  finishWhenWritten();
  runOnClose();
}

void Connection::streamOnClose(std::function<void()> callback) {
  if (state_ == State::Streaming) {
    onClose_ = std::move(callback);
  } else if (callback) {
    // Already over: still tell the owner, but not from inside its own setup.
    asio::post(socket_.get_executor(), std::move(callback));
  }
}

void Connection::queue(std::string bytes) {
  queuedBytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
}

void Connection::flush() {
  if (writing_ || state_ == State::Closed) return;
  if (queue_.empty()) {
    if (state_ == State::Closing && !shutdownSent_) linger();
    return;
  }
  inflight_.clear();
  std::vector<asio::const_buffer> buffers;
  while (!queue_.empty() && inflight_.size() < kMaxBatch) {
    inflight_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  buffers.reserve(inflight_.size());
  for (const auto& piece : inflight_) buffers.emplace_back(piece.data(), piece.size());
  writing_ = true;
  asio::async_write(socket_, buffers, [self = shared_from_this()](beast::error_code ec, size_t written) {
    self->writing_ = false;
    if (self->state_ == State::Closed) return;
    if (ec) return self->close();
    self->queuedBytes_ -= written;
    self->flush();
  });
}

void Connection::finishWhenWritten() {
  state_ = State::Closing;
  flush();
}

void Connection::linger() {
  shutdownSent_ = true;
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  lingerTimer_.expires_after(kLinger);
  lingerTimer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->close();
  });
  watchPeer();  // the peer's end of stream closes at once
}

void Connection::watchPeer() {
  if (watching_ || state_ == State::Closed) return;
  watching_ = true;
  socket_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
    self->watching_ = false;
    if (self->state_ == State::Closed) return;
    if (ec) return self->close();
    self->watchPeer();
  });
}

void Connection::close() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  beast::error_code ignored;
  socket_.close(ignored);
  lingerTimer_.cancel();
  // Pending operations still refer to the parser, buffers and inflight_;
  // they are released with the connection once those operations finish.
  queue_.clear();
  queuedBytes_ = 0;
  if (auto host = host_.lock()) host->forget(this);
  runOnClose();
}

void Connection::runOnClose() {
  if (onCloseRan_) return;
  onCloseRan_ = true;
  auto callback = std::move(onClose_);
  onClose_ = nullptr;
  if (callback) callback();
}

// Responder -------------------------------------------------------------

Responder::Responder(std::shared_ptr<Connection> connection) : connection_(std::move(connection)) {}

Responder::Responder(Responder&& other) noexcept : connection_(std::move(other.connection_)) {}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    Responder replaced(std::move(*this));  // answers 500 if it never answered
    connection_ = std::move(other.connection_);
  }
  return *this;
}

Responder::~Responder() {
  if (auto connection = std::exchange(connection_, nullptr)) {
    connection->respond(Response::text(500, "Handler did not respond"));
  }
}

bool Connection::peerClosed() {
  if (state_ == State::Closed || !socket_.is_open()) return true;
  char byte;
  ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool Responder::peerGone() const { return !connection_ || connection_->peerClosed(); }

void Responder::respond(Response response) {
  if (auto connection = std::exchange(connection_, nullptr)) connection->respond(std::move(response));
}

std::shared_ptr<Stream> Responder::stream(Response head) {
  auto connection = std::exchange(connection_, nullptr);
  if (!connection) return std::make_shared<StreamHandle>(nullptr);
  return connection->startStream(head);
}

}  // namespace tepui::http
