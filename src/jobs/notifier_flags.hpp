// The notification flags of `tepui jobs` and the Notifier they describe:
//   --http_notification_url, --http_notification_credentials  (webhook.hpp)
//   --mail_server, --mail_from, --mail_user, --mail_password    (mail_channel.hpp)
//   --notify_on_success                   also notify on successful runs
//   --notification_attempts               attempts per notification (5)
//   --notification_backoff                first retry delay (1secs), doubling
//   --notification_max_backoff            longest retry delay (1mins)
//   --notification_timeout                per HTTP attempt and per SMTP step (30secs)
//   --notification_queue_size             waiting notifications per channel (1000)
// A channel is configured when its URL or server is set; with neither, the
// Notifier has no channels and notify() does nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/result.hpp"
#include "jobs/notifier.hpp"

namespace tepui::jobs {

struct NotifierFlags {
  std::string httpUrl;
  std::string httpCredentials;
  std::string mailServer;
  std::string mailFrom;
  std::string mailUser;
  std::string mailPassword;
  bool notifyOnSuccess = false;
  int attempts = 5;
  Seconds backoff{1};
  Seconds maxBackoff{60};
  Seconds timeout{30};
  int queueSize = 1000;
};

void addNotifierFlags(FlagSet& flags, NotifierFlags* values);

// The Notifier for these flags; an error names the flag that is wrong.
Result<std::unique_ptr<Notifier>> makeNotifier(boost::asio::io_context& io, const NotifierFlags& flags);

}  // namespace tepui::jobs
