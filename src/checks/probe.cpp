// One check attempt at a time, on the loop (see probe.hpp).
#include "checks/probe.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <sstream>

#include "common/clock.hpp"
#include "common/logging.hpp"

namespace tepui::checks {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Longer than this is as good as forever, and still fits a timer.
constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;

std::chrono::nanoseconds after(double seconds) { return clock::seconds(std::clamp(seconds, 0.0, kMaxSeconds)); }

std::string describeSeconds(double seconds) {
  std::ostringstream out;
  out << seconds << " s";
  return out.str();
}

std::string loopback(const ProbeSpec& spec) {
  return (spec.ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(spec.port);
}

// What an attempt does, for messages: "GET http://127.0.0.1:80/", "connect
// to 127.0.0.1:80", "" for a command (its outcome says how it ended).
std::string describeAttempt(const ProbeSpec& spec) {
  switch (spec.kind) {
    case ProbeSpec::Kind::kHttp: return "GET http://" + loopback(spec) + (spec.path.empty() ? "/" : spec.path);
    case ProbeSpec::Kind::kTcp: return "connect to " + loopback(spec);
    default: return "";
  }
}

ProbeOutcome noResult(std::string why) {
  ProbeOutcome outcome;
  outcome.description = std::move(why);
  return outcome;
}

}  // namespace

ProbeLoop::ProbeLoop(asio::io_context& io, ProbeSpec spec, CheckContext context)
    : spec_(std::move(spec)),
      context_(std::move(context)),
      timer_(io),
      deadline_(io),
      socket_(io),
      client_(io),
      watcher_(io),
      what_(describeAttempt(spec_)) {}

void ProbeLoop::start() {
  startedAt_ = std::chrono::steady_clock::now();
  schedule(spec_.delaySeconds);
}

double ProbeLoop::secondsSinceStart() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - startedAt_).count();
}

void ProbeLoop::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  deadline_.cancel();
  if (inFlight_) {
    inFlight_ = false;
    abandon();
  }
}

void ProbeLoop::schedule(double seconds) {
  timer_.expires_after(after(seconds));
  timer_.async_wait([weak = weak_from_this()](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->attempt();
  });
}

void ProbeLoop::attempt() {
  uint64_t n = ++attempt_;
  inFlight_ = true;
  if (spec_.timeoutSeconds > 0) {
    deadline_.expires_after(after(spec_.timeoutSeconds));
    deadline_.async_wait([weak = weak_from_this(), n](error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      std::string why = "timed out after " + describeSeconds(self->spec_.timeoutSeconds);
      bool command = self->spec_.kind == ProbeSpec::Kind::kCommand;
      self->finish(n, noResult(command ? why + "; its process group was killed" : self->what_ + ": " + why));
    });
  }
  switch (spec_.kind) {
    case ProbeSpec::Kind::kCommand: runCommand(n); break;
    case ProbeSpec::Kind::kHttp: runHttp(n); break;
    case ProbeSpec::Kind::kTcp: runTcp(n); break;
  }
}

void ProbeLoop::runCommand(uint64_t n) {
  auto pid = containerizer::spawn(commandSpec(spec_.command, context_.environment, context_.sandbox));
  if (!pid) return finish(n, noResult("could not start the command: " + pid.error().message));
  commandPid_ = *pid;
  // Held strongly: the process is reaped even if the loop is dropped first.
  auto watched = watcher_.watch(
      *pid, [self = shared_from_this(), n, pid = *pid](int status) { self->commandExited(n, pid, status); });
  if (!watched) {
    containerizer::signalGroup(*pid, SIGKILL);
    commandPid_ = -1;
    finish(n, noResult("cannot watch the command's process: " + watched.error().message));
  }
}

void ProbeLoop::commandExited(uint64_t n, pid_t pid, int status) {
  if (commandPid_ == pid) commandPid_ = -1;
  // Nothing the check started may outlive it.
  containerizer::signalGroup(pid, SIGKILL);
  ProbeOutcome outcome = noResult(containerizer::describeWaitStatus(status));
  if (status >= 0 && WIFEXITED(status)) outcome.exitCode = WEXITSTATUS(status);
  finish(n, std::move(outcome));
}

void ProbeLoop::runHttp(uint64_t n) {
  http::Endpoint endpoint{spec_.ipv6 ? "::1" : "127.0.0.1", static_cast<uint16_t>(spec_.port)};
  http::Request request;
  request.method = "GET";
  request.target = spec_.path.empty() ? "/" : spec_.path;
  request.headers["Connection"] = "close";  // one connection per check
  client_.request(
      endpoint, std::move(request),
      [weak = weak_from_this(), n](Result<http::Response> response) {
        auto self = weak.lock();
        if (!self) return;
        if (!response) return self->finish(n, noResult(self->what_ + ": " + response.error().message));
        ProbeOutcome outcome = noResult(self->what_ + " returned " + std::to_string(response->status));
        outcome.httpStatus = response->status;
        self->finish(n, std::move(outcome));
      },
      http::RequestOptions{std::chrono::milliseconds(0)});  // the deadline is ours
}

void ProbeLoop::runTcp(uint64_t n) {
  tcp::endpoint endpoint(spec_.ipv6 ? asio::ip::address(asio::ip::address_v6::loopback())
                                    : asio::ip::address(asio::ip::address_v4::loopback()),
                         static_cast<uint16_t>(spec_.port));
  socket_.async_connect(endpoint, [weak = weak_from_this(), n](error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    ProbeOutcome outcome = noResult(self->what_ + (ec ? ": " + ec.message() : " succeeded"));
    outcome.connected = !ec;
    self->finish(n, std::move(outcome));
  });
}

void ProbeLoop::finish(uint64_t n, ProbeOutcome outcome) {
  if (stopped_ || !inFlight_ || n != attempt_) return;
  inFlight_ = false;
  deadline_.cancel();
  abandon();
  auto keepAlive = shared_from_this();
  onOutcome(outcome);
  if (!stopped_) schedule(spec_.intervalSeconds);
}

void ProbeLoop::abandon() {
  error_code ignored;
  socket_.close(ignored);
  if (spec_.kind == ProbeSpec::Kind::kHttp) client_.shutdown();
  if (commandPid_ > 0) {
    // Its exit watch stays, so the process is still reaped.
    containerizer::signalGroup(commandPid_, SIGKILL);
    commandPid_ = -1;
  }
}

}  // namespace tepui::checks
