// The elected leader's endpoint; see leader_address.hpp.
#include "registry/leader_address.hpp"

#include "common/json.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::registry {

std::optional<http::Endpoint> leaderEndpoint(const std::string& masterInfoJson) {
  v1::MasterInfo info;
  if (!json::fromJson(masterInfoJson, &info)) return std::nullopt;
  std::string host = info.address().ip().empty() ? info.address().hostname() : info.address().ip();
  int port = info.address().port() ? info.address().port() : info.port();
  if (host.empty() || port <= 0 || port > 65535) return std::nullopt;
  return http::Endpoint{host, static_cast<uint16_t>(port)};
}

}  // namespace tepui::registry
