// The operator API client of the command line; see operator_client.hpp.
#include "cli/operator_client.hpp"

#include <cctype>

#include "cli/leading_master.hpp"
#include "common/codec.hpp"
#include "common/json.hpp"
#include "http/client.hpp"

namespace tepui::cli {

namespace {

using Response = v1::master::Response;

// "connect to H:P: Connection refused" -> "connection refused": the master's
// address is already in the message the caller builds.
std::string reason(const Error& error, const http::Endpoint& master) {
  std::string text = error.message;
  std::string prefix = "connect to " + master.str() + ": ";
  if (text.rfind(prefix, 0) == 0) text = text.substr(prefix.size());
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

bool validMasterSpec(const std::string& master) {
  return master.rfind("zk://", 0) == 0 || http::parseEndpoint(master).has_value();
}

Result<OperatorClient> OperatorClient::connect(const std::string& master) {
  auto leader = findLeadingMaster(master);
  if (!leader) return leader.error();
  return OperatorClient(master, *leader);
}

Result<http::Response> OperatorClient::post(const std::string& body) {
  http::Request request;
  request.method = "POST";
  request.target = "/api/v1";
  request.headers["Content-Type"] = std::string(codec::kJson);
  request.headers["Accept"] = std::string(codec::kJson);
  request.body = body;
  auto response = http::fetch(master_, request);
  if (!response) return Error("cannot reach the master at " + master_.str() + ": " + reason(response.error(), master_));
  return response;
}

Result<http::Response> OperatorClient::exchange(const v1::master::Call& call) {
  std::string request = json::toJson(call);
  auto response = post(request);
  if (response && response->status == 307) {
    // A follower now: the leader changed since connect().
    auto leader = findLeadingMaster(spec_);
    if (!leader) return leader.error();
    master_ = *leader;
    response = post(request);
  }
  if (!response) return response.error();
  if (response->status / 100 != 2) {
    return Error("the master at " + master_.str() + " answered " + std::to_string(response->status) + ": " +
                 trimmed(response->body));
  }
  return response;
}

Result<Response> OperatorClient::call(const v1::master::Call& call, std::string* body) {
  auto response = exchange(call);
  if (!response) return response.error();
  Response decoded;
  if (auto parsed = codec::decode(response->body, codec::ContentType::JSON, &decoded); !parsed) {
    return parsed.error().context("the master at " + master_.str() + " sent a malformed answer");
  }
  if (body) *body = std::move(response->body);
  return decoded;
}

Status OperatorClient::perform(const v1::master::Call& call) {
  auto response = exchange(call);
  if (!response) return response.error();
  return okStatus();
}

Result<Response::GetState> OperatorClient::state() {
  v1::master::Call request;
  request.set_type(v1::master::Call::GET_STATE);
  auto response = call(request);
  if (!response) return response.error();
  if (!response->has_get_state()) {
    return Error("the master at " + master_.str() + " answered GET_STATE without its state");
  }
  return std::move(*response->mutable_get_state());
}

}  // namespace tepui::cli
