// The Notifier: tells jobs' owners what happened to their jobs, through
// every configured channel (notification_channel.hpp: webhook.hpp,
// smtp_channel.hpp), from the daemon's io_context, never blocking it.
//
// The scheduler calls notify() and moves on. The Notifier
//   - drops kinds that are not enabled (success is off by default; see
//     NotifierOptions::kinds);
//   - queues the notification on each channel that accepts it. Each channel
//     delivers one notification at a time, in order; its queue holds at most
//     `queueCapacity` waiting notifications, and when full the OLDEST
//     waiting one is dropped (logged, counted);
//   - retries a transient failure after a backoff that doubles from
//     `initialBackoff` up to `maxBackoff`, for at most `maxAttempts`
//     attempts in all; a permanent failure is not retried;
//   - logs (TLOG WARNING) and counts every notification it gives up on.
// Counters per channel: sent, failed (given up), retried (attempts after
// the first), dropped (evicted from a full queue), queued (a gauge).
//
// Single-threaded: every call must come from the io_context's thread.
// stop() (or the destructor) abandons queued and in-flight notifications;
// no callback of the Notifier runs after it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/metrics.hpp"
#include "jobs/notification.hpp"
#include "jobs/notification_channel.hpp"

namespace tepui::jobs {

struct RetryBackoff {
  int maxAttempts = 5;  // attempts in all, the first included; at least 1
  std::chrono::milliseconds initialBackoff{1000};
  std::chrono::milliseconds maxBackoff{60000};

  // The wait before attempt `attempt` (2 = the first retry):
  // initialBackoff * 2^(attempt-2), at most maxBackoff.
  std::chrono::milliseconds delayBefore(int attempt) const;
};

struct NotifierOptions {
  std::set<NotificationKind> kinds{NotificationKind::kFailed, NotificationKind::kExhausted, NotificationKind::kDisabled,
                                   NotificationKind::kDeleted};
  size_t queueCapacity = 1000;  // waiting notifications per channel; at least 1
  RetryBackoff backoff;
};

struct ChannelCounters {
  uint64_t sent = 0;
  uint64_t failed = 0;
  uint64_t retried = 0;
  uint64_t dropped = 0;
  size_t queued = 0;  // waiting or in flight now
};

class Notifier {
 public:
  Notifier(boost::asio::io_context& io, NotifierOptions options,
           std::vector<std::unique_ptr<NotificationChannel>> channels);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues `n` on every channel that accepts it, if its kind is enabled.
  void notify(const Notification& n);

  // Abandons everything queued or in flight; later notify() calls do nothing.
  void stop();

  // Channel name -> counters, for every configured channel.
  std::map<std::string, ChannelCounters> counters() const;
  // Nothing queued or in flight on any channel.
  bool idle() const;
  // "jobs/notifications/<channel>/{sent,failed,retried,dropped}" counters
  // and "jobs/notifications/<channel>/queued" gauges.
  void addMetrics(metrics::Snapshot& snapshot) const;

 private:
  struct Lane;
  std::vector<std::shared_ptr<Lane>> lanes_;
  NotifierOptions options_;
  bool stopped_ = false;
};

}  // namespace tepui::jobs
