// The services daemon behind services.hpp: the lifecycle of a leadership
// term (daemon.cpp) and the endpoints the runtime serves (daemon_api.cpp).
//
// A term: elected -> the state is loaded off the loop (the store opened and
// read on a thread of its own; requests meanwhile get 503) and the store
// fenced against the previous leader (Repository::claim) -> leading: a new
// event epoch, the framework link subscribes, the plugged-in logic runs ->
// until the election is lost, the instance abdicates or a state
// write fails: then the logic is told, the link and the event streams are
// closed and the state is dropped at once; the next term (here or on
// another instance) loads what the store holds.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "services/event_bus.hpp"
#include "services/framework_link.hpp"
#include "services/leadership.hpp"
#include "services/repository.hpp"
#include "services/services.hpp"

namespace tepui::services {

class Daemon final : public Services {
 public:
  Daemon(boost::asio::io_context& io, ServicesFlags flags, FlagSet* flagSet);
  ~Daemon() override;

  Status start();
  uint16_t port() const override { return server_.port(); }
  void stop() override;
  bool leading() const override { return state_ == State::kLeading; }
  void route(const std::string& path, http::Handler handler) override;
  void routePrefix(const std::string& prefix, http::Handler handler) override;
  void onLeadership(std::function<void(Leader&)> started, std::function<void()> ended) override;

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

  // daemon_api.cpp: the endpoints.
  void installRoutes();
  http::Handler leaderOnly(http::Handler handler);
  // Answers for a non-leader (307 or 503); false if this one leads.
  bool redirect(const http::Request& request, http::Responder& responder);
  void serveLeader(http::Request& request, http::Responder responder);
  std::string infoJson() const;
  std::string metricsJson() const;

  boost::asio::io_context& io_;
  ServicesFlags flags_;
  FlagSet* flagSet_;
  http::Server server_;
  std::unique_ptr<Leadership> leadership_;
  EventBus events_;
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

}  // namespace tepui::services
