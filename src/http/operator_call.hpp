// What the master's and the agent's v1 operator APIs (`POST /api/v1`)
// share: the checks before a call is served, and the answers to
// GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS, GET_LOGGING_LEVEL and
// SET_LOGGING_LEVEL, whose messages are the same in both.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "common/codec.hpp"
#include "common/flags.hpp"
#include "common/metrics.hpp"
#include "http/api_call.hpp"
#include "http/logging_level.hpp"
#include "http/message.hpp"
#include "http/server.hpp"
#include "tepui/v1/mesos.pb.h"

namespace tepui::http {

// decodeApiCall's checks, then 406 unless Accept allows JSON or protobuf,
// then 400 unless the call has a type: the media type to answer in, or the
// response that refuses the call.
std::variant<codec::ContentType, Response> decodeOperatorCall(const Request& request, google::protobuf::Message* call,
                                                              const std::string& what);

// The daemon's flags (none when it has no FlagSet, as under `tepui local`).
void addFlags(const FlagSet* flags, google::protobuf::RepeatedPtrField<v1::Flag>* out);

// Tepui's version; `startTime` stands for the build time.
v1::VersionInfo versionInfo(double startTime);

// What a daemon lends the calls both APIs answer alike.
struct CommonFacts {
  const FlagSet* flags;  // none when the daemon has no FlagSet
  double startTime;
  LoggingLevel& logging;
  std::function<metrics::Snapshot()> metrics;  // the daemon's /metrics/snapshot
};

// SET_LOGGING_LEVEL: 200 with no body, or 400 with the reason (no
// `set_logging_level`, or a level or duration LoggingLevel::set refuses).
Response setLoggingLevel(bool present, uint32_t level, int64_t nanoseconds, LoggingLevel& logging);

// Answers GET_HEALTH, GET_FLAGS, GET_VERSION, GET_METRICS,
// GET_LOGGING_LEVEL and SET_LOGGING_LEVEL, which both APIs number and
// shape alike: the HTTP
// response (the answer encoded as `type`, or a refusal), or nullopt for
// any other call.
template <typename Response, typename Call>
std::optional<http::Response> answerCommonCall(const Call& call, codec::ContentType type, const CommonFacts& facts) {
  Response response;
  switch (call.type()) {
    case Call::GET_HEALTH:
      response.set_type(Response::GET_HEALTH);
      response.mutable_get_health()->set_healthy(true);
      break;
    case Call::GET_FLAGS:
      response.set_type(Response::GET_FLAGS);
      addFlags(facts.flags, response.mutable_get_flags()->mutable_flags());
      break;
    case Call::GET_VERSION:
      response.set_type(Response::GET_VERSION);
      *response.mutable_get_version()->mutable_version_info() = versionInfo(facts.startTime);
      break;
    case Call::GET_METRICS:
      response.set_type(Response::GET_METRICS);
      metrics::addTo(facts.metrics(), response.mutable_get_metrics());
      break;
    case Call::GET_LOGGING_LEVEL:
      response.set_type(Response::GET_LOGGING_LEVEL);
      response.mutable_get_logging_level()->set_level(facts.logging.level());
      break;
    case Call::SET_LOGGING_LEVEL:
      return setLoggingLevel(call.has_set_logging_level(), call.set_logging_level().level(),
                             call.set_logging_level().duration().nanoseconds(), facts.logging);
    default: return std::nullopt;
  }
  return encodedResponse(response, type);
}

// What each daemon's `POST /api/v1` starts with: decodeOperatorCall's
// checks into `call`, then answerCommonCall. Returns the media type to
// answer the daemon's own calls in, or nullopt when `responder` has been
// answered (a refusal, or a common call).
template <typename Response, typename Call>
std::optional<codec::ContentType> serveCommonCall(const Request& request, Call& call, const std::string& what,
                                                  const CommonFacts& facts, Responder& responder) {
  auto accept = decodeOperatorCall(request, &call, what);
  if (auto* refused = std::get_if<http::Response>(&accept)) {
    responder.respond(std::move(*refused));
    return std::nullopt;
  }
  auto type = std::get<codec::ContentType>(accept);
  if (auto answer = answerCommonCall<Response>(call, type, facts)) {
    responder.respond(std::move(*answer));
    return std::nullopt;
  }
  return type;
}

}  // namespace tepui::http
