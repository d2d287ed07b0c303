// JSON -> protobuf (see json.hpp for the contract): a boost::json tree is
// walked against the message's descriptor and fills it through its
// Reflection (fromValue). Errors name the path of the offending field.
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "common/json.hpp"
#include "common/json_internal.hpp"

namespace tepui::json {
namespace {

// ---------------------------------------------------------------------------
// Input: conversions of one JSON value. They return the reason only; the
// parser below prefixes the field path.

template <typename T, typename S>
Result<T> narrowInteger(S x) {
  if constexpr (std::is_signed_v<S> && std::is_unsigned_v<T>) {
    if (x < 0) return Error("expected a non-negative integer");
  }
  if (!std::in_range<T>(x)) return Error("integer out of range");
  return static_cast<T>(x);
}

// Integers arrive as JSON numbers (integral doubles included: 1e3, 5.0) or as
// numeric strings, which JSON encoders of 64-bit integers often produce.
template <typename T>
Result<T> toInteger(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::int64: return narrowInteger<T>(v.get_int64());
    case bj::kind::uint64: return narrowInteger<T>(v.get_uint64());
    case bj::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) return Error("integer out of range");  // e.g. 1e400
      if (std::trunc(d) != d) return Error("expected an integer");
      if (d < 0) {
        if constexpr (std::is_unsigned_v<T>) return Error("expected a non-negative integer");
        if (d < -9223372036854775808.0) return Error("integer out of range");
        return narrowInteger<T>(static_cast<std::int64_t>(d));
      }
      if (d >= 18446744073709551616.0) return Error("integer out of range");
      return narrowInteger<T>(static_cast<std::uint64_t>(d));
    }
    case bj::kind::string: {
      const bj::string& s = v.get_string();
      const char* begin = s.data();
      const char* end = begin + s.size();
      if (!s.empty() && s[0] == '-') {
        std::int64_t x = 0;
        const auto [p, ec] = std::from_chars(begin, end, x);
        if (p != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
          return Error("expected an integer");
        }
        if constexpr (std::is_unsigned_v<T>) return Error("expected a non-negative integer");
        if (ec == std::errc::result_out_of_range) return Error("integer out of range");
        return narrowInteger<T>(x);
      }
      std::uint64_t x = 0;
      const auto [p, ec] = std::from_chars(begin, end, x);
      if (p != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        return Error("expected an integer");
      }
      if (ec == std::errc::result_out_of_range) return Error("integer out of range");
      return narrowInteger<T>(x);
    }
    default: return Error("expected an integer");
  }
}

// Numbers, or strings: "Infinity", "-Infinity", "NaN" (how non-finite values
// travel) and numeric strings.
Result<double> toDouble(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::double_: return v.get_double();
    case bj::kind::int64: return static_cast<double>(v.get_int64());
    case bj::kind::uint64: return static_cast<double>(v.get_uint64());
    case bj::kind::string: {
      const bj::string& s = v.get_string();
      if (s == "Infinity") return std::numeric_limits<double>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
      if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
      double d = 0;
      const char* end = s.data() + s.size();
      const auto [p, ec] = std::from_chars(s.data(), end, d);
      if (ec == std::errc::result_out_of_range) return Error("number out of range");
      if (ec != std::errc() || p != end) return Error("expected a number");
      return d;
    }
    default: return Error("expected a number");
  }
}

Result<float> toFloat(const bj::value& v) {
  Result<double> d = toDouble(v);
  if (!d) return d.error();
  if (std::isfinite(*d) && std::fabs(*d) > std::numeric_limits<float>::max()) {
    return Error("number out of range");
  }
  return static_cast<float>(*d);
}

// By name, or by number. nullptr: a well-formed value this enum does not know.
Result<const pb::EnumValueDescriptor*> toEnum(const bj::value& v, const pb::EnumDescriptor* type,
                                              std::string* scratch) {
  if (v.is_string()) {
    scratch->assign(v.get_string().data(), v.get_string().size());
    return type->FindValueByName(*scratch);
  }
  if (v.is_number()) {
    if (v.is_double() && std::trunc(v.get_double()) != v.get_double()) {
      return Error("expected an enum name");  // 7.5 (or NaN) names nothing
    }
    Result<int> n = toInteger<int>(v);
    if (!n) return static_cast<const pb::EnumValueDescriptor*>(nullptr);  // beyond int
    return type->FindValueByNumber(*n);
  }
  return Error("expected an enum name");
}

std::string describeUnknownEnum(const bj::value& v) {
  if (v.is_string()) {
    // Echo the client's value, but not without bound.
    constexpr std::size_t kMaxEcho = 64;
    const std::string_view name = v.get_string();
    if (name.size() > kMaxEcho) return "unknown enum value '" + std::string(name.substr(0, kMaxEcho)) + "...'";
    return "unknown enum value '" + std::string(name) + "'";
  }
  return "unknown enum value " + tepui::json::serialize(v);
}

