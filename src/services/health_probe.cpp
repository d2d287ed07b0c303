#include "services/health_probe.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sstream>

#include "common/clock.hpp"

namespace tepui::services {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

ProbeOutcome failed(std::string cause) { return {ProbeOutcome::Result::kFailed, std::move(cause)}; }

std::string timedOut(const ProbeTarget& target) {
  std::ostringstream out;
  out << describeProbe(target) << ": timed out after " << target.timeoutSeconds << " s";
  return out.str();
}

// A TCP connect in flight: resolver, socket and deadline live together
// until the first of the connect and the deadline ends it.
struct Connect {
  explicit Connect(asio::io_context& io) : resolver(io), socket(io), deadline(io) {}
  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer deadline;
  bool ended = false;
  ProbeDone done;

  void end(ProbeOutcome outcome) {
    if (ended) return;
    ended = true;
    error_code ignored;
    deadline.cancel();
    resolver.cancel();
    socket.close(ignored);
    done(std::move(outcome));
  }
};

}  // namespace

std::string describeProbe(const ProbeTarget& target) {
  std::string where = target.host + ":" + std::to_string(target.port);
  if (target.protocol == "TCP") return "connect to " + where;
  return "GET http://" + where + (target.path.empty() ? "/" : target.path);
}

ProbeOutcome judgeHttpStatus(const ProbeTarget& target, int status) {
  std::string what = describeProbe(target) + " returned " + std::to_string(status);
  if (status >= 200 && status < 400) return {ProbeOutcome::Result::kPassed, ""};
  if (status < 200 && target.ignoreHttp1xx) return {ProbeOutcome::Result::kIgnored, what};
  return failed(what);
}

NetworkProbe::NetworkProbe(asio::io_context& io) : io_(io), client_(io) {}

NetworkProbe::~NetworkProbe() { *alive_ = false; }

void NetworkProbe::probe(const ProbeTarget& target, ProbeDone done) {
  // Runs `done` only while this NetworkProbe lives.
  ProbeDone guarded = [alive = alive_, done = std::move(done)](ProbeOutcome outcome) {
    if (*alive) done(std::move(outcome));
  };
  if (target.port == 0) {
    asio::post(io_, [guarded, target] { guarded(failed(describeProbe(target) + ": the instance has no such port")); });
    return;
  }
  if (target.protocol == "TCP") return probeTcp(target, std::move(guarded));
  probeHttp(target, std::move(guarded));
}

void NetworkProbe::probeHttp(const ProbeTarget& target, ProbeDone done) {
  http::Request request;
  request.method = "GET";
  request.target = target.path.empty() ? "/" : target.path;
  request.headers["Connection"] = "close";
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(clock::seconds(target.timeoutSeconds));
  client_.request(
      http::Endpoint{target.host, target.port}, std::move(request),
      [target, done = std::move(done)](Result<http::Response> response) {
        if (!response) {
          bool late = response.error().message.find("timed out") != std::string::npos;
          return done(failed(late ? timedOut(target) : describeProbe(target) + ": " + response.error().message));
        }
        done(judgeHttpStatus(target, response->status));
      },
      http::RequestOptions{std::max(timeout, std::chrono::milliseconds(1))});
}

void NetworkProbe::probeTcp(const ProbeTarget& target, ProbeDone done) {
  auto c = std::make_shared<Connect>(io_);
  c->done = std::move(done);
  c->deadline.expires_after(clock::seconds(target.timeoutSeconds));
  c->deadline.async_wait([c, target](error_code ec) {
    if (!ec) c->end(failed(timedOut(target)));
  });
  c->resolver.async_resolve(
      target.host, std::to_string(target.port), [c, target](error_code ec, tcp::resolver::results_type results) {
        if (c->ended) return;
        if (ec) return c->end(failed(describeProbe(target) + ": cannot resolve the host: " + ec.message()));
        asio::async_connect(c->socket, results, [c, target](error_code ec, const tcp::endpoint&) {
          if (ec) return c->end(failed(describeProbe(target) + ": " + ec.message()));
          c->end({ProbeOutcome::Result::kPassed, ""});
        });
      });
}

}  // namespace tepui::services
