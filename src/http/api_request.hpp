// The one way Tepui's clients build a call to a v1-style endpoint: a POST
// of an API message in the given media type (and, for calls answered with
// an event stream, the same type in Accept).
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "common/codec.hpp"
#include "http/message.hpp"

namespace tepui::http {

inline Request apiRequest(const std::string& target, const google::protobuf::Message& message,
                          codec::ContentType type, bool expectStream = false) {
  Request request;
  request.method = "POST";
  request.target = target;
  request.headers["Content-Type"] = std::string(codec::mediaType(type));
  if (expectStream) request.headers["Accept"] = std::string(codec::mediaType(type));
  request.body = codec::encode(message, type);
  return request;
}

}  // namespace tepui::http
