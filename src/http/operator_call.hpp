// What the master's and the agent's v1 operator APIs (`POST /api/v1`)
// share: the checks before a call is served, and the answers to
// GET_FLAGS and GET_VERSION, whose messages are the same in both.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <string>
#include <variant>

#include "common/codec.hpp"
#include "common/flags.hpp"
#include "http/message.hpp"
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

// Answers GET_HEALTH, GET_FLAGS and GET_VERSION, which both APIs number
// and shape alike; false for any other call.
template <typename Call, typename Response>
bool answerCommonCall(const Call& call, Response& response, const FlagSet* flags, double startTime) {
  switch (call.type()) {
    case Call::GET_HEALTH:
      response.set_type(Response::GET_HEALTH);
      response.mutable_get_health()->set_healthy(true);
      return true;
    case Call::GET_FLAGS:
      response.set_type(Response::GET_FLAGS);
      addFlags(flags, response.mutable_get_flags()->mutable_flags());
      return true;
    case Call::GET_VERSION:
      response.set_type(Response::GET_VERSION);
      *response.mutable_get_version()->mutable_version_info() = versionInfo(startTime);
      return true;
    default: return false;
  }
}

}  // namespace tepui::http
