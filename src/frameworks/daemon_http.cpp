// The endpoints a framework daemon's runtime serves itself (see daemon.hpp):
// /ping and /metrics on every instance, the leader-only wrapper (307/503)
// and the leader's address.
#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "frameworks/daemon.hpp"
#include "frameworks/http_answers.hpp"

namespace tepui::frameworks {

void Daemon::installRoutes() {
  server_.route("/ping", getOnly([](const http::Request&) { return http::Response::text(200, "pong"); }));
  server_.route("/metrics", getOnly([this](const http::Request&) { return http::Response::json(200, metricsJson()); }));
  for (const std::string& prefix : profile_.leaderOnlyPrefixes) {
    server_.routePrefix(prefix, leaderOnly([](http::Request& r, http::Responder p) {
                          p.respond(jsonMessage(404, "no such endpoint: " + r.method + " " + r.path));
                        }));
  }
}

void Daemon::routeEverywhere(const std::string& path, http::Handler handler) {
  server_.route(path, std::move(handler));
}

void Daemon::route(const std::string& path, http::Handler handler) { server_.route(path, leaderOnly(handler)); }

void Daemon::routePrefix(const std::string& prefix, http::Handler handler) {
  server_.routePrefix(prefix, leaderOnly(handler));
}

http::Handler Daemon::leaderOnly(http::Handler handler) {
  return [this, handler = std::move(handler)](http::Request& r, http::Responder p) {
    if (!redirect(r, p)) handler(r, std::move(p));
  };
}

bool Daemon::redirect(const http::Request& request, http::Responder& responder) {
  if (state_ == State::kLeading) return false;
  if (state_ == State::kLoading || leadership_->elected()) {
    responder.respond(jsonMessage(503, "this instance was elected and is loading its state; try again shortly"));
    return true;
  }
  auto leader = leadership_->leader();
  if (!leader) {
    responder.respond(jsonMessage(503, "no instance of " + name_ + " leads at the moment; try again shortly"));
    return true;
  }
  ++redirects_;
  auto response = http::Response::empty(307);
  response.headers["Location"] = "http://" + leader->endpoint.str() + request.target;
  responder.respond(std::move(response));
  return true;
}

std::optional<LeaderAddress> Daemon::leader() const {
  if (leadership_->elected() && state_ != State::kLeading) return std::nullopt;
  return leadership_->leader();
}

http::Response Daemon::leaderResponse() const {
  auto address = leader();
  if (!address) return jsonMessage(404, "there is no leader");
  return http::Response::json(200, json::serialize(boost::json::object{{"leader", address->str()}}));
}

std::string Daemon::metricsJson() const {
  const std::string p = profile_.product + "/";
  metrics::Snapshot s;
  s.gauge(p + "uptime_secs", clock::wallSeconds() - startTime_);
  s.gauge(p + "elected", state_ == State::kLeading ? 1 : 0);
  s.counter(p + "elections", static_cast<double>(leadership_->elections()));
  s.counter(p + "terms_ended", static_cast<double>(termsEnded_));
  s.counter(p + "http/redirects", static_cast<double>(redirects_));
  s.gauge(p + "state/pending_writes", repository_ ? static_cast<double>(repository_->pendingWrites()) : 0);
  s.counter(p + "state/commits", static_cast<double>(commits_ + (repository_ ? repository_->commits() : 0)));
  FrameworkLinkCounters f = linkTotals_;
  if (link_) f += link_->counters();
  s.gauge(p + "framework/subscribed", link_ && link_->subscribed() ? 1 : 0);
  s.counter(p + "framework/subscriptions", static_cast<double>(f.subscriptions));
  s.counter(p + "framework/disconnections", static_cast<double>(f.disconnections));
  s.counter(p + "framework/offers_received", static_cast<double>(f.offers));
  s.counter(p + "framework/updates_received", static_cast<double>(f.updates));
  s.counter(p + "framework/acknowledgements", static_cast<double>(f.acknowledgements));
  s.counter(p + "framework/rescinds", static_cast<double>(f.rescinds));
  if (profile_.metrics) profile_.metrics(s);
  return s.json();
}

}  // namespace tepui::frameworks
