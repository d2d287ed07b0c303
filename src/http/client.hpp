// An asynchronous HTTP/1.1 client on Boost.Asio + Boost.Beast, for the
// daemon's event loop: callbacks run on the io_context's thread. Keeps a
// small pool of keep-alive connections per endpoint so that a stream of
// calls (status updates, acknowledgements) does not pay a connect each.
//
// Two shapes: request() for a whole response, and openStream() for a
// long-lived response read piece by piece (the RecordIO event streams).
// Errors (refused, reset, timeout, malformed response) come back as Error
// values, never exceptions.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "http/message.hpp"

namespace tepui::http {

struct RequestOptions {
  std::chrono::milliseconds timeout{30000};  // whole exchange, 0 = none
};

// A streaming response being read. Destroying or cancel()ling it closes the
// connection; no callback runs after that.
class ClientStream {
 public:
  virtual ~ClientStream() = default;
  virtual void cancel() = 0;
};

struct StreamCallbacks {
  // The status line and headers; for a non-2xx status the whole body is read
  // first and passed in response.body, and onData is not called.
  std::function<void(const Response& head)> onHead;
  // Each piece of the body as it arrives (chunk boundaries carry no meaning).
  std::function<void(std::string_view data)> onData;
  // Exactly once at the end: ok when the server ended the body, an Error
  // for a connect failure, reset, or malformed response.
  std::function<void(const Status& status)> onEnd;
};

struct ClientOptions {
  // An IP literal every connection is bound to before it connects (empty:
  // the kernel's choice). The port stays the kernel's, chosen per
  // destination. Many clients on one host can spread their connections over
  // several loopback addresses (all of 127/8 on Linux), so that connect()
  // does not search one crowded ephemeral port range. Only servers reachable
  // from that address (and of its family) can be dialled; a source not on
  // this host fails each call with an Error.
  std::string sourceAddress;
};

class Client {
 public:
  explicit Client(boost::asio::io_context& io, ClientOptions options = {});
  // Closes every connection and stream without running their callbacks.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  using Callback = std::function<void(Result<Response>)>;

  // Sends `request` (method, target, headers, body; Host and Content-Length
  // are filled in) to `endpoint` and calls `done` once.
  void request(const Endpoint& endpoint, Request request, Callback done, RequestOptions options = {});

  // Opens a dedicated connection for a long-lived response.
  std::shared_ptr<ClientStream> openStream(const Endpoint& endpoint, Request request, StreamCallbacks callbacks,
                                           std::chrono::milliseconds connectTimeout = std::chrono::milliseconds(10000));

  // Closes pooled connections; outstanding calls and streams end with an
  // Error (synchronously, inside this call). The client stays usable.
  void shutdown();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A blocking convenience for command-line tools and tests (runs its own
// io_context): one request, one response.
Result<Response> fetch(const Endpoint& endpoint, Request request,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace tepui::http