// ---------------------------------------------------------------------------
// Input: the walk over a message. One Parser per call, so the scratch
// strings are never shared between threads.

class Parser {
 public:
  Status parseMessage(const bj::object& object, pb::Message* m, int depth);

 private:
  Status parseField(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth);
  Status parseRepeated(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth);
  Status parseMap(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth);
  // Sets `f` (or appends to it when repeated). `dropped` is set when the value
  // is an enum this field does not know and it may be ignored.
  Status parseValue(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth,
                    bool* dropped);
  Status setMapKey(std::string_view key, pb::Message* entry, const FieldDescriptor* f);

  Error fail(std::string_view reason) const {
    if (path_.empty()) return Error(std::string(reason));
    std::string message;
    message.reserve(path_.size() + 2 + reason.size());
    message.append(path_).append(": ").append(reason);
    return Error(std::move(message));
  }

  void push(std::string_view name) {
    if (!path_.empty()) path_.push_back('.');
    path_.append(name);
  }
  void pushIndex(std::size_t i) {
    path_.push_back('[');
    path_.append(std::to_string(i));
    path_.push_back(']');
  }

  std::string path_;     // of the value being parsed, e.g. "tasks[0].name"
  std::string scratch_;  // descriptor lookups take const std::string&
};

Status Parser::parseMessage(const bj::object& object, pb::Message* m, int depth) {
  if (depth > kMaxDepth) return Error("JSON nested too deeply");
  const pb::Descriptor* d = m->GetDescriptor();
  const pb::Reflection* r = m->GetReflection();
  for (const bj::key_value_pair& kv : object) {
    scratch_.assign(kv.key().data(), kv.key().size());
    const FieldDescriptor* f = d->FindFieldByName(scratch_);
    if (f == nullptr) continue;  // unknown keys are ignored, as Mesos does
    const std::size_t mark = path_.size();
    push(f->name());
    if (kv.value().is_null()) {
      r->ClearField(m, f);
    } else if (Status s = parseField(kv.value(), m, f, depth); !s) {
      return s;
    }
    path_.resize(mark);
  }
  // Checked here rather than by IsInitialized() afterwards, so that the
  // error names the path in our notation (map keys included).
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_required() && !r->HasField(*m, f)) {
      std::string field = path_;
      if (!field.empty()) field.push_back('.');
      field.append(f->name());
      return Error("missing required field '" + field + "'");
    }
  }
  return okStatus();
}

Status Parser::parseField(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth) {
  if (f->is_map()) return parseMap(v, m, f, depth);
  if (f->is_repeated()) return parseRepeated(v, m, f, depth);
  bool dropped = false;
  Status s = parseValue(v, m, f, depth, &dropped);
  if (s && dropped) {
    // Mesos drops an unknown enum on an optional field; on a required one
    // it is an error, as the field cannot be left unset.
    if (f->is_required()) return fail(describeUnknownEnum(v));
    m->GetReflection()->ClearField(m, f);
  }
  return s;
}

Status Parser::parseRepeated(const bj::value& v, pb::Message* m, const FieldDescriptor* f,
                             int depth) {
  if (!v.is_array()) return fail("expected an array");
  const bj::array& array = v.get_array();
  m->GetReflection()->ClearField(m, f);  // a duplicate key replaces, never appends
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::size_t mark = path_.size();
    pushIndex(i);
    bool dropped = false;  // unknown enum elements are skipped, like stout
    if (Status s = parseValue(array[i], m, f, depth, &dropped); !s) return s;
    path_.resize(mark);
  }
  return okStatus();
}

Status Parser::parseMap(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth) {
  if (!v.is_object()) return fail("expected an object");
  const pb::Reflection* r = m->GetReflection();
  const FieldDescriptor* keyField = f->message_type()->map_key();
  const FieldDescriptor* valueField = f->message_type()->map_value();
  r->ClearField(m, f);
  for (const bj::key_value_pair& kv : v.get_object()) {
    if (kv.value().is_null()) continue;  // null means unset: no entry
    const std::size_t mark = path_.size();
    push(kv.key());
    pb::Message* entry = r->AddMessage(m, f);
    if (Status s = setMapKey(kv.key(), entry, keyField); !s) return s;
    bool dropped = false;
    if (Status s = parseValue(kv.value(), entry, valueField, depth, &dropped); !s) return s;
    if (dropped) r->RemoveLast(m, f);  // an unknown enum value: drop the entry
    path_.resize(mark);
  }
  return okStatus();
}

