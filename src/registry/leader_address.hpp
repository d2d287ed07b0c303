// Where the elected leader listens: the endpoint in the MasterInfo JSON a
// master publishes in its election znode (election.hpp), for those that
// follow the leader (agents, the command line).
//
// Contract: nullopt when the JSON does not parse as MasterInfo or names no
// usable address; the address's ip, else its hostname; its port, else the
// MasterInfo's own port field.
#pragma once

#include <optional>
#include <string>

#include "http/message.hpp"

namespace tepui::registry {

std::optional<http::Endpoint> leaderEndpoint(const std::string& masterInfoJson);

}  // namespace tepui::registry
