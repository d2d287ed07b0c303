// The pooled HTTP client (see client.hpp): one PooledConnection per
// in-flight request, idle keep-alive connections kept per endpoint, and the
// blocking fetch() helper.
#include "http/client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "http/client_stream.hpp"
#include "http/wire.hpp"

namespace tepui::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kMaxIdlePerEndpoint = 8;
constexpr uint64_t kMaxResponseBody = 256ull * 1024 * 1024;
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

// One connection to one endpoint, carrying one exchange at a time. Handlers
// of an exchange that already finished (by timeout, say) find a different
// generation and do nothing.
class PooledConnection : public std::enable_shared_from_this<PooledConnection> {
 public:
  using Done = std::function<void(Result<Response>, bool reusable)>;

  PooledConnection(asio::io_context& io, Endpoint endpoint, const std::string& source)
      : endpoint_(std::move(endpoint)), source_(source), socket_(io), resolver_(io), timer_(io) {}

  void start(Request request, RequestOptions options, Done done) {
    ++generation_;
    busy_ = true;
    done_ = std::move(done);
    wire_ = toWire(endpoint_, std::move(request));
    if (options.timeout.count() > 0) {
      timer_.expires_after(options.timeout);
      timer_.async_wait([self = shared_from_this(), gen = generation_, ms = options.timeout.count()](error_code ec) {
        if (ec || self->stale(gen)) return;
        self->finish(Error("request to " + self->endpoint_.str() + " timed out after " + std::to_string(ms) + " ms"));
      });
    }
    if (socket_.is_open()) {
      error_code ignored;
      socket_.cancel(ignored);  // ends the idle watch
      return send();
    }
    dial(socket_, resolver_, endpoint_, source_, [self = shared_from_this(), gen = generation_](Status connected) {
      if (self->stale(gen)) return;
      if (!connected) return self->finish(connected.error());
      self->send();
    });
  }

  // While idle, the socket becoming readable means the server closed it (or
  // sent bytes nobody asked for): either way it is no longer reusable.
  void watchIdle() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this(), gen = generation_](error_code ec) {
      if (ec || self->busy_ || gen != self->generation_) return;
      error_code ignored;
      self->socket_.close(ignored);
    });
  }

  bool usable() const { return socket_.is_open(); }

  void abort(const Error& error) { finish(error); }

  // Closes without running the callback.
  void abandon() {
    done_ = nullptr;
    busy_ = false;
    close();
  }

 private:
  bool stale(uint64_t gen) const { return !busy_ || gen != generation_; }

  void send() {
    bhttp::async_write(socket_, wire_, [self = shared_from_this(), gen = generation_](error_code ec, size_t) {
      if (self->stale(gen)) return;
      if (ec) return self->finish(Error("write to " + self->endpoint_.str() + ": " + ec.message()));
      self->receive();
    });
  }

  void receive() {
    parser_.emplace();
    parser_->body_limit(kMaxResponseBody);
    parser_->header_limit(kMaxHeaderBytes);
    if (wire_.method() == bhttp::verb::head) parser_->skip(true);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this(), gen = generation_](error_code ec, size_t) {
                        if (self->stale(gen)) return;
                        if (ec) return self->finish(Error(describeReadError(self->endpoint_, ec)));
                        // Bytes beyond the response would be mistaken for the next one.
                        bool reusable = self->parser_->keep_alive() && self->buffer_.size() == 0;
                        auto message = self->parser_->release();
                        Response response;
                        response.status = message.result_int();
                        response.headers = fromWire(message);
                        response.body = std::move(message.body());
                        self->finish(std::move(response), reusable);
                      });
  }

  void finish(Result<Response> result, bool reusable = false) {
    if (!busy_) return;
    busy_ = false;
    timer_.cancel();
    if (!reusable) close();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result), reusable);
  }

  void close() {
    error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    socket_.close(ignored);
  }

  Endpoint endpoint_;
  std::string source_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> wire_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
  Done done_;
  bool busy_ = false;
  uint64_t generation_ = 0;
};

}  // namespace

struct Client::Impl : std::enable_shared_from_this<Client::Impl> {
  Impl(asio::io_context& context, ClientOptions clientOptions) : io(context), options(std::move(clientOptions)) {}