Status Parser::setMapKey(std::string_view key, pb::Message* entry, const FieldDescriptor* f) {
  const pb::Reflection* r = entry->GetReflection();
  const bj::value asString(bj::string_view(key.data(), key.size()));
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      r->SetString(entry, f, std::string(key));
      return okStatus();
    case FieldDescriptor::CPPTYPE_BOOL:
      if (key != "true" && key != "false") return fail("invalid map key");
      r->SetBool(entry, f, key == "true");
      return okStatus();
#define TEPUI_JSON_INTEGER_KEY(CPPTYPE, T, SETTER)                \
  case FieldDescriptor::CPPTYPE: {                                \
    Result<T> n = toInteger<T>(asString);                         \
    if (!n) return fail("invalid map key: " + n.error().message); \
    r->SETTER(entry, f, *n);                                      \
    return okStatus();                                            \
  }
      TEPUI_JSON_INTEGER_KEY(CPPTYPE_INT32, std::int32_t, SetInt32)
      TEPUI_JSON_INTEGER_KEY(CPPTYPE_INT64, std::int64_t, SetInt64)
      TEPUI_JSON_INTEGER_KEY(CPPTYPE_UINT32, std::uint32_t, SetUInt32)
      TEPUI_JSON_INTEGER_KEY(CPPTYPE_UINT64, std::uint64_t, SetUInt64)
#undef TEPUI_JSON_INTEGER_KEY
    default: return fail("invalid map key");
  }
}

Status Parser::parseValue(const bj::value& v, pb::Message* m, const FieldDescriptor* f, int depth,
                          bool* dropped) {
  const pb::Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
#define TEPUI_JSON_NUMBER(CPPTYPE, CONVERT, NAME)            \
  case FieldDescriptor::CPPTYPE: {                           \
    auto n = CONVERT(v);                                     \
    if (!n) return fail(n.error().message);                  \
    rep ? r->Add##NAME(m, f, *n) : r->Set##NAME(m, f, *n);   \
    return okStatus();                                       \
  }
    TEPUI_JSON_NUMBER(CPPTYPE_INT32, toInteger<std::int32_t>, Int32)
    TEPUI_JSON_NUMBER(CPPTYPE_INT64, toInteger<std::int64_t>, Int64)
    TEPUI_JSON_NUMBER(CPPTYPE_UINT32, toInteger<std::uint32_t>, UInt32)
    TEPUI_JSON_NUMBER(CPPTYPE_UINT64, toInteger<std::uint64_t>, UInt64)
    TEPUI_JSON_NUMBER(CPPTYPE_DOUBLE, toDouble, Double)
    TEPUI_JSON_NUMBER(CPPTYPE_FLOAT, toFloat, Float)
#undef TEPUI_JSON_NUMBER
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!v.is_bool()) return fail("expected a boolean");
      rep ? r->AddBool(m, f, v.get_bool()) : r->SetBool(m, f, v.get_bool());
      return okStatus();
    case FieldDescriptor::CPPTYPE_STRING: {
      if (!v.is_string()) return fail("expected a string");
      const bj::string& s = v.get_string();
      std::string bytes;
      if (f->type() == FieldDescriptor::TYPE_BYTES) {
        if (!base64Decode(s, &bytes)) return fail("invalid base64");
      } else {
        bytes.assign(s.data(), s.size());
      }
      rep ? r->AddString(m, f, std::move(bytes)) : r->SetString(m, f, std::move(bytes));
      return okStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      Result<const pb::EnumValueDescriptor*> e = toEnum(v, f->enum_type(), &scratch_);
      if (!e) return fail(e.error().message);
      if (*e == nullptr) {
        *dropped = true;
        return okStatus();
      }
      rep ? r->AddEnum(m, f, *e) : r->SetEnum(m, f, *e);
      return okStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!v.is_object()) return fail("expected an object");
      pb::Message* sub = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      return parseMessage(v.get_object(), sub, depth + 1);
    }
  }
  return fail("unsupported field type");
}

Status parseInto(const bj::value& value, pb::Message* message) {
  if (!value.is_object()) return Error("expected a JSON object");
  Parser parser;
  if (Status s = parser.parseMessage(value.get_object(), message, 1); !s) return s;
  // Defence in depth: parseMessage checks required fields itself.
  if (!message->IsInitialized()) {
    std::vector<std::string> missing;
    message->FindInitializationErrors(&missing);
    return Error("missing required field '" + (missing.empty() ? "?" : missing.front()) + "'");
  }
  return okStatus();
}

}  // namespace

Status fromValue(const boost::json::value& value, google::protobuf::Message* message) {
  if (message == nullptr) return Error("no message to parse into");
  try {
    message->Clear();
    Status s = parseInto(value, message);
    if (!s) message->Clear();  // never hand back a half-filled message
    return s;
  } catch (const std::bad_alloc&) {
    message->Clear();
    return Error("out of memory");
  } catch (const std::exception& e) {
    message->Clear();
    return Error(std::string("internal error: ") + e.what());
  }
}

}  // namespace tepui::json
