// The jobs daemon's flags and start (see daemon.hpp).
#include "jobs/daemon.hpp"

#include <iterator>

#include "frameworks/http_answers.hpp"

namespace tepui::jobs {

// The API's prefixes, as Chronos serves them: with and without the version.
static const char* const kApiPrefixes[] = {"/v1/scheduler/", "/scheduler/"};

void registerFlags(FlagSet& flags, JobsFlags& v) {
  frameworks::registerFrameworkFlags(flags, v, "jobs");
  addNotifierFlags(flags, &v.notifier);
  flags.add("failure_retry", &v.failure_retry, "Time before a failed run is tried again (while it has retries left)");
  flags.add("disable_after_failures", &v.disable_after_failures,
            "Failures in a row after which a job is disabled (0: never)");
  flags.add("task_history_limit", &v.task_history_limit, "Finished runs kept per job (the oldest are dropped)");
  flags.add("cluster_name", &v.cluster_name,
            "Name of the cluster, put in brackets before the subject of notifications ([prod] job x failed)");
}

namespace {

Status validate(const JobsFlags& f) {
  if (auto s = frameworks::validateFrameworkFlags(f, "jobs"); !s) return s;
  if (f.failure_retry.count() < 0) return Error("--failure_retry must not be negative");
  if (f.disable_after_failures < 0) return Error("--disable_after_failures must not be negative");
  if (f.task_history_limit < 1) return Error("--task_history_limit must be at least 1");
  return okStatus();
}

}  // namespace

Result<std::unique_ptr<Jobs>> Jobs::create(boost::asio::io_context& io, JobsFlags flags, FlagSet*) {
  if (auto s = validate(flags); !s) return s.error();
  auto notifier = makeNotifier(io, flags.notifier);
  if (!notifier) return notifier.error();
  auto daemon = std::make_unique<Daemon>(io, std::move(flags), std::move(*notifier));
  if (auto s = daemon->start(); !s) return s.error();
  return std::unique_ptr<Jobs>(std::move(daemon));
}

Daemon::Daemon(boost::asio::io_context& io, JobsFlags flags, std::unique_ptr<Notifier> notifier)
    : flags_(std::move(flags)),
      notifier_(std::move(notifier)),
      runtime_(io, flags_,
               {.product = "jobs",
                .leaderOnlyPrefixes = {std::begin(kApiPrefixes), std::end(kApiPrefixes)},
                .metrics = [this](metrics::Snapshot& s) { notifier_->addMetrics(s); }}) {
  static_cast<frameworks::FrameworkFlags&>(flags_) = runtime_.flags();  // the defaults filled in
}

Daemon::~Daemon() { stop(); }

Status Daemon::start() {
  for (const std::string prefix : kApiPrefixes) {
    runtime_.routeEverywhere(prefix + "leader",
                             frameworks::getOnly([this](const http::Request&) { return runtime_.leaderResponse(); }));
  }
  return runtime_.start();
}

void Daemon::stop() {
  runtime_.stop();
  notifier_->stop();
}

}  // namespace tepui::jobs
