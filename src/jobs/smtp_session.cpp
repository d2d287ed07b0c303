#include "jobs/smtp_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "common/logging.hpp"
#include "jobs/base64.hpp"

namespace tepui::jobs {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kMaxReplyBytes = 64 * 1024;
constexpr size_t kMaxReplyLines = 200;

struct Reply {
  int code = 0;
  std::vector<std::string> lines;  // the text after "250-" / "250 "

  std::string text() const {
    std::string out = std::to_string(code);
    for (const auto& line : lines) out += " " + line;
    return out;
  }
};

// The outcome for a reply of the wrong class: 4xx may pass later, 5xx not,
// anything else is a server we do not understand (retried, like an I/O
// error).
DeliveryOutcome refused(std::string_view step, const Reply& reply) {
  std::string why = std::string(step) + ": " + reply.text();
  if (reply.code >= 500 && reply.code < 600) return DeliveryOutcome::permanent(why);
  return DeliveryOutcome::transient(why);
}

bool offersAuth(const Reply& ehlo, std::string_view mechanism) {
  for (const auto& line : ehlo.lines) {
    std::string upper;
    for (char c : line) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!upper.starts_with("AUTH ") && !upper.starts_with("AUTH=")) continue;
    std::string_view rest = std::string_view(upper).substr(5);
    while (!rest.empty()) {
      size_t space = rest.find(' ');
      if (rest.substr(0, space) == mechanism) return true;
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  return false;
}

class Session final : public SmtpSession, public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, SmtpServer server, SmtpEnvelope envelope, Done done)
      : io_(io),
        server_(std::move(server)),
        envelope_(std::move(envelope)),
        done_(std::move(done)),
        resolver_(io),
        socket_(io),
        timer_(io) {}

  void begin() { asio::co_spawn(io_, run(shared_from_this()), asio::detached); }

  void cancel() override {
    finished_ = true;
    done_ = nullptr;
    close();
  }
  bool finished() const override { return finished_; }

 private:
  using Step = std::optional<DeliveryOutcome>;  // nullopt: go on

  asio::awaitable<void> run(std::shared_ptr<Session> self) {
    DeliveryOutcome outcome = co_await converse();
    self->finish(std::move(outcome));
  }

  asio::awaitable<DeliveryOutcome> converse() {
    if (Step failed = co_await connect()) co_return *failed;
    Reply reply;
    if (Step failed = co_await exchange("", "greeting", 2, &reply)) co_return *failed;
    if (Step failed = co_await exchange("EHLO " + server_.heloName, "EHLO", 2, &reply)) {
      if (failed->result != DeliveryOutcome::Result::kPermanent) co_return *failed;
      // An old server that knows only HELO: no extensions, so no AUTH.
      if (Step again = co_await exchange("HELO " + server_.heloName, "HELO", 2, &reply)) co_return *again;
      reply.lines.clear();
    }
    if (!server_.user.empty()) {
      if (Step failed = co_await authenticate(reply)) co_return *failed;
    }
    if (Step failed = co_await exchange("MAIL FROM:<" + envelope_.from + ">", "MAIL FROM", 2)) co_return *failed;
    if (Step failed = co_await recipients()) co_return *failed;
    if (Step failed = co_await exchange("DATA", "DATA", 3)) co_return *failed;
    if (Step failed = co_await exchange(envelope_.data + ".", "end of data", 2)) co_return *failed;
    (void)co_await exchange("QUIT", "QUIT", 2);
    co_return DeliveryOutcome::delivered();
  }

