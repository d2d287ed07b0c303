// The app's list fields: port definitions (and the older `ports`), fetch
// URIs (and the older `uris`), constraints.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <charconv>
#include <cmath>
#include <set>

#include "services/app_parse_internal.hpp"

namespace tepui::services::app_parse {

namespace bj = boost::json;

namespace {

constexpr int64_t kMaxPort = 65535;

std::optional<int64_t> readPortNumber(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  std::optional<int64_t> port = readInteger(v, path, errors);
  if (port && (*port < 0 || *port > kMaxPort)) {
    errors->add(path, "must be between 0 and 65535");
    return std::nullopt;
  }
  return port;
}

std::optional<PortDefinition> readPortDefinition(const bj::value& v, const std::string& path,
                                                 ValidationErrors* errors) {
  ObjectReader r(v, path, errors);
  if (!r.isObject()) return std::nullopt;
  PortDefinition def;
  if (!r.has("port")) {
    r.fail("port", "a port definition needs a port (0 for a random one)");
  } else if (auto port = readPortNumber(*r.find("port"), r.pathOf("port"), errors)) {
    def.port = *port;
  }
  if (auto protocol = r.string("protocol")) {
    if (*protocol == "tcp" || *protocol == "udp" || *protocol == "udp,tcp" || *protocol == "tcp,udp") {
      def.protocol = *protocol;
    } else {
      r.fail("protocol", "must be one of tcp, udp, udp,tcp");
    }
  }
  def.name = r.string("name");
  if (def.name && def.name->empty()) r.fail("name", "must not be empty");
  if (auto labels = r.stringMap("labels")) def.labels = *labels;
  return def;
}

// Names and non-zero port numbers must be unique; a repeat is reported at
// the later entry.
void checkUniquePorts(const std::vector<PortDefinition>& defs, const std::string& listPath, bool fromPorts,
                      ValidationErrors* errors) {
  std::set<std::string> names;
  std::set<int64_t> numbers;
  for (size_t i = 0; i < defs.size(); ++i) {
    std::string at = indexPath(listPath, i);
    if (defs[i].name && !names.insert(*defs[i].name).second) {
      errors->add(subPath(at, "name"), "duplicate port name '" + *defs[i].name + "': port names must be unique");
    }
    if (defs[i].port != 0 && !numbers.insert(defs[i].port).second) {
      errors->add(fromPorts ? at : subPath(at, "port"),
                  "duplicate port " + std::to_string(defs[i].port) + ": port numbers must be unique");
    }
  }
}

bool looksLikeArchive(const std::string& uri) {
  for (const char* ext : {".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip"}) {
    std::string e(ext);
    if (uri.size() >= e.size() && uri.compare(uri.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

std::optional<FetchUri> readFetchUri(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  ObjectReader r(v, path, errors);
  if (!r.isObject()) return std::nullopt;
  FetchUri out;
  std::optional<std::string> uri = r.string("uri");
  if (!r.has("uri") || (uri && uri->empty())) r.fail("uri", "a fetch entry needs a non-empty uri");
  if (uri) out.uri = *uri;
  if (auto v2 = r.boolean("extract")) out.extract = *v2;
  if (auto v2 = r.boolean("executable")) out.executable = *v2;
  if (auto v2 = r.boolean("cache")) out.cache = *v2;
  out.destPath = r.string("destPath");
  return out;
}

// A constraint element as text: strings as they are, JSON numbers as they
// were written (integers without a fraction).
std::optional<std::string> constraintText(const bj::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double())) {
    double d = v.get_double();
    if (std::trunc(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    if (ec == std::errc()) return std::string(buf, end);
  }
  return std::nullopt;
}

}  // namespace

void readPorts(const ObjectReader& r, AppDefinition* app) {
  if (auto v = r.boolean("requirePorts")) app->requirePorts = *v;
  std::optional<std::vector<PortDefinition>> defs;
  if (const bj::array* list = r.array("portDefinitions")) {
    defs.emplace();
    for (size_t i = 0; i < list->size(); ++i) {
      if (auto def = readPortDefinition((*list)[i], indexPath(r.pathOf("portDefinitions"), i), r.errors())) {
        defs->push_back(*def);
      }
    }
    checkUniquePorts(*defs, r.pathOf("portDefinitions"), false, r.errors());
  }
  std::optional<std::vector<PortDefinition>> fromPorts;
  if (const bj::array* list = r.array("ports")) {
    fromPorts.emplace();
    for (size_t i = 0; i < list->size(); ++i) {
      if (auto port = readPortNumber((*list)[i], indexPath(r.pathOf("ports"), i), r.errors())) {
        fromPorts->push_back(PortDefinition{.port = *port});
      }
    }
    if (!defs) checkUniquePorts(*fromPorts, r.pathOf("ports"), true, r.errors());
  }
  if (defs && fromPorts) {
    // Both are accepted only when they agree (GET shows both).
    bool same = defs->size() == fromPorts->size();
    for (size_t i = 0; same && i < defs->size(); ++i) same = (*defs)[i].port == (*fromPorts)[i].port;
    if (!same) r.fail("ports", "ports and portDefinitions disagree: give only portDefinitions");
  }
  if (defs) {
    app->portDefinitions = *defs;
  } else if (fromPorts) {
    app->portDefinitions = *fromPorts;
  } else if (!r.has("portDefinitions") && !r.has("ports") && !app->container) {
    app->portDefinitions = {PortDefinition{}};
  }
}

void readFetch(const ObjectReader& r, AppDefinition* app) {
  if (const bj::array* list = r.array("fetch")) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (auto uri = readFetchUri((*list)[i], indexPath(r.pathOf("fetch"), i), r.errors())) {
        app->fetch.push_back(*uri);
      }
    }
  }
  std::optional<std::vector<std::string>> uris = r.strings("uris");
  if (!uris || uris->empty()) return;
  if (r.has("fetch")) {
    r.fail("uris", "uris is the older form of fetch: give only fetch");
    return;
  }
  for (const std::string& uri : *uris) app->fetch.push_back(FetchUri{.uri = uri, .extract = looksLikeArchive(uri)});
}

void readConstraints(const ObjectReader& r, AppDefinition* app) {
  const bj::array* list = r.array("constraints");
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    std::string path = indexPath(r.pathOf("constraints"), i);
    const bj::value& c = (*list)[i];
    if (!c.is_array() || c.get_array().size() < 2 || c.get_array().size() > 3) {
      r.errors()->add(path, "a constraint is an array of 2 or 3 strings: [field, OPERATOR, value]");
      continue;
    }
    std::vector<std::string> parts;
    for (size_t j = 0; j < c.get_array().size(); ++j) {
      std::optional<std::string> text = constraintText(c.get_array()[j]);
      if (!text || text->empty()) {
        r.errors()->add(indexPath(path, j), "expected a non-empty string (or a number)");
      } else {
        parts.push_back(*text);
      }
    }
    if (parts.size() == c.get_array().size()) app->constraints.push_back(std::move(parts));
  }
}

}  // namespace tepui::services::app_parse
