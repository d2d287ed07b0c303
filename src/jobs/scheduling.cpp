#include "jobs/scheduling.hpp"

#include <chrono>

#include "common/logging.hpp"

namespace tepui::jobs {

JobSchedulerOptions schedulerOptions(const JobsFlags& flags) {
  JobSchedulerOptions o;
  o.engine.retry.failureRetryDelay = std::chrono::duration_cast<std::chrono::milliseconds>(flags.failure_retry);
  o.engine.retry.disableAfterFailures = flags.disable_after_failures;
  o.engine.historyLimit = static_cast<size_t>(std::max(1, flags.task_history_limit));
  o.engine.role = flags.role;
  o.engine.cluster = flags.cluster_name;
  if (!flags.user.empty()) o.engine.defaults.runAsUser = flags.user;
  return o;
}

JobsScheduling::JobsScheduling(boost::asio::io_context& io, Jobs& daemon)
    : io_(io), daemon_(daemon), api_(*this, schedulerOptions(daemon.flags()).engine.defaults) {}

void JobsScheduling::attach(const std::shared_ptr<JobsScheduling>& self) {
  self->api_.install([self](const std::string& prefix, http::Handler handler) {
    self->daemon_.routePrefix(prefix, [self, handler = std::move(handler)](http::Request& r, http::Responder p) {
      handler(r, std::move(p));
    });
  });
  self->daemon_.onLeadership(
      [self](frameworks::Leader& leader) {
        self->scheduler_ = std::make_unique<JobScheduler>(self->io_, leader, schedulerOptions(self->daemon_.flags()),
                                                          &self->daemon_.notifier());
        self->scheduler_->start();
      },
      [self] { self->scheduler_.reset(); });
}

void attachScheduling(boost::asio::io_context& io, Jobs& daemon) {
  JobsScheduling::attach(std::make_shared<JobsScheduling>(io, daemon));
}

JobsScheduling::~JobsScheduling() { scheduler_.reset(); }

void JobsScheduling::apply(Effects effects, std::function<void(const Status&)> done) {
  if (!scheduler_) return done(Error("not leading"));
  scheduler_->apply(std::move(effects), std::move(done));
}

Millis JobsScheduling::now() const {
  return scheduler_ ? scheduler_->now()
                    : std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace tepui::jobs