  asio::io_context& io;
  ClientOptions options;
  std::map<std::string, std::vector<std::shared_ptr<PooledConnection>>> idle;
  std::unordered_map<PooledConnection*, std::shared_ptr<PooledConnection>> busy;
  std::vector<std::weak_ptr<StreamReader>> streams;
  size_t compactStreamsAt = 64;  // ended streams are swept when the list reaches this (amortized O(1) per open)

  std::shared_ptr<PooledConnection> take(const Endpoint& endpoint) {
    auto& list = idle[endpoint.str()];
    while (!list.empty()) {
      auto connection = std::move(list.back());  // the most recently used is likeliest alive
      list.pop_back();
      if (connection->usable()) return connection;
    }
    return std::make_shared<PooledConnection>(io, endpoint, options.sourceAddress);
  }

  void release(const std::string& key, PooledConnection* raw, bool reusable) {
    auto it = busy.find(raw);
    if (it == busy.end()) return;  // shut down meanwhile
    auto connection = std::move(it->second);
    busy.erase(it);
    if (!reusable) return;
    auto& list = idle[key];
    std::erase_if(list, [](const auto& c) { return !c->usable(); });
    if (list.size() >= kMaxIdlePerEndpoint) return;  // dropping it closes it
    connection->watchIdle();
    list.push_back(std::move(connection));
  }

  // With a reason, outstanding calls and streams end with it; without, they
  // end silently (the client is being destroyed).
  void closeAll(const std::optional<Error>& reason) {
    for (auto& [key, list] : idle) {
      for (auto& connection : list) connection->abandon();
    }
    idle.clear();
    auto active = std::move(busy);
    busy.clear();
    for (auto& [raw, connection] : active) reason ? connection->abort(*reason) : connection->abandon();
    auto readers = std::move(streams);
    streams.clear();
    for (auto& weak : readers) {
      if (auto reader = weak.lock()) reason ? reader->abort(*reason) : reader->cancel();
    }
  }
};

Client::Client(asio::io_context& io, ClientOptions options) : impl_(std::make_shared<Impl>(io, std::move(options))) {}

Client::~Client() { impl_->closeAll(std::nullopt); }

void Client::request(const Endpoint& endpoint, Request request, Callback done, RequestOptions options) {
  auto connection = impl_->take(endpoint);
  impl_->busy.emplace(connection.get(), connection);
  connection->start(std::move(request), options,
                    [weak = std::weak_ptr<Impl>(impl_), key = endpoint.str(), raw = connection.get(),
                     done = std::move(done)](Result<Response> result, bool reusable) {
                      // Back in the pool first, so that `done` may reuse it.
                      if (auto impl = weak.lock()) impl->release(key, raw, reusable);
                      if (done) done(std::move(result));
                    });
}

std::shared_ptr<ClientStream> Client::openStream(const Endpoint& endpoint, Request request, StreamCallbacks callbacks,
                                                 std::chrono::milliseconds connectTimeout) {
  auto reader = std::make_shared<StreamReader>(impl_->io, endpoint, impl_->options.sourceAddress, std::move(request),
                                               std::move(callbacks), connectTimeout);
  auto& streams = impl_->streams;
  if (streams.size() >= impl_->compactStreamsAt) {
    std::erase_if(streams, [](const auto& weak) { return weak.expired(); });
    impl_->compactStreamsAt = std::max<size_t>(64, 2 * streams.size());
  }
  streams.push_back(reader);
  reader->start();
  return std::make_shared<StreamHandle>(std::move(reader));
}

void Client::shutdown() { impl_->closeAll(Error("client shut down")); }

Result<Response> fetch(const Endpoint& endpoint, Request request, std::chrono::milliseconds timeout) {
  asio::io_context io;
  std::optional<Result<Response>> result;
  {
    Client client(io);
    client.request(
        endpoint, std::move(request), [&result](Result<Response> r) { result.emplace(std::move(r)); },
        RequestOptions{timeout});
    // Not io.run(): the pooled connection's idle watch would keep it busy.
    while (!result && io.run_one() > 0) {
    }
  }
  if (!result) return Error("request to " + endpoint.str() + " did not complete");
  return std::move(*result);
}

}  // namespace tepui::http
