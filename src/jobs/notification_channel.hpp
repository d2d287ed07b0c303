// One way of delivering a Notification (a webhook, e-mail): the interface
// the Notifier drives. A channel makes single attempts; the Notifier owns
// the queue, the retries with backoff and the counters, so every channel
// retries alike.
//
// Contract for implementations: attempt() starts one delivery on the
// io_context and returns at once (it never blocks); `done` runs exactly
// once, later, on the loop, unless the channel is destroyed first, in which
// case it never runs. The outcome says whether another attempt could
// succeed (a connection error, a timeout, a server's transient refusal) or
// not (the server rejected the notification itself).
#pragma once

#include <functional>
#include <string>

#include "jobs/notification.hpp"

namespace tepui::jobs {

struct DeliveryOutcome {
  enum class Result { kDelivered, kTransient, kPermanent };
  Result result = Result::kDelivered;
  std::string reason;  // for the log when not delivered

  static DeliveryOutcome delivered() { return {}; }
  static DeliveryOutcome transient(std::string why) { return {Result::kTransient, std::move(why)}; }
  static DeliveryOutcome permanent(std::string why) { return {Result::kPermanent, std::move(why)}; }
};

class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;

  // The channel's name in logs and metrics ("http", "mail").
  virtual const std::string& name() const = 0;

  // Whether this notification goes out on this channel at all (e-mail
  // needs an owner address; the webhook takes everything).
  virtual bool accepts(const Notification& n) const = 0;

  virtual void attempt(const Notification& n, std::function<void(DeliveryOutcome)> done) = 0;
};

}  // namespace tepui::jobs
