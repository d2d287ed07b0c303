// Encoding of API messages in the two media types the v1 APIs speak:
// application/json (Mesos's JSON shape, common/json.hpp) and
// application/x-protobuf. Also the Content-Type and Accept negotiation rules
// of the v1 endpoints.
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::codec {

enum class ContentType { JSON, PROTOBUF };

inline constexpr std::string_view kJson = "application/json";
inline constexpr std::string_view kProtobuf = "application/x-protobuf";

std::string_view mediaType(ContentType type);

// The request's Content-Type: "application/json" or "application/x-protobuf",
// parameters such as "; charset=utf-8" tolerated. nullopt for anything else.
std::optional<ContentType> fromContentType(std::string_view header);

// The response type chosen from an Accept header: JSON is preferred, then
// protobuf; a missing header or "*/*" (or "application/*") gives JSON; a
// type with q=0 is excluded. nullopt when neither is acceptable (406).
std::optional<ContentType> fromAccept(std::optional<std::string_view> header);

std::string encode(const google::protobuf::Message& message, ContentType type);
// Decodes and checks that every required field is present; errors say what
// is wrong ("failed to parse JSON: ...", "missing required field 'x.y'").
Status decode(std::string_view body, ContentType type, google::protobuf::Message* message);

}  // namespace tepui::codec
