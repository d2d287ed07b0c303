// A small SMTP server for tests, on loopback port 0 and the test's
// io_context: speaks enough of RFC 5321 (greeting, EHLO/HELO, AUTH PLAIN
// and LOGIN, MAIL FROM, RCPT TO, DATA, QUIT) and records every session:
// the command lines as received, the decoded credentials, the recipients,
// and the message with the dot-stuffing undone. Behaviours tests need are
// switches: which AUTH mechanisms EHLO offers, recipients to refuse, a
// number of sessions whose MAIL FROM gets "451", an old server refusing
// EHLO, and a silent mode that accepts connections and never says a word.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/json_internal.hpp"

namespace tepui::testing {

class SmtpTestServer {
 public:
  struct Session {
    std::vector<std::string> commands;  // every line the client sent outside DATA
    std::string authUser, authPassword;
    std::string mailFrom;
    std::vector<std::string> recipients;  // accepted ones
    std::string message;                  // after DATA, dot-stuffing undone, CRLF kept
    bool delivered = false;               // "250" sent after the message
  };

  std::string authMechanisms = "PLAIN LOGIN";  // "" = no AUTH line in EHLO
  std::set<std::string> refusedRecipients;     // answered "550"
  int transientMailFromFailures = 0;           // first N sessions: "451" to MAIL FROM
  bool silent = false;                         // never answer anything
  bool knowsEhlo = true;                       // false: "502" to EHLO (HELO works)

  explicit SmtpTestServer(boost::asio::io_context& io)
      : io_(io), acceptor_(io, {boost::asio::ip::address_v4::loopback(), 0}) {
    accept();
  }
  ~SmtpTestServer() { stop(); }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<Session>& sessions() const { return *sessions_; }
  size_t connections() const { return connections_; }
  size_t delivered() const {
    size_t n = 0;
    for (const auto& s : *sessions_) n += s.delivered ? 1 : 0;
    return n;
  }
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& socket : open_) socket->close(ignored);
  }

 private:
  using tcp = boost::asio::ip::tcp;

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      ++connections_;
      auto shared = std::make_shared<tcp::socket>(std::move(socket));
      open_.push_back(shared);
      if (!silent) {
        sessions_->emplace_back();
        boost::asio::co_spawn(io_, serve(shared, sessions_, sessions_->size() - 1), boost::asio::detached);
      }
      accept();
    });
  }

  static std::string decode(const std::string& b64) {
    std::string out;
    return json::base64Decode(b64, &out) ? out : "<not base64>";
  }

  // A session may outlive the server object: it keeps its records alive
  // through `all`, and reads the switches from `this` only before its first
  // suspension.
  boost::asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket, std::shared_ptr<std::vector<Session>> all,
                                     size_t index) {
    const std::string mechanisms = authMechanisms;
    const std::set<std::string> refused = refusedRecipients;
    const bool failMailFrom = static_cast<int>(index) < transientMailFromFailures;
    const bool ehlo = knowsEhlo;
    std::string buffer;
    boost::system::error_code ec;
    auto send = [&](std::string text) -> boost::asio::awaitable<void> {
      co_await boost::asio::async_write(*socket, boost::asio::buffer(text),
                                        boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    };
    auto line = [&]() -> boost::asio::awaitable<std::string> {
      size_t n = co_await boost::asio::async_read_until(*socket, boost::asio::dynamic_buffer(buffer), "\r\n",
                                                        boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      if (ec) co_return std::string();
      std::string got = buffer.substr(0, n - 2);
      buffer.erase(0, n);
      co_return got;
    };
    // By index: the vector grows as clients connect.
    auto record = [&]() -> Session& { return (*all)[index]; };
    co_await send("220 test ESMTP\r\n");
    while (!ec) {
      std::string command = co_await line();
      if (ec) break;
      record().commands.push_back(command);
      std::string verb = command.substr(0, command.find(' '));
      if (verb == "EHLO" && !ehlo) {
        co_await send("502 command not implemented\r\n");
      } else if (verb == "EHLO") {
        // (No conditional expression over temporaries in a coroutine: GCC 12
        // destroys such temporaries twice.)
        std::string auth;
        if (!mechanisms.empty()) auth = "250-AUTH " + mechanisms + "\r\n";
        co_await send("250-test\r\n" + auth + "250 8BITMIME\r\n");
      } else if (verb == "HELO") {
        co_await send("250 test\r\n");
      } else if (command.starts_with("AUTH PLAIN ")) {
        std::string plain = decode(command.substr(11));
        size_t second = plain.find('\0', 1);
        record().authUser = plain.substr(1, second - 1);
        record().authPassword = plain.substr(second + 1);
        co_await send("235 ok\r\n");
      } else if (command == "AUTH LOGIN") {
        co_await send("334 VXNlcm5hbWU6\r\n");
        std::string user = decode(co_await line());
        co_await send("334 UGFzc3dvcmQ6\r\n");
        std::string password = decode(co_await line());
        record().authUser = user;
        record().authPassword = password;
        co_await send("235 ok\r\n");
      } else if (command.starts_with("MAIL FROM:")) {
        if (failMailFrom) {
          co_await send("451 try again later\r\n");
        } else {
          record().mailFrom = command.substr(10);
          co_await send("250 ok\r\n");
        }
      } else if (command.starts_with("RCPT TO:")) {
        std::string to = command.substr(8);
        if (refused.contains(to)) {
          co_await send("550 no such user\r\n");
        } else {
          record().recipients.push_back(to);
          co_await send("250 ok\r\n");
        }
      } else if (verb == "DATA") {
        co_await send("354 go ahead\r\n");
        for (;;) {
          std::string data = co_await line();
          if (ec || data == ".") break;
          if (data.starts_with(".")) data.erase(0, 1);
          record().message += data + "\r\n";
        }
        record().delivered = !ec;
        co_await send("250 queued\r\n");
      } else if (verb == "QUIT") {
        co_await send("221 bye\r\n");
        break;
      } else {
        co_await send("500 unknown command\r\n");
      }
    }
    socket->close(ec);
  }

  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<std::vector<Session>> sessions_ = std::make_shared<std::vector<Session>>();
  std::vector<std::shared_ptr<tcp::socket>> open_;
  size_t connections_ = 0;
};

}  // namespace tepui::testing
