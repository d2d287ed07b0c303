// Operator API calls (POST /api/v1) for in-process cluster tests, over real
// HTTP to the cluster's master or to one of its agents.
#pragma once

#include "cluster.hpp"
#include "http/api_request.hpp"
#include "http/client.hpp"
#include "tepui/v1/agent.pb.h"
#include "tepui/v1/master.pb.h"

namespace tepui::testing {

using OperatorCall = v1::master::Call;
using OperatorResponse = v1::master::Response;

// The call (a master's or an agent's) sent in `type` to POST /api/v1 of
// `to`, answered in `accept`; the HTTP response (status 0 if `to` could
// not be reached).
inline http::Response postTo(const http::Endpoint& to, const google::protobuf::Message& call,
                             codec::ContentType type = codec::ContentType::JSON, const std::string& accept = "") {
  auto request = http::apiRequest("/api/v1", call, type);
  if (!accept.empty()) request.headers["Accept"] = accept;
  auto response = http::fetch(to, request);
  return response ? *response : http::Response{};
}

// The same to the cluster's master.
inline http::Response post(Cluster& cluster, const OperatorCall& call,
                           codec::ContentType type = codec::ContentType::JSON, const std::string& accept = "") {
  return postTo(cluster.masterEndpoint(), call, type, accept);
}

// A raw JSON body to POST /api/v1 of `to` (for calls no message can hold).
inline http::Response postJson(const http::Endpoint& to, const std::string& body) {
  http::Request r;
  r.method = "POST";
  r.target = "/api/v1";
  r.headers["Content-Type"] = "application/json";
  r.body = body;
  auto response = http::fetch(to, r);
  return response ? *response : http::Response{};
}

// Where the cluster's agent `i` serves.
inline http::Endpoint agentEndpoint(Cluster& cluster, size_t i = 0) {
  return {"127.0.0.1", cluster.agent(i).call([](agent::Agent& a) { return a.port(); })};
}

template <typename Message = OperatorResponse>
Message decoded(const http::Response& r, codec::ContentType type = codec::ContentType::JSON) {
  Message out;
  EXPECT_TRUE(codec::decode(r.body, type, &out)) << r.body;
  return out;
}

inline OperatorCall call(OperatorCall::Type type) {
  OperatorCall c;
  c.set_type(type);
  return c;
}

}  // namespace tepui::testing
