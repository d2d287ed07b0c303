// The transport checks that every v1 endpoint served by Tepui makes on a
// call, in Mesos's order, with Mesos's status codes and messages:
//   405  not a POST;
//   400  no Content-Type ("Expecting 'Content-Type' to be present");
//   415  a Content-Type that is neither application/json nor
//        application/x-protobuf;
//   400  a body that does not decode as `call`
//        ("Failed to validate <what>: <why>").
// What the endpoint does with a decoded call (types, stream ids, state) is
// its own business.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <variant>

#include "common/codec.hpp"
#include "http/message.hpp"

namespace tepui::http {

// The request's media type once `call` holds the decoded body, or the
// response that refuses the request.
std::variant<codec::ContentType, Response> decodeApiCall(const Request& request, google::protobuf::Message* call,
                                                         const std::string& what);

// The operator APIs (master and agent) answer in the media type Accept
// allows (JSON unless it asks for protobuf), or 406 when it allows neither.
std::variant<codec::ContentType, Response> acceptedType(const Request& request);

// A 200 with `message` encoded as `type`.
Response encodedResponse(const google::protobuf::Message& message, codec::ContentType type);

}  // namespace tepui::http
