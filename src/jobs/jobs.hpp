// `tepui jobs`: the Chronos-compatible job scheduler daemon's runtime, on
// the framework daemons' shared one (frameworks/daemon.hpp). One event
// loop (the io_context given to create(), run by one thread) serves HTTP,
// leads or follows, holds the durable state while leading and speaks to
// the master as a v1 framework.
//
// What it serves itself: /ping, /metrics, and the leader's address at
// /scheduler/leader and /v1/scheduler/leader (GET: 200 {"leader":
// "host:port"}, 404 while none leads) on every instance. The job API
// registers its handlers with route() and routePrefix(); those and every
// other path under /scheduler/ and /v1/scheduler/ are served by the
// leader only: another instance answers 307 with the leader's Location,
// or 503 with a JSON message while none leads (or while this one, just
// elected, loads its state); the leader answers 404 for a path nothing
// routes.
//
// The scheduling engine plugs in through onLeadership(): `started` runs
// when this instance leads and its state is loaded, before the framework
// subscribes (so that it can set the link's callbacks); `ended` runs when
// it stops leading, before the state is dropped. It reads its settings
// from flags() and sends notifications through notifier().
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/duration.hpp"
#include "common/flags.hpp"
#include "common/result.hpp"
#include "frameworks/flags.hpp"
#include "http/server.hpp"
#include "jobs/notifier_flags.hpp"

namespace tepui::frameworks {
struct Leader;
}  // namespace tepui::frameworks

namespace tepui::jobs {

// The shared flags (frameworks/flags.hpp: --master, --zk, --work_dir,
// --port 4400, --framework_name tepui-jobs...), the notifier's
// (notifier_flags.hpp) and these.
struct JobsFlags : frameworks::FrameworkFlags {
  JobsFlags() : FrameworkFlags(4400, "tepui-jobs") {}
  NotifierFlags notifier;
  Seconds failure_retry{60.0};     // before a failed run is tried again
  int disable_after_failures = 0;  // failures in a row that disable a job; 0: never
  int task_history_limit = 100;    // finished runs kept per job
  std::string cluster_name;        // in brackets before notifications' subjects
};

void registerFlags(FlagSet& flags, JobsFlags& values);

class Jobs {
 public:
  virtual ~Jobs() = default;
  // Checks the flags, binds the HTTP port (0 picks a free one) and starts
  // contending (or, without --zk, leading).
  static Result<std::unique_ptr<Jobs>> create(boost::asio::io_context& io, JobsFlags flags, FlagSet* flagSet = nullptr);
  virtual uint16_t port() const = 0;
  // Stops leading, closes every connection and timer; the loop can then run
  // out.
  virtual void stop() = 0;
  virtual bool leading() const = 0;
  // The flags, with the host name and user filled in when not given.
  virtual const JobsFlags& flags() const = 0;
  // For the whole life of the daemon (not of a term).
  virtual Notifier& notifier() = 0;

  virtual void route(const std::string& path, http::Handler handler) = 0;
  virtual void routePrefix(const std::string& prefix, http::Handler handler) = 0;
  // Set before the loop runs (if set while leading, `started` runs at once).
  virtual void onLeadership(std::function<void(frameworks::Leader&)> started, std::function<void()> ended) = 0;
};

}  // namespace tepui::jobs
