// Private to src/checks: what HealthChecker and Checker share. A ProbeLoop
// makes one attempt at a time (COMMAND, HTTP or TCP; see checks.hpp) on a
// schedule of delay, then interval after each attempt ends, with a timeout
// per attempt, and hands each attempt's outcome to its subclass.
//
// Lifetime: owned through shared_ptr. Timer, socket and HTTP callbacks hold
// it weakly; a COMMAND attempt's exit watch holds it strongly, so that a
// stopped loop still reaps the check process it killed. onOutcome runs with
// the loop alive even if its owner drops it meanwhile.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "checks/checks.hpp"
#include "containerizer/process.hpp"
#include "http/client.hpp"

namespace tepui::checks {

struct ProbeSpec {
  enum class Kind { kCommand, kHttp, kTcp };
  Kind kind = Kind::kCommand;
  v1::CommandInfo command;  // kCommand
  uint32_t port = 0;        // kHttp, kTcp
  std::string path;         // kHttp: the request target ("" is "/")
  bool ipv6 = false;        // kHttp, kTcp: ::1 instead of 127.0.0.1
  double delaySeconds = 0;
  double intervalSeconds = 0;
  double timeoutSeconds = 0;  // 0: no limit
};

// The attempts a HealthCheck or a CheckInfo (valid ones) asks for.
// `command` is where each keeps its CommandInfo.
template <typename Check>
ProbeSpec probeSpecOf(const Check& check, const v1::CommandInfo& command) {
  ProbeSpec spec;
  spec.delaySeconds = check.delay_seconds();
  spec.intervalSeconds = check.interval_seconds();
  spec.timeoutSeconds = check.timeout_seconds();
  switch (check.type()) {
    case Check::HTTP:
      spec.kind = ProbeSpec::Kind::kHttp;
      spec.port = check.http().port();
      spec.path = check.http().path();
      break;
    case Check::TCP:
      spec.kind = ProbeSpec::Kind::kTcp;
      spec.port = check.tcp().port();
      break;
    default:
      spec.kind = ProbeSpec::Kind::kCommand;
      spec.command = command;
      break;
  }
  return spec;
}

// What one attempt found: at most one of the three results, and always a
// description ("exited with status 3", "GET http://127.0.0.1:80/ returned
// 404", "timed out after 1 s").
struct ProbeOutcome {
  std::optional<int> exitCode;
  std::optional<int> httpStatus;
  std::optional<bool> connected;
  std::string description;

  bool hasResult() const { return exitCode || httpStatus || connected; }
};

class ProbeLoop : public std::enable_shared_from_this<ProbeLoop> {
 public:
  ProbeLoop(boost::asio::io_context& io, ProbeSpec spec, CheckContext context);
  virtual ~ProbeLoop() = default;
  ProbeLoop(const ProbeLoop&) = delete;
  ProbeLoop& operator=(const ProbeLoop&) = delete;

  void start();  // the first attempt after the delay
  void stop();   // no attempt nor onOutcome after this; idempotent

 protected:
  virtual void onOutcome(const ProbeOutcome& outcome) = 0;
  double secondsSinceStart() const;
  bool stopped() const { return stopped_; }

 private:
  void schedule(double seconds);
  void attempt();
  void runCommand(uint64_t n);
  void runHttp(uint64_t n);
  void runTcp(uint64_t n);
  void commandExited(uint64_t n, pid_t pid, int status);
  // Ends attempt `n` (if it is still the one in flight) with `outcome`.
  void finish(uint64_t n, ProbeOutcome outcome);
  // Closes what the attempt in flight left open; kills a check process.
  void abandon();

  ProbeSpec spec_;
  CheckContext context_;
  boost::asio::steady_timer timer_, deadline_;
  boost::asio::ip::tcp::socket socket_;
  http::Client client_;
  containerizer::ProcessWatcher watcher_;
  const std::string what_;  // "GET http://127.0.0.1:80/", "connect to 127.0.0.1:80", ""
  pid_t commandPid_ = -1;   // a COMMAND check process not reaped yet
  uint64_t attempt_ = 0;
  bool inFlight_ = false, stopped_ = false;
  std::chrono::steady_clock::time_point startedAt_;
};

}  // namespace tepui::checks
