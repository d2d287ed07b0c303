#include "jobs/notifier_flags.hpp"

#include <utility>
#include <vector>

#include "jobs/mail_channel.hpp"
#include "jobs/webhook.hpp"

namespace tepui::jobs {
namespace {

std::chrono::milliseconds millis(Seconds s) { return std::chrono::duration_cast<std::chrono::milliseconds>(s); }

}  // namespace

void addNotifierFlags(FlagSet& flags, NotifierFlags* v) {
  flags.add("http_notification_url", &v->httpUrl, "POST a JSON notification to this http:// URL");
  flags.add("http_notification_credentials", &v->httpCredentials,
            "user:password for the notification URL (HTTP basic authentication)");
  flags.add("mail_server", &v->mailServer, "host[:port] of the SMTP server notifications are mailed through");
  flags.add("mail_from", &v->mailFrom, "the sender address of notification mails");
  flags.add("mail_user", &v->mailUser, "SMTP user (AUTH PLAIN or LOGIN; sent without TLS)");
  flags.add("mail_password", &v->mailPassword, "SMTP password");
  flags.add("notify_on_success", &v->notifyOnSuccess, "also notify owners when a run succeeds");
  flags.add("notification_attempts", &v->attempts, "attempts per notification and channel, the first included");
  flags.add("notification_backoff", &v->backoff, "delay before the first retry of a notification; doubles each retry");
  flags.add("notification_max_backoff", &v->maxBackoff, "longest delay between retries of a notification");
  flags.add("notification_timeout", &v->timeout, "deadline of one webhook attempt and of each SMTP step");
  flags.add("notification_queue_size", &v->queueSize,
            "notifications waiting per channel; the oldest is dropped when full");
}

Result<std::unique_ptr<Notifier>> makeNotifier(boost::asio::io_context& io, const NotifierFlags& f) {
  if (f.attempts < 1) return Error("--notification_attempts: must be at least 1");
  if (f.queueSize < 1) return Error("--notification_queue_size: must be at least 1");
  if (f.backoff.count() < 0) return Error("--notification_backoff: must not be negative");
  if (f.maxBackoff < f.backoff) return Error("--notification_max_backoff: must be at least --notification_backoff");
  if (f.timeout.count() <= 0) return Error("--notification_timeout: must be positive");

  NotifierOptions options;
  if (f.notifyOnSuccess) options.kinds.insert(NotificationKind::kSucceeded);
  options.queueCapacity = static_cast<size_t>(f.queueSize);
  options.backoff = RetryBackoff{f.attempts, millis(f.backoff), millis(f.maxBackoff)};

  std::vector<std::unique_ptr<NotificationChannel>> channels;
  if (!f.httpUrl.empty()) {
    auto webhook = WebhookChannel::make(io, WebhookOptions{f.httpUrl, f.httpCredentials, millis(f.timeout)});
    if (!webhook.ok()) return webhook.error();
    channels.push_back(std::move(*webhook));
  } else if (!f.httpCredentials.empty()) {
    return Error("--http_notification_credentials: needs --http_notification_url");
  }
  if (!f.mailServer.empty()) {
    MailOptions mail;
    mail.server = f.mailServer;
    mail.from = f.mailFrom;
    mail.user = f.mailUser;
    mail.password = f.mailPassword;
    mail.stepTimeout = millis(f.timeout);
    auto channel = MailChannel::make(io, mail);
    if (!channel.ok()) return channel.error();
    channels.push_back(std::move(*channel));
  } else if (!f.mailFrom.empty() || !f.mailUser.empty()) {
    return Error("--mail_from and --mail_user: need --mail_server");
  }
  return std::make_unique<Notifier>(io, std::move(options), std::move(channels));
}

}  // namespace tepui::jobs
