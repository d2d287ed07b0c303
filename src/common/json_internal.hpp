// Private to src/common: what the files implementing the protobuf <-> JSON
// mapping of json.hpp share. One concern per file:
//   json_write.cpp      message -> boost::json tree (toValue, toJson), and the
//                       compact printer (serialize)
//   json_read.cpp       boost::json tree -> message (fromValue)
//   json_read_text.cpp  JSON text -> boost::json tree with correctly rounded
//                       doubles (fromJson)
//   json_base64.cpp     base64 for bytes fields
// Nothing here keeps state between calls, so concurrent use on different
// messages is safe.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <google/protobuf/descriptor.h>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tepui::json {

namespace bj = boost::json;
namespace pb = google::protobuf;
using pb::FieldDescriptor;

// Input is untrusted: both the JSON text and the message recursion are capped,
// so hostile nesting cannot exhaust the stack.
inline constexpr int kMaxDepth = 100;

// Base64, standard alphabet with padding (what stout and Go's encoding/json
// use for bytes). Decoding accepts padded input and, leniently, input whose
// padding was stripped; false when `in` is not base64.
bj::string base64Encode(std::string_view in, const bj::storage_ptr& sp);
bool base64Decode(std::string_view in, std::string* out);

// Parses one complete JSON document, at most kMaxDepth deep; the tree's
// nodes come from `sp`.
Result<bj::value> parseText(std::string_view text, const bj::storage_ptr& sp);

}  // namespace tepui::json
