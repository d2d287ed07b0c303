// The e-mail channel (--mail_server, --mail_from, --mail_user,
// --mail_password): each notification is one mail to every address in
// the job's `owner`, through the configured SMTP server (smtp_session.hpp),
// subject notificationSubject(), body notificationText().
//
// A notification whose owner lists no usable address is not for this
// channel (accepts() is false); unusable addresses among good ones are
// logged and skipped. Destroying the channel cancels the sessions in
// flight: their completions never run.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "jobs/notification_channel.hpp"
#include "jobs/smtp_session.hpp"

namespace tepui::jobs {

struct MailOptions {
  std::string server;  // "host:port" (port 25 when left out)
  std::string from;    // the sender address, required
  std::string user;    // "" = no AUTH
  std::string password;
  std::string heloName = "localhost";
  std::chrono::milliseconds stepTimeout{30000};
};

class MailChannel : public NotificationChannel {
 public:
  // An error names the option that is wrong.
  static Result<std::unique_ptr<MailChannel>> make(boost::asio::io_context& io, const MailOptions& options);
  ~MailChannel() override;

  const std::string& name() const override { return name_; }
  bool accepts(const Notification& n) const override;
  void attempt(const Notification& n, std::function<void(DeliveryOutcome)> done) override;

 private:
  MailChannel(boost::asio::io_context& io, SmtpServer server, std::string from);

  std::string name_ = "mail";
  boost::asio::io_context& io_;
  SmtpServer server_;
  std::string from_;
  std::vector<std::shared_ptr<SmtpSession>> sessions_;  // in flight (finished ones pruned)
};

}  // namespace tepui::jobs
