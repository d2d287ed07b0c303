#include "jobs/notifier.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <utility>

#include "common/logging.hpp"

namespace tepui::jobs {

std::chrono::milliseconds RetryBackoff::delayBefore(int attempt) const {
  auto delay = initialBackoff;
  for (int i = 2; i < attempt && delay < maxBackoff; ++i) delay *= 2;
  return std::min(delay, maxBackoff);
}

// One channel's queue and the notification being delivered on it. Every
// asynchronous callback holds a weak_ptr, so a stopped or destroyed lane
// is never touched again.
struct Notifier::Lane : std::enable_shared_from_this<Lane> {
  Lane(boost::asio::io_context& io, std::unique_ptr<NotificationChannel> c, const NotifierOptions& o)
      : io(io), channel(std::move(c)), name(channel->name()), options(o), timer(io) {}

  boost::asio::io_context& io;
  std::unique_ptr<NotificationChannel> channel;
  std::string name;
  const NotifierOptions& options;
  boost::asio::steady_timer timer;
  std::deque<Notification> waiting;
  bool busy = false;  // the front of `waiting` is being delivered (or waits for its retry)
  int attempt = 0;    // of the front, 1-based
  ChannelCounters counters;

  void push(const Notification& n) {
    // The front is in flight while busy; only waiting ones are evicted.
    size_t inFlight = busy ? 1 : 0;
    if (waiting.size() - inFlight >= options.queueCapacity) {
      auto oldest = waiting.begin() + static_cast<std::ptrdiff_t>(inFlight);
      TLOG(WARNING) << "notification " << name << ": queue full (" << options.queueCapacity
                    << "), dropping the oldest: " << notificationSubject(*oldest);
      waiting.erase(oldest);
      ++counters.dropped;
    }
    waiting.push_back(n);
    if (!busy) start();
  }

  void start() {
    if (waiting.empty() || !channel) return;
    busy = true;
    attempt = 1;
    send();
  }

  void send() {
    std::weak_ptr<Lane> weak = weak_from_this();
    channel->attempt(waiting.front(), [weak](DeliveryOutcome outcome) {
      if (auto self = weak.lock()) self->finished(std::move(outcome));
    });
  }

  void finished(DeliveryOutcome outcome) {
    using R = DeliveryOutcome::Result;
    const Notification& n = waiting.front();
    if (outcome.result == R::kDelivered) {
      ++counters.sent;
    } else if (outcome.result == R::kTransient && attempt < options.backoff.maxAttempts) {
      ++counters.retried;
      ++attempt;
      auto delay = options.backoff.delayBefore(attempt);
      TLOG(INFO) << "notification " << name << ": " << notificationSubject(n) << ": " << outcome.reason << "; attempt "
                 << attempt << " in " << delay.count() << "ms";
      timer.expires_after(delay);
      std::weak_ptr<Lane> weak = weak_from_this();
      timer.async_wait([weak](boost::system::error_code ec) {
        auto self = weak.lock();
        if (!ec && self && self->channel) self->send();
      });
      return;
    } else {
      ++counters.failed;
      TLOG(WARNING) << "notification " << name << ": giving up on \"" << notificationSubject(n) << "\" after "
                    << attempt << (attempt == 1 ? " attempt" : " attempts") << ": " << outcome.reason;
    }
    waiting.pop_front();
    busy = false;
    // The next delivery starts from a fresh handler, not inside the
    // channel's completion.
    std::weak_ptr<Lane> weak = weak_from_this();
    boost::asio::post(io, [weak] {
      if (auto self = weak.lock(); self && !self->busy) self->start();
    });
  }

  void stop() {
    timer.cancel();
    waiting.clear();
    busy = false;
    channel.reset();  // its pending completions never run
  }
};

Notifier::Notifier(boost::asio::io_context& io, NotifierOptions options,
                   std::vector<std::unique_ptr<NotificationChannel>> channels)
    : options_(std::move(options)) {
  options_.backoff.maxAttempts = std::max(options_.backoff.maxAttempts, 1);
  options_.queueCapacity = std::max<size_t>(options_.queueCapacity, 1);
  for (auto& channel : channels) lanes_.push_back(std::make_shared<Lane>(io, std::move(channel), options_));
}

Notifier::~Notifier() { stop(); }

void Notifier::notify(const Notification& n) {
  if (stopped_ || !options_.kinds.contains(n.kind)) return;
  for (auto& lane : lanes_) {
    if (lane->channel->accepts(n)) lane->push(n);
  }
}

void Notifier::stop() {
  stopped_ = true;
  for (auto& lane : lanes_) lane->stop();
}

std::map<std::string, ChannelCounters> Notifier::counters() const {
  std::map<std::string, ChannelCounters> out;
  for (const auto& lane : lanes_) {
    ChannelCounters c = lane->counters;
    c.queued = lane->waiting.size();
    out[lane->name] = c;
  }
  return out;
}

bool Notifier::idle() const {
  return std::all_of(lanes_.begin(), lanes_.end(), [](const auto& lane) { return lane->waiting.empty(); });
}

void Notifier::addMetrics(metrics::Snapshot& snapshot) const {
  for (const auto& [name, c] : counters()) {
    snapshot.counter("jobs/notifications/<channel>/sent", {name}, static_cast<double>(c.sent));
    snapshot.counter("jobs/notifications/<channel>/failed", {name}, static_cast<double>(c.failed));
    snapshot.counter("jobs/notifications/<channel>/retried", {name}, static_cast<double>(c.retried));
    snapshot.counter("jobs/notifications/<channel>/dropped", {name}, static_cast<double>(c.dropped));
    snapshot.gauge("jobs/notifications/<channel>/queued", {name}, static_cast<double>(c.queued));
  }
}

}  // namespace tepui::jobs
