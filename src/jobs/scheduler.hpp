// The `tepui jobs` scheduler for one leadership term: the Engine
// (engine.hpp) wired to the frameworks runtime.
//
// Contract:
// - start() rebuilds the engine from the Repository's collections
//   (documents.hpp), sets the FrameworkLink's callbacks and arms a timer at
//   the engine's next wake-up. Documents that do not read are logged and
//   skipped.
// - Every engine decision is committed in ONE Repository::Change before it
//   is acted on: offers are accepted (or declined), kills sent,
//   notifications handed to the Notifier, status updates acknowledged and
//   API requests answered only once the change is durable.
// - The master is asked to reconcile every launching or running run after
//   each subscription (FrameworkLink's tasksToReconcile) and every
//   `reconcileSeconds` (Chronos's --reconciliation_interval).
// - Offers are suppressed while no queued run could launch and revived
//   when one can, as the services scheduler does; offers nothing took are
//   declined for `declineSeconds` (for `retryDeclineSeconds` while runs
//   wait for a better offer).
// - The scheduler is also the API's JobsBackend for its term.
//
// Threading: the daemon's loop only. Destroying it cancels the timer; no
// callback of it runs afterwards.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "frameworks/daemon.hpp"
#include "frameworks/framework_link.hpp"
#include "jobs/api.hpp"
#include "jobs/engine.hpp"
#include "jobs/notifier.hpp"

namespace tepui::jobs {

struct JobSchedulerOptions {
  EngineOptions engine;
  double declineSeconds = 120;     // an offer nothing needed
  double retryDeclineSeconds = 5;  // an offer that did not fit the runs that wait
  double reconcileSeconds = 600;   // a periodic explicit reconciliation
  std::function<Millis()> clock;   // default: the system clock
};

class JobScheduler final : public JobsBackend {
 public:
  JobScheduler(boost::asio::io_context& io, frameworks::Leader& leader, JobSchedulerOptions options,
               Notifier* notifier);
  ~JobScheduler() override;
  JobScheduler(const JobScheduler&) = delete;
  JobScheduler& operator=(const JobScheduler&) = delete;

  void start();

  Engine* engine() override { return &engine_; }
  void apply(Effects effects, std::function<void(const Status&)> done) override;
  Millis now() const override;

 private:
  void onOffers(const std::vector<v1::Offer>& offers);
  void onUpdate(const v1::TaskStatus& status, std::function<void()> ack);
  void wake();
  void arm();
  void updateOfferInterest();
  void reconcileLater();
  frameworks::FrameworkLink::TaskList tasksToReconcile() const;

  boost::asio::io_context& io_;
  frameworks::Leader& leader_;
  JobSchedulerOptions options_;
  Notifier* notifier_;
  Engine engine_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer reconcileTimer_;
  bool suppressed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::jobs
