// The streaming response reader (see client_stream.hpp). Beast's
// buffer_body parser fills a fixed buffer from whatever has arrived, chunked
// or not, so each read hands over the bytes at hand without waiting for the
// body to end.
#include "http/client_stream.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/wire.hpp"

namespace tepui::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr size_t kPieceBytes = 64 * 1024;
// A refusal's body is for a human or an error message, never a stream.
constexpr size_t kMaxErrorBody = 1024 * 1024;
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

}  // namespace

StreamReader::StreamReader(asio::io_context& io, const Endpoint& endpoint, const std::string& source, Request request,
                           StreamCallbacks callbacks, std::chrono::milliseconds headTimeout)
    : endpoint_(endpoint),
      source_(source),
      socket_(io),
      resolver_(io),
      timer_(io),
      headTimeout_(headTimeout),
      wire_(toWire(endpoint, std::move(request))),
      piece_(std::make_unique_for_overwrite<char[]>(kPieceBytes)),
      callbacks_(std::move(callbacks)) {
  parser_.body_limit(boost::none);  // a stream may run for days
  parser_.header_limit(kMaxHeaderBytes);
}

void StreamReader::start() {
  auto self = shared_from_this();
  if (headTimeout_.count() > 0) {
    timer_.expires_after(headTimeout_);
    timer_.async_wait([self](error_code ec) {
      if (ec || self->done_ || self->headSeen_) return;
      self->end(Error("stream from " + self->endpoint_.str() + ": no response within " +
                      std::to_string(self->headTimeout_.count()) + " ms"));
    });
  }
  dial(socket_, resolver_, endpoint_, source_, [self](Status connected) {
    if (self->done_) return;
    if (!connected) return self->end(connected);
    bhttp::async_write(self->socket_, self->wire_, [self](error_code ec, size_t) {
      if (self->done_) return;
      if (ec) return self->end(Error("write to " + self->endpoint_.str() + ": " + ec.message()));
      self->readSome();
    });
  });
}

void StreamReader::readSome() {
  auto& body = parser_.get().body();
  body.data = piece_.get();
  body.size = kPieceBytes;
  body.more = true;
  bhttp::async_read_some(socket_, buffer_, parser_,
                         [self = shared_from_this()](error_code ec, size_t) { self->onRead(ec); });
}

void StreamReader::onRead(error_code ec) {
  process(ec);
  // Callbacks may hold the user's handle; once done, drop them so that
  // such a cycle does not outlive the stream.
  if (done_) callbacks_ = StreamCallbacks{};
}

void StreamReader::process(error_code ec) {
  if (done_) return;
  if (ec == bhttp::error::need_buffer) ec = {};  // the piece is full: hand it over
  size_t got = kPieceBytes - parser_.get().body().size;

  if (!headSeen_ && parser_.is_header_done()) {
    headSeen_ = true;
    timer_.cancel();
    int status = parser_.get().result_int();
    errorStatus_ = status < 200 || status >= 300;
    if (!errorStatus_) deliverHead({});
    if (done_) return;  // cancelled from onHead
  }
  if (got > 0) {
    if (errorStatus_) {
      if (errorBody_.size() + got > kMaxErrorBody) {
        return end(Error("stream from " + endpoint_.str() + ": error response body too large"));
      }
      errorBody_.append(piece_.get(), got);
    } else if (callbacks_.onData) {
      inCallback_ = true;
      callbacks_.onData(std::string_view(piece_.get(), got));
      inCallback_ = false;
      if (done_) return;
    }
  }
  if (ec) return end(Error(describeReadError(endpoint_, ec)));
  if (parser_.is_done()) {
    if (errorStatus_) deliverHead(std::move(errorBody_));
    return end(okStatus());
  }
  readSome();
}

void StreamReader::deliverHead(std::string body) {
  if (!callbacks_.onHead) return;
  Response head;
  head.status = parser_.get().result_int();
  head.headers = fromWire(parser_.get());
  head.body = std::move(body);
  inCallback_ = true;
  callbacks_.onHead(head);
  inCallback_ = false;
}

void StreamReader::end(Status status) {
  if (done_) return;
  auto callbacks = std::move(callbacks_);
  cancel();
  if (callbacks.onEnd) callbacks.onEnd(status);
}

void StreamReader::cancel() {
  if (done_) return;
  done_ = true;
  error_code ignored;
  timer_.cancel();
  resolver_.cancel();
  socket_.close(ignored);
  // From inside onHead or onData the running callback must outlive this
  // call; onRead drops them on return instead.
  if (!inCallback_) callbacks_ = StreamCallbacks{};
}

void StreamReader::abort(const Error& error) { end(error); }

}  // namespace tepui::http
