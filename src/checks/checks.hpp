// Health checks and checks of a task, run by its executor on the executor's
// event loop, with Mesos's semantics (HealthCheck and CheckInfo in
// mesos.proto). Nothing here blocks the loop except spawn() of a COMMAND
// check (see containerizer/process.hpp).
//
// Every check is one attempt at a time on the loop: the first after
// `delay_seconds`, the next `interval_seconds` after the previous attempt
// ended. An attempt that takes longer than `timeout_seconds` (0: no limit)
// is abandoned and produces no result; a COMMAND attempt's process group is
// SIGKILLed then. The kinds of attempt:
//   COMMAND  the CommandInfo (shell or argv) runs in `CheckContext::sandbox`
//            with `CheckContext::environment` plus the command's own
//            variables, in a process group of its own; its exit code is the
//            result (killed by a signal: no result).
//   HTTP     GET http://127.0.0.1:<port><path> (::1 for IPv6) on a fresh
//            connection, closed after; the status code is the result
//            (redirects are not followed; cannot connect: no result).
//   TCP      a connect to 127.0.0.1:<port> (::1 for IPv6); whether it
//            succeeded is the result.
//
// Callbacks run on the loop. A checker may be destroyed or stopped at any
// time, also from inside its own callback; no callback runs after that.
// Both classes are independent of any particular executor.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "containerizer/process.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::checks {

class ProbeLoop;

// Where COMMAND checks run: next to the task.
struct CheckContext {
  std::map<std::string, std::string> environment;  // the task's whole environment
  std::string sandbox;                             // working directory ("" inherits the executor's)
};

// Runs a v1::HealthCheck. The callback hears of every change of health: the
// first result, then each flip between healthy and unhealthy, and once, the
// request to kill the task. Failures are not counted while the checker is
// within `grace_period_seconds` of start() and has never seen a success.
// After `consecutive_failures` counted failures in a row the callback gets
// `killTask` (with healthy false) and checking stops: the executor kills the
// task and ends its checker.
class HealthChecker {
 public:
  struct Health {
    bool healthy = false;
    bool killTask = false;
    uint32_t consecutiveFailures = 0;  // counted failures in a row, 0 when healthy
    std::string message;               // why the last check failed ("" when healthy)
  };
  using Callback = std::function<void(const Health&)>;

  // Validates `check` (see validateHealthCheck) and starts checking.
  static Result<std::unique_ptr<HealthChecker>> start(boost::asio::io_context& io, const v1::HealthCheck& check,
                                                      CheckContext context, Callback callback);
  ~HealthChecker();  // stop()
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Ends checking: cancels timers and any attempt in flight (killing a
  // COMMAND check's process group). Idempotent.
  void stop();

 private:
  explicit HealthChecker(std::shared_ptr<ProbeLoop> loop) : loop_(std::move(loop)) {}
  std::shared_ptr<ProbeLoop> loop_;
};

// Runs a v1::CheckInfo. The callback gets a CheckStatusInfo each time the
// result differs from the previous one: command.exit_code, http.status_code
// or tcp.succeeded. An attempt with no result (timed out, could not start,
// could not connect for HTTP) counts as emptyStatus(). It starts as
// emptyStatus(), so the callback runs only once there is a result. It never
// asks for a kill.
class Checker {
 public:
  using Callback = std::function<void(const v1::CheckStatusInfo&)>;

  // Validates `check` (see validateCheck) and starts checking.
  static Result<std::unique_ptr<Checker>> start(boost::asio::io_context& io, const v1::CheckInfo& check,
                                                CheckContext context, Callback callback);
  ~Checker();  // stop()
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  void stop();  // as HealthChecker::stop()

  // The status of a check with no result yet: `type` and its empty
  // sub-message, as Mesos's executors put in every update before the first
  // result.
  static v1::CheckStatusInfo emptyStatus(const v1::CheckInfo& check);

 private:
  explicit Checker(std::shared_ptr<ProbeLoop> loop) : loop_(std::move(loop)) {}
  std::shared_ptr<ProbeLoop> loop_;
};

// Pure validators. An error names the field ("'http.port' must be between 1
// and 65535, got 0"): `type` missing or UNKNOWN, the sub-message of the type
// missing, an empty command, a negative or non-finite number of seconds, a
// port outside 1..65535, an HTTP path not starting with '/', an HTTP scheme
// other than "http" (https is not supported).
Status validateHealthCheck(const v1::HealthCheck& check);
Status validateCheck(const v1::CheckInfo& check);
// A task's `health_check` and `check`, with the field as context
// ("invalid health_check: ...").
Status validateChecks(const v1::TaskInfo& task);

// How a CommandInfo runs (shared by executors and COMMAND checks): a shell
// command as `/bin/sh -c value`; otherwise the program `value` with
// `arguments` as its argv (argv[0] becomes `value`); with `environment` plus
// the command's VALUE variables (SECRET ones are skipped); in a session of
// its own, killed when the executor dies.
containerizer::SpawnSpec commandSpec(const v1::CommandInfo& command, std::map<std::string, std::string> environment,
                                     const std::string& workingDirectory);

}  // namespace tepui::checks
