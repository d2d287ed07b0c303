// Attaches the job scheduler and the Chronos-compatible API to a `tepui
// jobs` daemon (jobs.hpp): the API's routes under /scheduler/ and
// /v1/scheduler/ at once, and for each leadership term a JobScheduler
// built from the daemon's flags, dropped when the term ends. The API reads
// the term's engine through it (503 between terms).
//
// attachScheduling() is called once, after Jobs::create and before the
// loop runs (cli/jobs.cpp and cli/local.cpp: the `install` hook of
// runFrameworkDaemon). What it creates is owned by the daemon's routes and
// leadership callbacks, so it lives exactly as long as the daemon.
// Threading: the daemon's loop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "jobs/api.hpp"
#include "jobs/jobs.hpp"
#include "jobs/scheduler.hpp"

namespace tepui::jobs {

// The engine's options for the daemon's flags.
JobSchedulerOptions schedulerOptions(const JobsFlags& flags);

void attachScheduling(boost::asio::io_context& io, Jobs& daemon);

class JobsScheduling final : public JobsBackend {
 public:
  JobsScheduling(boost::asio::io_context& io, Jobs& daemon);
  ~JobsScheduling() override;
  // Installs the API's routes and the leadership callbacks, which share
  // ownership of `self`.
  static void attach(const std::shared_ptr<JobsScheduling>& self);
  JobsScheduling(const JobsScheduling&) = delete;
  JobsScheduling& operator=(const JobsScheduling&) = delete;

  // The current term's scheduler, nullptr between terms.
  JobScheduler* scheduler() { return scheduler_.get(); }

  Engine* engine() override { return scheduler_ ? scheduler_->engine() : nullptr; }
  void apply(Effects effects, std::function<void(const Status&)> done) override;
  Millis now() const override;

 private:
  boost::asio::io_context& io_;
  Jobs& daemon_;
  JobsApi api_;
  std::unique_ptr<JobScheduler> scheduler_;
};

}  // namespace tepui::jobs
