// The endpoints the services runtime serves itself (see services.hpp):
// /ping, /metrics, /v2/info and /v2/leader on every instance; /v2/events
// and every other /v2/... path on the leader only.
#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/metrics.hpp"
#include "services/daemon.hpp"

namespace tepui::services {

namespace {

http::Response message(int status, const std::string& text) {
  return http::Response::json(status, json::serialize(boost::json::object{{"message", text}}));
}

// A handler for GET (and HEAD) only.
http::Handler getOnly(std::function<http::Response(const http::Request&)> answer) {
  return [answer = std::move(answer)](http::Request& r, http::Responder p) {
    if (r.method != "GET" && r.method != "HEAD") return p.respond(http::Response::methodNotAllowed("GET", r.method));
    p.respond(answer(r));
  };
}

}  // namespace

void Daemon::installRoutes() {
  server_.route("/ping", getOnly([](const http::Request&) { return http::Response::text(200, "pong"); }));
  server_.route("/metrics", getOnly([this](const http::Request&) { return http::Response::json(200, metricsJson()); }));
  server_.route("/v2/info", getOnly([this](const http::Request&) { return http::Response::json(200, infoJson()); }));
  server_.route("/v2/leader", [this](http::Request& r, http::Responder p) { serveLeader(r, std::move(p)); });
  server_.route("/v2/events",
                leaderOnly([this](http::Request& r, http::Responder p) { events_.serve(r, std::move(p)); }));
  server_.routePrefix("/v2/", leaderOnly([](http::Request& r, http::Responder p) {
                        p.respond(message(404, "no such endpoint: " + r.method + " " + r.path));
                      }));
}

http::Handler Daemon::leaderOnly(http::Handler handler) {
  return [this, handler = std::move(handler)](http::Request& r, http::Responder p) {
    if (!redirect(r, p)) handler(r, std::move(p));
  };
}

bool Daemon::redirect(const http::Request& request, http::Responder& responder) {
  if (state_ == State::kLeading) return false;
  if (state_ == State::kLoading || leadership_->elected()) {
    responder.respond(message(503, "this instance was elected and is loading its state; try again shortly"));
    return true;
  }
  auto leader = leadership_->leader();
  if (!leader) {
    responder.respond(message(503, "no instance of tepui services leads at the moment; try again shortly"));
    return true;
  }
  ++redirects_;
  auto response = http::Response::empty(307);
  response.headers["Location"] = "http://" + leader->endpoint.str() + request.target;
  responder.respond(std::move(response));
  return true;
}

void Daemon::serveLeader(http::Request& request, http::Responder responder) {
  if (request.method == "GET" || request.method == "HEAD") {
    auto leader = leadership_->leader();
    if (!leader || (leadership_->elected() && state_ != State::kLeading)) {
      return responder.respond(message(404, "there is no leader"));
    }
    return responder.respond(
        http::Response::json(200, json::serialize(boost::json::object{{"leader", leader->str()}})));
  }
  if (request.method != "DELETE")
    return responder.respond(http::Response::methodNotAllowed("GET, DELETE", request.method));
  if (redirect(request, responder)) return;
  if (!leadership_->highlyAvailable()) {
    return responder.respond(
        message(400, "this instance runs without --zk: there is no other instance to hand leadership to"));
  }
  responder.respond(message(200, "Leadership abdicated"));
  stopLeading("abdicated (DELETE /v2/leader)");
  leadership_->abdicate();
}

std::string Daemon::infoJson() const {
  auto leader = leadership_->leader();
  bool elected = state_ == State::kLeading;
  boost::json::value leaderValue = nullptr;
  if (leader && (elected || !leadership_->elected())) leaderValue = leader->str();
  boost::json::value frameworkId = nullptr;
  if (link_ && !link_->frameworkId().empty()) frameworkId = link_->frameworkId();
  boost::json::object marathon{{"master", flags_.master},
                               {"framework_name", flags_.framework_name},
                               {"failover_timeout", flags_.failover_timeout.count()},
                               {"hostname", flags_.hostname},
                               {"mesos_role", flags_.role},
                               {"mesos_user", flags_.user},
                               {"checkpoint", true},
                               {"ha", leadership_->highlyAvailable()},
                               {"webui_url", nullptr}};
  boost::json::value zk = nullptr;
  if (!flags_.zk.empty()) zk = flags_.zk;
  boost::json::object zookeeper{{"zk", zk},
                                {"zk_session_timeout", static_cast<int64_t>(flags_.zk_session_timeout.count() * 1000)},
                                {"zk_max_versions", flags_.max_versions}};
  boost::json::object http{{"http_port", server_.port()}, {"https_port", nullptr}};
  boost::json::object info{{"name", "tepui-services"},
                           {"version", TEPUI_VERSION},
                           {"buildref", ""},
                           {"elected", elected},
                           {"leader", leaderValue},
                           {"frameworkId", frameworkId},
                           {"marathon_config", marathon},
                           {"zookeeper_config", zookeeper},
                           {"http_config", http},
                           {"event_subscriber", boost::json::object{{"type", "sse"}}}};
  return json::serialize(info);
}

std::string Daemon::metricsJson() const {
  metrics::Snapshot s;
  s.gauge("services/uptime_secs", clock::wallSeconds() - startTime_);
  s.gauge("services/elected", state_ == State::kLeading ? 1 : 0);
  s.counter("services/elections", static_cast<double>(leadership_->elections()));
  s.counter("services/terms_ended", static_cast<double>(termsEnded_));
  s.counter("services/http/redirects", static_cast<double>(redirects_));
  const EventBusCounters& e = events_.counters();
  s.counter("services/events/published", static_cast<double>(e.published));
  s.counter("services/events/attached", static_cast<double>(e.attached));
  s.counter("services/events/detached", static_cast<double>(e.detached));
  s.counter("services/events/dropped_slow", static_cast<double>(e.droppedSlow));
  s.counter("services/events/missed_reported", static_cast<double>(e.gapsReported));
  s.gauge("services/events/subscribers", static_cast<double>(events_.subscribers()));
  s.gauge("services/state/apps", repository_ ? static_cast<double>(repository_->appIds().size()) : 0);
  s.gauge("services/state/deployments",
          repository_ ? static_cast<double>(repository_->all(Collection::kDeployments).size()) : 0);
  s.gauge("services/state/instances",
          repository_ ? static_cast<double>(repository_->all(Collection::kInstances).size()) : 0);
  s.gauge("services/state/pending_writes", repository_ ? static_cast<double>(repository_->pendingWrites()) : 0);
  s.counter("services/state/commits", static_cast<double>(commits_ + (repository_ ? repository_->commits() : 0)));
  FrameworkLinkCounters f = linkTotals_;
  if (link_) f += link_->counters();
  s.gauge("services/framework/subscribed", link_ && link_->subscribed() ? 1 : 0);
  s.counter("services/framework/subscriptions", static_cast<double>(f.subscriptions));
  s.counter("services/framework/disconnections", static_cast<double>(f.disconnections));
  s.counter("services/framework/offers_received", static_cast<double>(f.offers));
  s.counter("services/framework/updates_received", static_cast<double>(f.updates));
  s.counter("services/framework/acknowledgements", static_cast<double>(f.acknowledgements));
  s.counter("services/framework/rescinds", static_cast<double>(f.rescinds));
  return s.json();
}

}  // namespace tepui::services
