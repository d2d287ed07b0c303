// The framework link (see framework_link.hpp).
#include "frameworks/framework_link.hpp"

#include <boost/asio/post.hpp>

#include "common/clock.hpp"
#include "common/logging.hpp"
#include "registry/leader_address.hpp"

namespace tepui::frameworks {

namespace {

using Event = v1::scheduler::Event;

// How long a framework with nothing to launch asks not to see an offer again.
constexpr double kDeclineSeconds = 120;
// Missed heartbeats after which the stream is taken for dead.
constexpr int kMissedHeartbeats = 5;

v1::FrameworkInfo frameworkInfo(v1::FrameworkInfo info, const std::string& id) {
  info.set_checkpoint(true);
  info.clear_capabilities();
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::PARTITION_AWARE);
  info.add_capabilities()->set_type(v1::FrameworkInfo::Capability::TASK_KILLING_STATE);
  if (!id.empty()) info.mutable_id()->set_value(id);
  return info;
}

}  // namespace

FrameworkLink::FrameworkLink(boost::asio::io_context& io, FrameworkLinkOptions options, std::string frameworkId)
    : io_(io),
      options_(std::move(options)),
      frameworkId_(std::move(frameworkId)),
      retry_(io),
      heartbeat_(io),
      backoff_(options_.minBackoff) {
  client_ = std::make_unique<scheduler::SchedulerClient>(
      io, http::Endpoint{}, frameworkInfo(options_.info, frameworkId_),
      scheduler::SchedulerClient::Callbacks{[this](const Event& e) { onEvent(e); },
                                            [this](const std::string& why) { onDisconnected(why); }});
}

FrameworkLink::~FrameworkLink() { stop(); }

Status FrameworkLink::start() {
  if (options_.master.rfind("zk://", 0) == 0) {
    std::chrono::milliseconds timeout(static_cast<int64_t>(options_.zkSessionTimeout.count() * 1000));
    auto detector = registry::Detector::watch(
        options_.master, timeout, [this, alive = std::weak_ptr<bool>(alive_)](const std::optional<std::string>& info) {
          std::optional<http::Endpoint> leader;
          if (info) leader = registry::leaderEndpoint(*info);
          boost::asio::post(io_, [this, alive, leader] {
            if (alive.lock()) leaderChanged(leader);
          });
        });
    if (!detector) return detector.error().context("cannot watch the masters' election at " + options_.master);
    detector_ = std::move(*detector);
    return okStatus();
  }
  auto endpoint = http::parseEndpoint(options_.master);
  if (!endpoint) {
    return Error("invalid --master '" + options_.master + "': expected host:port or zk://host:port[,host:port]/path");
  }
  leaderChanged(*endpoint);
  return okStatus();
}

void FrameworkLink::stop() {
  if (stopped_) return;
  stopped_ = true;
  ready_ = false;
  retry_.cancel();
  heartbeat_.cancel();
  detector_.reset();
  client_->close();
}

void FrameworkLink::leaderChanged(std::optional<http::Endpoint> leader) {
  if (stopped_) return;
  if (leader && master_ && leader->str() == master_->str() && client_->subscribed()) return;
  master_ = leader;
  if (!leader) {
    TLOG(WARNING) << "No master leads at the moment; waiting for one";
    return;
  }
  TLOG(INFO) << "Subscribing to the leading master " << leader->str();
  retry_.cancel();
  backoff_ = options_.minBackoff;
  subscribeNow();
}

void FrameworkLink::subscribeNow() {
  if (stopped_ || !master_ || persisting_) return;
  ++stream_;
  held_.clear();
  ready_ = false;
  client_->close();
  client_->setMaster(*master_);
  client_->subscribe();
}

void FrameworkLink::scheduleResubscribe() {
  if (stopped_) return;
  TLOG(INFO) << "Subscribing again in " << backoff_.count() << "s";
  retry_.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(backoff_));
  backoff_ = std::min(backoff_ * 2, options_.maxBackoff);
  retry_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) subscribeNow();
  });
}

void FrameworkLink::watchHeartbeats() {
  heartbeat_.expires_after(clock::seconds(heartbeatSeconds_ * kMissedHeartbeats));
  heartbeat_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    client_->close();  // (runs no callback)
    onDisconnected("no event from the master for " + std::to_string(kMissedHeartbeats) + " heartbeat intervals");
  });
}

