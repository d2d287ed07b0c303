// Protobuf <-> JSON in exactly the shape Mesos uses (stout's mapping), for
// every message of the API, by reflection:
//   - keys are proto field names (snake_case); enums are their value names;
//   - bytes are base64; int64/uint64 are JSON numbers (input also accepts
//     numeric strings); doubles are numbers, and non-finite doubles are
//     written as the strings "Infinity", "-Infinity", "NaN" (never bare
//     tokens, which Go clients cannot parse);
//   - maps are JSON objects; empty repeated fields and unset optionals are
//     omitted, except optionals with an explicit non-deprecated default,
//     which are always written with their (default) value;
//   - input ignores unknown keys; null means unset; an unknown enum name is
//     an error for a required field and ignored for an optional one; a
//     missing required field is an error.
// Errors name the path of the offending field: "framework_info.user: ...",
// with "[i]" for array elements and ".key" for map entries.
//
// fromValue/fromJson clear the message first and leave it cleared on error.
// They never throw; input nested deeper than 100 levels is rejected.
#pragma once

#include <boost/json/value.hpp>
#include <google/protobuf/message.h>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::json {

boost::json::value toValue(const google::protobuf::Message& message);
std::string toJson(const google::protobuf::Message& message);  // compact

Status fromValue(const boost::json::value& value, google::protobuf::Message* message);
Status fromJson(std::string_view text, google::protobuf::Message* message);

// Compact serialisation of a boost::json value (shared by the HTTP faces).
// Doubles keep a decimal point as Mesos prints them ("5.0", "0.1"), and
// non-finite doubles are written as the strings "Infinity"/"-Infinity"/"NaN".
std::string serialize(const boost::json::value& value);

}  // namespace tepui::json
