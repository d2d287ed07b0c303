// The runtime every framework daemon (tepui services, tepui jobs) runs on:
// one event loop (the io_context given, run by one thread) serves HTTP,
// leads or follows, holds the durable state while leading and speaks to
// the master as a v1 framework. A product configures it with a
// DaemonProfile and adds its endpoints and its logic.
//
// A term: elected -> the state is loaded off the loop (the store opened and
// read on a thread of its own; leader-only requests meanwhile get 503) and
// the store fenced against the previous leader (Repository::claim) ->
// leading: a FrameworkLink created with the stored framework id,
// `started(Leader&)` for the plugged-in logic, then the link subscribes ->
// until the election is lost, the instance abdicates or a state write
// fails: then `ended()`, the link closed and the state dropped at once; the
// next term (here or on another instance) loads what the store holds.
//
// Endpoints: /ping and /metrics on every instance, and whatever the product
// routes with routeEverywhere(). route(), routePrefix() and every path under
// the profile's leader-only prefixes are served by the leader only: another
// instance answers 307 with the leader's Location, or 503 with a JSON
// message while none leads (or while this one, just elected, loads its
// state); on the leader, a path under those prefixes that nothing routes
// answers 404.
//
// Threading: everything on the loop; the loader and the election's joins
// only post to it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.hpp"
#include "frameworks/flags.hpp"
#include "frameworks/framework_link.hpp"
#include "frameworks/leadership.hpp"
#include "frameworks/repository.hpp"
#include "http/server.hpp"

namespace tepui::frameworks {

struct DaemonProfile {
  // "services": the daemon is "tepui services" in messages, its embedded
  // store <work_dir>/services.db, its metrics "services/...".
  std::string product;
  RepositoryOptions repository;                 // its name is set from the product
  std::vector<std::string> leaderOnlyPrefixes;  // "/v2/"
  // Adds the product's own metrics to /metrics.
  std::function<void(metrics::Snapshot&)> metrics;
};

// What the leader has; valid from `started` to `ended`.
struct Leader {
  Repository& repository;
  FrameworkLink& framework;
};

class Daemon {
 public:
  Daemon(boost::asio::io_context& io, FrameworkFlags flags, DaemonProfile profile);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Checks nothing (validateFrameworkFlags() does): binds the HTTP port (0
  // picks a free one) and starts contending (or, without --zk, leading).
  Status start();
  // Stops leading, closes every connection and timer; the loop can then run
  // out.
  void stop();
  uint16_t port() const { return server_.port(); }
  bool leading() const { return state_ == State::kLeading; }
  bool highlyAvailable() const { return leadership_ && leadership_->highlyAvailable(); }
  // The flags with their defaults filled (hostname, user).
  const FrameworkFlags& flags() const { return flags_; }
  const std::string& name() const { return name_; }  // "tepui services"

  void routeEverywhere(const std::string& path, http::Handler handler);
  void route(const std::string& path, http::Handler handler);
  void routePrefix(const std::string& prefix, http::Handler handler);
  // Set before the loop runs (if set while leading, `started` runs at once).
  void onLeadership(std::function<void(Leader&)> started, std::function<void()> ended);

  // The leading instance as far as this one can tell; none while nobody
  // leads, or while this one is elected but not leading yet.
  std::optional<LeaderAddress> leader() const;
  // GET: 200 {"leader": "host:port"}, or 404 while there is none.
  http::Response leaderResponse() const;
  // Answers for a non-leader (307 or 503); false if this one leads.
  bool redirect(const http::Request& request, http::Responder& responder);
  // Stops leading and hands the lead on (with --zk only: an error without).
  Status abdicate(const std::string& why);

  // While leading (else nullptr).
  const Repository* repository() const { return repository_.get(); }
  const FrameworkLink* link() const { return link_.get(); }

 private:
  enum class State { kFollowing, kLoading, kLeading };

  // daemon.cpp: the terms.
  void elected();
  void loaded(Result<std::unique_ptr<Repository>> repository, uint64_t term);
  void lead();
  // Ends the term (or the attempt at one) and hands leadership on: to
  // another instance with --zk, else to a fresh load here.
  void giveUp(const std::string& why);
  void stopLeading(const std::string& why);
  Result<std::unique_ptr<registry::Store>> openStore() const;
  FrameworkLinkOptions linkOptions() const;

  // daemon_http.cpp: the endpoints.
  void installRoutes();
  http::Handler leaderOnly(http::Handler handler);
  std::string metricsJson() const;

  boost::asio::io_context& io_;
  FrameworkFlags flags_;
  DaemonProfile profile_;
  std::string name_;
  http::Server server_;
  std::unique_ptr<Leadership> leadership_;
  State state_ = State::kFollowing;
  uint64_t term_ = 0;  // counts elections: a load of an older term is dropped
  std::unique_ptr<Repository> repository_;
  std::unique_ptr<FrameworkLink> link_;
  std::optional<Leader> leader_;
  std::function<void(Leader&)> started_;
  std::function<void()> ended_;
  std::thread loader_;
  bool stopped_ = false;
  double startTime_ = 0;
  uint64_t redirects_ = 0, termsEnded_ = 0;
  // Of the terms that ended, for counters that only grow.
  FrameworkLinkCounters linkTotals_;
  uint64_t commits_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tepui::frameworks
