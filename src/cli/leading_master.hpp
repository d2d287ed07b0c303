// Finding the leading master for the command line (`tepui run`, `tepui
// logs`): --master is host:port of any master, or zk://host:port[,...]/path
// of a group of masters that elect a leader through ZooKeeper.
//
// Contract: findLeadingMaster() returns the leader's endpoint.
// - zk://...: waits up to `wait` for the election to name a leader and
//   returns the address in its MasterInfo.
// - host:port: asks that master's /master/redirect; a 307 names the leader
//   (a leader names itself), a 503 means none leads (an error). A master
//   that cannot be reached, or one that does not answer the redirect, is
//   returned as given, so that the command reports the failure itself.
// - anything else is an error naming the expected forms.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "http/message.hpp"

namespace tepui::cli {

Result<http::Endpoint> findLeadingMaster(const std::string& master,
                                         std::chrono::milliseconds wait = std::chrono::seconds(15));

}  // namespace tepui::cli
