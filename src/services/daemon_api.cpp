// The endpoints tepui services adds to the shared runtime (see
// services.hpp): /v2/info and /v2/leader on every instance, /v2/events on
// the leader only; and its metrics.
#include <boost/json/object.hpp>

#include "common/json.hpp"
#include "frameworks/http_answers.hpp"
#include "services/daemon.hpp"

namespace tepui::services {

using frameworks::getOnly;
using frameworks::jsonMessage;

void Daemon::installRoutes() {
  runtime_.routeEverywhere("/v2/info",
                           getOnly([this](const http::Request&) { return http::Response::json(200, infoJson()); }));
  runtime_.routeEverywhere("/v2/leader", [this](http::Request& r, http::Responder p) { serveLeader(r, std::move(p)); });
  runtime_.route("/v2/events", [this](http::Request& r, http::Responder p) { events_.serve(r, std::move(p)); });
}

void Daemon::serveLeader(http::Request& request, http::Responder responder) {
  if (request.method == "GET" || request.method == "HEAD") return responder.respond(runtime_.leaderResponse());
  if (request.method != "DELETE")
    return responder.respond(http::Response::methodNotAllowed("GET, DELETE", request.method));
  if (runtime_.redirect(request, responder)) return;
  if (!runtime_.highlyAvailable()) {
    return responder.respond(
        jsonMessage(400, "this instance runs without --zk: there is no other instance to hand leadership to"));
  }
  responder.respond(jsonMessage(200, "Leadership abdicated"));
  (void)runtime_.abdicate("abdicated (DELETE /v2/leader)");
}

std::string Daemon::infoJson() const {
  const frameworks::FrameworkFlags& f = runtime_.flags();
  auto leader = runtime_.leader();
  boost::json::value leaderValue = nullptr;
  if (leader) leaderValue = leader->str();
  boost::json::value frameworkId = nullptr;
  if (runtime_.link() && !runtime_.link()->frameworkId().empty()) frameworkId = runtime_.link()->frameworkId();
  boost::json::object marathon{{"master", f.master},
                               {"framework_name", f.framework_name},
                               {"failover_timeout", f.failover_timeout.count()},
                               {"hostname", f.hostname},
                               {"mesos_role", f.role},
                               {"mesos_user", f.user},
                               {"checkpoint", true},
                               {"ha", runtime_.highlyAvailable()},
                               {"webui_url", nullptr}};
  boost::json::value zk = nullptr;
  if (!f.zk.empty()) zk = f.zk;
  boost::json::object zookeeper{{"zk", zk},
                                {"zk_session_timeout", static_cast<int64_t>(f.zk_session_timeout.count() * 1000)},
                                {"zk_max_versions", flags_.max_versions}};
  boost::json::object http{{"http_port", runtime_.port()}, {"https_port", nullptr}};
  boost::json::object info{{"name", "tepui-services"},
                           {"version", TEPUI_VERSION},
                           {"buildref", ""},
                           {"elected", runtime_.leading()},
                           {"leader", leaderValue},
                           {"frameworkId", frameworkId},
                           {"marathon_config", marathon},
                           {"zookeeper_config", zookeeper},
                           {"http_config", http},
                           {"event_subscriber", boost::json::object{{"type", "sse"}}}};
  return json::serialize(info);
}

void Daemon::addMetrics(metrics::Snapshot& s) const {
  const EventBusCounters& e = events_.counters();
  s.counter("services/events/published", static_cast<double>(e.published));
  s.counter("services/events/attached", static_cast<double>(e.attached));
  s.counter("services/events/detached", static_cast<double>(e.detached));
  s.counter("services/events/dropped_slow", static_cast<double>(e.droppedSlow));
  s.counter("services/events/missed_reported", static_cast<double>(e.gapsReported));
  s.gauge("services/events/subscribers", static_cast<double>(events_.subscribers()));
  s.counter("services/health/probes_passed", static_cast<double>(health_.passed));
  s.counter("services/health/probes_failed", static_cast<double>(health_.failed));
  s.counter("services/health/probes_ignored", static_cast<double>(health_.ignored));
  s.counter("services/health/unhealthy_kills", static_cast<double>(health_.kills));
  s.gauge("services/health/probes_in_flight", static_cast<double>(health_.inFlight));
  s.gauge("services/health/probes_queued", static_cast<double>(health_.queued));
  const Repository* repository = runtime_.repository();
  auto count = [&](const char* collection) {
    return repository ? static_cast<double>(repository->all(collection).size()) : 0;
  };
  s.gauge("services/state/apps", count(kApps));
  s.gauge("services/state/deployments", count(kDeployments));
  s.gauge("services/state/instances", count(kInstances));
}

}  // namespace tepui::services
