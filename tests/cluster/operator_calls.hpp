// Operator API calls (POST /api/v1) for in-process cluster tests, over real
// HTTP to the cluster's master.
#pragma once

#include "cluster.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"
#include "tepui/v1/master.pb.h"

namespace tepui::testing {

using OperatorCall = v1::master::Call;
using OperatorResponse = v1::master::Response;

// The call sent in `type`, answered in `accept`; the HTTP response (status 0
// if the master could not be reached).
inline http::Response post(Cluster& cluster, const OperatorCall& call,
                           codec::ContentType type = codec::ContentType::JSON, const std::string& accept = "") {
  auto request = http::apiRequest("/api/v1", call, type);
  if (!accept.empty()) request.headers["Accept"] = accept;
  auto response = http::fetch(cluster.masterEndpoint(), request);
  return response ? *response : http::Response{};
}

inline OperatorResponse decoded(const http::Response& r, codec::ContentType type = codec::ContentType::JSON) {
  OperatorResponse out;
  EXPECT_TRUE(codec::decode(r.body, type, &out)) << r.body;
  return out;
}

inline OperatorCall call(OperatorCall::Type type) {
  OperatorCall c;
  c.set_type(type);
  return c;
}

}  // namespace tepui::testing