  asio::awaitable<Step> connect() {
    error_code ec;
    arm("resolving " + server_.endpoint.host);
    auto results = co_await resolver_.async_resolve(server_.endpoint.host, std::to_string(server_.endpoint.port),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ioFailure("resolving " + server_.endpoint.host, ec);
    arm("connecting to " + server_.endpoint.str());
    co_await asio::async_connect(socket_, results, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ioFailure("connecting to " + server_.endpoint.str(), ec);
    co_return std::nullopt;
  }

  asio::awaitable<Step> authenticate(const Reply& ehlo) {
    if (offersAuth(ehlo, "PLAIN")) {
      std::string token = base64(std::string(1, '\0') + server_.user + std::string(1, '\0') + server_.password);
      co_return co_await exchange("AUTH PLAIN " + token, "AUTH PLAIN", 2);
    }
    if (offersAuth(ehlo, "LOGIN")) {
      if (Step failed = co_await exchange("AUTH LOGIN", "AUTH LOGIN", 3)) co_return failed;
      if (Step failed = co_await exchange(base64(server_.user), "AUTH LOGIN user", 3)) co_return failed;
      co_return co_await exchange(base64(server_.password), "AUTH LOGIN password", 2);
    }
    co_return DeliveryOutcome::permanent(
        "a user is configured but the server offers neither AUTH PLAIN nor AUTH LOGIN");
  }

  // RCPT TO for each recipient; the mail goes on while at least one is
  // accepted.
  asio::awaitable<Step> recipients() {
    std::optional<DeliveryOutcome> firstRefusal;
    size_t accepted = 0;
    for (const auto& to : envelope_.recipients) {
      Step failed = co_await exchange("RCPT TO:<" + to + ">", "RCPT TO:<" + to + ">", 2);
      if (!failed) {
        ++accepted;
        continue;
      }
      if (!socket_.is_open()) co_return failed;  // I/O error or timeout: the session is over
      TLOG(WARNING) << "mail to " << server_.endpoint.str() << ": recipient refused: " << failed->reason;
      if (!firstRefusal) firstRefusal = std::move(failed);
    }
    if (accepted == 0) {
      if (firstRefusal) co_return firstRefusal;
      co_return DeliveryOutcome::permanent("no recipients");
    }
    co_return std::nullopt;
  }

  // Sends `line` (unless empty) with CRLF, then reads the reply, which must
  // be of class `expectedClass` (2 or 3).
  asio::awaitable<Step> exchange(const std::string& line, std::string_view step, int expectedClass,
                                 Reply* out = nullptr) {
    error_code ec;
    if (!line.empty()) {
      arm("sending " + std::string(step));
      std::string bytes = line + "\r\n";
      co_await asio::async_write(socket_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return ioFailure(std::string(step), ec);
    }
    Reply reply;
    if (Step failed = co_await readReply(step, &reply)) co_return failed;
    if (out) *out = reply;
    if (reply.code / 100 != expectedClass) co_return refused(step, reply);
    co_return std::nullopt;
  }

  // One reply: lines "250-..." continued until "250 ..." (or "250").
  asio::awaitable<Step> readReply(std::string_view step, Reply* reply) {
    arm("waiting for the reply to " + std::string(step));
    for (size_t count = 0; count < kMaxReplyLines; ++count) {
      error_code ec;
      size_t n = co_await asio::async_read_until(socket_, asio::dynamic_buffer(buffer_, kMaxReplyBytes), "\r\n",
                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return ioFailure("the reply to " + std::string(step), ec);
      std::string line = buffer_.substr(0, n - 2);
      buffer_.erase(0, n);
      bool digits = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                    std::isdigit(static_cast<unsigned char>(line[1])) &&
                    std::isdigit(static_cast<unsigned char>(line[2]));
      bool more = line.size() > 3 && line[3] == '-';
      if (!digits || (line.size() > 3 && line[3] != ' ' && !more)) {
        close();
        co_return DeliveryOutcome::transient(std::string(step) + ": not an SMTP reply: '" + line.substr(0, 80) + "'");
      }
      int code = std::stoi(line.substr(0, 3));
      if (count > 0 && code != reply->code) {
        close();
        co_return DeliveryOutcome::transient(std::string(step) + ": reply lines with different codes");
      }
      reply->code = code;
      std::string text;
      if (line.size() > 4) text = line.substr(4);
      reply->lines.push_back(std::move(text));
      if (!more) {
        timer_.cancel();
        co_return std::nullopt;
      }
    }
    close();
    co_return DeliveryOutcome::transient(std::string(step) + ": reply longer than " + std::to_string(kMaxReplyLines) +
                                         " lines");
  }

  // Starts the deadline of the step about to run; when it passes, the
  // socket is closed and the pending operation fails.
  void arm(std::string step) {
    timer_.expires_after(server_.stepTimeout);
    std::weak_ptr<Session> weak = weak_from_this();
    timer_.async_wait([weak, step = std::move(step)](error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->timedOut_ = step;
      self->close();
    });
  }

  DeliveryOutcome ioFailure(const std::string& step, const error_code& ec) {
    close();
    if (!timedOut_.empty()) {
      return DeliveryOutcome::transient("timed out after " + std::to_string(server_.stepTimeout.count()) + "ms " +
                                        timedOut_);
    }
    return DeliveryOutcome::transient(step + ": " + ec.message());
  }

  void close() {
    timer_.cancel();
    resolver_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void finish(DeliveryOutcome outcome) {
    close();
    if (finished_) return;
    finished_ = true;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(outcome));
  }

  asio::io_context& io_;
  SmtpServer server_;
  SmtpEnvelope envelope_;
  Done done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string buffer_;
  std::string timedOut_;  // the step whose deadline passed, "" if none
  bool finished_ = false;
};

}  // namespace

std::shared_ptr<SmtpSession> SmtpSession::start(asio::io_context& io, const SmtpServer& server, SmtpEnvelope envelope,
                                                Done done) {
  auto session = std::make_shared<Session>(io, server, std::move(envelope), std::move(done));
  session->begin();
  return session;
}

}  // namespace tepui::jobs
