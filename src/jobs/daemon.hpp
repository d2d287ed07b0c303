// The jobs daemon behind jobs.hpp: the framework daemons' runtime
// (frameworks::Daemon: terms, leader-only paths, /ping, /metrics) with what
// tepui jobs adds: its flags, the leader's address under both API
// prefixes, the notifier and its metrics.
#pragma once

#include <memory>
#include <string>

#include "frameworks/daemon.hpp"
#include "jobs/jobs.hpp"
#include "jobs/notifier.hpp"

namespace tepui::jobs {

class Daemon final : public Jobs {
 public:
  Daemon(boost::asio::io_context& io, JobsFlags flags, std::unique_ptr<Notifier> notifier);
  ~Daemon() override;

  Status start();
  uint16_t port() const override { return runtime_.port(); }
  void stop() override;
  bool leading() const override { return runtime_.leading(); }
  const JobsFlags& flags() const override { return flags_; }
  Notifier& notifier() override { return *notifier_; }
  void route(const std::string& path, http::Handler handler) override { runtime_.route(path, std::move(handler)); }
  void routePrefix(const std::string& prefix, http::Handler handler) override {
    runtime_.routePrefix(prefix, std::move(handler));
  }
  void onLeadership(std::function<void(frameworks::Leader&)> started, std::function<void()> ended) override {
    runtime_.onLeadership(std::move(started), std::move(ended));
  }

 private:
  JobsFlags flags_;
  std::unique_ptr<Notifier> notifier_;
  frameworks::Daemon runtime_;
};

}  // namespace tepui::jobs
