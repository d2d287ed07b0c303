// One SMTP conversation (RFC 5321) over plain TCP on the io_context:
// connect, read the 220 greeting, EHLO (HELO when EHLO is refused),
// AUTH PLAIN or LOGIN when a user is configured (whichever the server's
// EHLO offers, PLAIN first), MAIL FROM, RCPT TO per recipient, DATA with
// the composed message (smtp_message.hpp), QUIT.
//
// Guarantees: never blocks the loop; each step (connect, each reply) has
// its own deadline, `stepTimeout`; `done` runs exactly once, unless
// cancel() ran first, after which it never runs. The outcome is
//   - delivered once the server accepted the message (250 after DATA;
//     QUIT's answer does not matter);
//   - transient for a resolve, connect or I/O error, a timeout, a 4xx
//     reply, or a reply that is not SMTP;
//   - permanent for a 5xx reply (including every recipient refused; some
//     refused is logged and the rest still get the mail), or a user set
//     while the server offers neither AUTH PLAIN nor AUTH LOGIN.
// Not done: STARTTLS and SMTPS (no TLS: credentials cross the network in
// the clear; use a relay on a trusted network or localhost).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "jobs/notification_channel.hpp"

namespace tepui::jobs {

struct SmtpServer {
  http::Endpoint endpoint;  // host:port
  std::string user;         // "" = no AUTH
  std::string password;
  std::string heloName = "localhost";  // the name given in EHLO/HELO
  std::chrono::milliseconds stepTimeout{30000};
};

struct SmtpEnvelope {
  std::string from;                     // MAIL FROM
  std::vector<std::string> recipients;  // RCPT TO, at least one
  std::string data;                     // composeMail()'s output
};

class SmtpSession {
 public:
  using Done = std::function<void(DeliveryOutcome)>;
  // Starts the conversation; the returned handle may be kept to cancel it
  // (the session keeps itself alive until it ends).
  static std::shared_ptr<SmtpSession> start(boost::asio::io_context& io, const SmtpServer& server,
                                            SmtpEnvelope envelope, Done done);
  virtual ~SmtpSession() = default;
  virtual void cancel() = 0;
  virtual bool finished() const = 0;
};

}  // namespace tepui::jobs
