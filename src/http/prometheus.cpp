// The Prometheus text format writer.
#include "http/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <vector>

namespace tepui::http {

namespace {

std::string sanitize(const std::string& raw, bool allowColon) {
  std::string out;
  for (char c : raw) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              (allowColon && c == ':');
    out += ok ? c : '_';
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  return out;
}

std::string familyName(const metrics::Metric& metric) {
  std::string name = sanitize(metric.name, true);
  if (metric.kind == metrics::Kind::kCounter && !name.ends_with("_total")) name += "_total";
  return name;
}

std::string escape(const std::string& raw, bool quotes) {
  std::string out;
  for (char c : raw) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

struct Family {
  metrics::Kind kind;
  std::string help;
  std::vector<std::string> samples;
  std::set<std::string> seen;  // name{labels} already written
};

}  // namespace

std::string prometheusName(const std::string& key) { return sanitize(key, true); }

std::string prometheusText(const metrics::Snapshot& snapshot) {
  std::map<std::string, Family> families;
  for (auto& [key, metric] : snapshot.entries()) {
    std::string name = familyName(metric);
    auto [it, added] = families.try_emplace(name, Family{metric.kind, metric.family, {}, {}});
    std::string sample = name;
    if (!metric.labels.empty()) {
      sample += '{';
      for (size_t i = 0; i < metric.labels.size(); ++i) {
        if (i) sample += ',';
        sample += sanitize(metric.labels[i].first, false) + "=\"" + escape(metric.labels[i].second, true) + '"';
      }
      sample += '}';
    }
    if (!it->second.seen.insert(sample).second) continue;
    it->second.samples.push_back(sample + ' ' + number(metric.value) + '\n');
  }
  std::string out;
  for (auto& [name, family] : families) {
    out += "# HELP " + name + " Tepui metric " + escape(family.help, false) + '\n';
    out += "# TYPE " + name + (family.kind == metrics::Kind::kCounter ? " counter\n" : " gauge\n");
    for (auto& sample : family.samples) out += sample;
  }
  return out;
}

Response prometheusResponse(const metrics::Snapshot& snapshot) {
  Response response;
  response.status = 200;
  response.headers["Content-Type"] = kPrometheusContentType;
  response.body = prometheusText(snapshot);
  return response;
}

Handler prometheusHandler(std::function<metrics::Snapshot()> scrape) {
  return [scrape = std::move(scrape)](Request& request, Responder responder) {
    if (request.method != "GET" && request.method != "HEAD") {
      return responder.respond(Response::methodNotAllowed("GET", request.method));
    }
    responder.respond(prometheusResponse(scrape()));
  };
}

}  // namespace tepui::http