void FrameworkLink::onEvent(const Event& event) {
  if (stopped_) return;
  watchHeartbeats();
  if (event.type() == Event::SUBSCRIBED) {
    return onSubscribed(event.subscribed().framework_id().value(), event.subscribed().heartbeat_interval_seconds());
  }
  if (persisting_) return held_.push_back(event);
  deliver(event);
}

void FrameworkLink::onSubscribed(const std::string& id, double heartbeatSeconds) {
  ++counters_.subscriptions;
  backoff_ = options_.minBackoff;
  if (heartbeatSeconds > 0) heartbeatSeconds_ = heartbeatSeconds;
  watchHeartbeats();
  TLOG(INFO) << "Subscribed to " << (master_ ? master_->str() : "the master") << " as framework " << id;
  if (id == frameworkId_ || !callbacks_.persistFrameworkId) {
    frameworkId_ = id;
    return afterSubscribed();
  }
  persisting_ = true;
  callbacks_.persistFrameworkId(
      id, [this, alive = std::weak_ptr<bool>(alive_), id, stream = stream_](const Status& durable) {
        if (!alive.lock() || stopped_) return;
        persisting_ = false;
        if (!durable) {
          std::string why = "cannot remember the framework id " + id + ": " + durable.error().message;
          TLOG(ERROR) << why << "; not going on without it";
          stop();
          if (callbacks_.onError) callbacks_.onError(why);
          return;
        }
        frameworkId_ = id;
        if (stream != stream_ || !client_->subscribed()) {
          held_.clear();
          return scheduleResubscribe();  // the stream ended meanwhile
        }
        afterSubscribed();
        auto held = std::move(held_);
        held_.clear();
        for (const Event& e : held) {
          if (stopped_ || stream != stream_) break;
          deliver(e);
        }
      });
}

void FrameworkLink::afterSubscribed() {
  ready_ = true;
  TaskList tasks;
  if (callbacks_.tasksToReconcile) tasks = callbacks_.tasksToReconcile();
  if (!tasks.empty()) client_->reconcile(tasks);  // what we know of: explicitly
  client_->reconcile();                           // and whatever else the master has: implicitly
  if (callbacks_.onSubscribed) callbacks_.onSubscribed(frameworkId_);
}

void FrameworkLink::deliver(const Event& event) {
  switch (event.type()) {
    case Event::OFFERS: {
      std::vector<v1::Offer> offers(event.offers().offers().begin(), event.offers().offers().end());
      counters_.offers += offers.size();
      if (callbacks_.onOffers) return callbacks_.onOffers(offers);
      std::vector<v1::OfferID> ids;
      for (const v1::Offer& offer : offers) ids.push_back(offer.id());
      client_->decline(ids, kDeclineSeconds);
      return;
    }
    case Event::UPDATE: {
      ++counters_.updates;
      const v1::TaskStatus& status = event.update().status();
      Ack ack = [this, alive = std::weak_ptr<bool>(alive_), stream = stream_, status] {
        if (!alive.lock() || stopped_ || stream != stream_ || !ready_ || !status.has_uuid()) return;
        ++counters_.acknowledgements;
        client_->acknowledge(status);
      };
      if (callbacks_.onUpdate) return callbacks_.onUpdate(status, std::move(ack));
      ack();
      return;
    }
    case Event::RESCIND:
      ++counters_.rescinds;
      if (callbacks_.onRescind) callbacks_.onRescind(event.rescind().offer_id());
      return;
    case Event::ERROR: {
      std::string message = event.error().message();
      TLOG(ERROR) << "The master refused the framework: " << message;
      stop();
      if (callbacks_.onError) callbacks_.onError("the master refused the framework: " + message);
      return;
    }
    default: return;  // HEARTBEAT (seen by onEvent), MESSAGE, FAILURE, ...
  }
}

void FrameworkLink::onDisconnected(const std::string& why) {
  if (stopped_) return;
  bool was = ready_ || persisting_;
  ready_ = false;
  heartbeat_.cancel();
  TLOG(WARNING) << "Lost the master " << (master_ ? master_->str() : "") << ": " << why;
  if (was) {
    ++counters_.disconnections;
    if (callbacks_.onDisconnected) callbacks_.onDisconnected(why);
  }
  if (persisting_) return;  // subscribes again once the framework id is durable
  scheduleResubscribe();
}

}  // namespace tepui::frameworks
