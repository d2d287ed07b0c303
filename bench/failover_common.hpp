// Shared by the two programs of the master failover benchmark
// (bench_failover_fleet, bench_failover_scheduler; bench/README.md, "Master
// failover"), which bench/failover_bench.py drives:
// - report(): one line "EVENT <name> <unix seconds> [details]" on stdout,
//   flushed, so that the driver puts each event on the same wall clock as
//   the moment it killed the leader;
// - LeaderFollower: the leading master's address through the election in
//   ZooKeeper (registry::Detector, as `tepui agent --master=zk://` follows
//   it), handed to a callback on the caller's loop whenever it changes,
//   and followLeaderAndRun(), the main loop of both programs;
// - raiseFileLimit(): RLIMIT_NOFILE up to what a fleet of sockets needs.
#pragma once

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/json.hpp"
#include "http/message.hpp"
#include "registry/election.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::bench {

inline double unixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

inline void report(const std::string& event, const std::string& details = "") {
  std::printf("EVENT %s %.6f %s\n", event.c_str(), unixSeconds(), details.c_str());
  std::fflush(stdout);
}

// Raises the soft limit (and the hard one, when allowed) to `wanted`
// descriptors; returns the soft limit in force afterwards.
inline rlim_t raiseFileLimit(rlim_t wanted) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= wanted) return limit.rlim_cur;
  rlimit raised{wanted, std::max(wanted, limit.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {limit.rlim_max, limit.rlim_max};
    setrlimit(RLIMIT_NOFILE, &raised);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

class LeaderFollower {
 public:
  using OnLeader = std::function<void(const http::Endpoint& leader)>;

  // Watches `zkUrl`; `onLeader` runs on `io` with each new leader (not
  // when the election is momentarily leaderless).
  static Result<std::unique_ptr<LeaderFollower>> watch(boost::asio::io_context& io, const std::string& zkUrl,
                                                       std::chrono::milliseconds sessionTimeout, OnLeader onLeader) {
    std::unique_ptr<LeaderFollower> follower(new LeaderFollower());
    LeaderFollower* self = follower.get();
    self->onLeader_ = std::move(onLeader);
    auto detector = registry::Detector::watch(zkUrl, sessionTimeout, [self, &io](const std::optional<std::string>& j) {
      boost::asio::post(io, [self, j] { self->changed(j); });
    });
    if (!detector) return detector.error();
    self->detector_ = std::move(*detector);
    return follower;
  }

 private:
  LeaderFollower() = default;

  void changed(const std::optional<std::string>& infoJson) {
    v1::MasterInfo info;
    if (!infoJson || !json::fromJson(*infoJson, &info)) {
      report("leader_unknown");
      return;
    }
    http::Endpoint leader{info.address().ip(), static_cast<uint16_t>(info.address().port())};
    if (leader.str() == current_) return;
    current_ = leader.str();
    report("leader_detected", "leader=" + current_);
    onLeader_(leader);
  }

  OnLeader onLeader_;
  std::string current_;
  std::unique_ptr<registry::Detector> detector_;  // last: its callbacks stop before the rest goes
};

// The main loop of both programs: follows the leader of the election at
// `zkUrl` and runs `io` until SIGINT or SIGTERM. Returns the exit code (1
// when the election cannot be watched).
inline int followLeaderAndRun(boost::asio::io_context& io, const std::string& program, const std::string& zkUrl,
                              double sessionTimeoutSeconds, LeaderFollower::OnLeader onLeader) {
  auto follower = LeaderFollower::watch(
      io, zkUrl, std::chrono::milliseconds(static_cast<int64_t>(sessionTimeoutSeconds * 1000)), std::move(onLeader));
  if (!follower) {
    std::cerr << program << ": cannot watch " << zkUrl << ": " << follower.error().message << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace tepui::bench
