// Protobuf <-> JSON by reflection, in the shape of Mesos's stout mapping (see
// json.hpp for the contract). Output builds a boost::json tree; input walks a
// boost::json tree and fills the message through its Reflection. Nothing here
// keeps state between calls, so concurrent use on different messages is safe.
#include "common/json.hpp"

#include <array>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>  // FieldOptions (deprecated)

namespace tepui::json {
namespace {

namespace bj = boost::json;
namespace pb = google::protobuf;
using pb::FieldDescriptor;

// Input is untrusted: both the JSON text and the message recursion are capped,
// so hostile nesting cannot exhaust the stack.
constexpr int kMaxDepth = 100;

// ---------------------------------------------------------------------------
// Base64, standard alphabet with padding (what stout and Go's encoding/json
// use for bytes).

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> kBase64Decode = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}();

bj::string base64Encode(std::string_view in, const bj::storage_ptr& sp) {
  bj::string out(sp);
  out.resize((in.size() + 2) / 3 * 4);
  char* o = out.data();
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = kBase64Alphabet[(n >> 18) & 63];
    *o++ = kBase64Alphabet[(n >> 12) & 63];
    *o++ = kBase64Alphabet[(n >> 6) & 63];
    *o++ = kBase64Alphabet[n & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    std::uint32_t n = std::uint32_t{p[i]} << 16;
    if (rest == 2) n |= std::uint32_t{p[i + 1]} << 8;
    *o++ = kBase64Alphabet[(n >> 18) & 63];
    *o++ = kBase64Alphabet[(n >> 12) & 63];
    *o++ = rest == 2 ? kBase64Alphabet[(n >> 6) & 63] : '=';
    *o++ = '=';
  }
  return out;
}

// Accepts padded input and, leniently, input whose padding was stripped.
bool base64Decode(std::string_view in, std::string* out) {
  std::size_t n = in.size();
  if (n % 4 == 0 && n > 0) {
    if (in[n - 1] == '=') --n;
    if (in[n - 1] == '=') --n;
  }
  if (n % 4 == 1) return false;
  out->clear();
  out->reserve(n / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int8_t d = kBase64Decode[static_cast<unsigned char>(in[i])];
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Output.

bj::value messageToValue(const pb::Message& message, const bj::storage_ptr& sp);

// Go's encoding/json (mesos-go) rejects bare Infinity/NaN tokens, so
// non-finite doubles travel as the strings stout also accepts on input.
bj::value doubleToValue(double d, const bj::storage_ptr& sp) {
  if (std::isnan(d)) return bj::value(bj::string_view("NaN"), sp);
  if (std::isinf(d)) return bj::value(bj::string_view(d > 0 ? "Infinity" : "-Infinity"), sp);
  return bj::value(d, sp);
}

// One value of field `f`: the singular value when `index` < 0, otherwise
// element `index` of the repeated field.
bj::value fieldToValue(const pb::Message& m, const pb::Reflection* r, const FieldDescriptor* f,
                       int index, const bj::storage_ptr& sp) {
  const bool rep = index >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return bj::value(std::int64_t{rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f)}, sp);
    case FieldDescriptor::CPPTYPE_INT64:
      return bj::value(std::int64_t{rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f)}, sp);
    case FieldDescriptor::CPPTYPE_UINT32:
      return bj::value(std::int64_t{rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f)}, sp);
    case FieldDescriptor::CPPTYPE_UINT64:
      return bj::value(std::uint64_t{rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f)}, sp);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return doubleToValue(rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f), sp);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return doubleToValue(rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f), sp);
    case FieldDescriptor::CPPTYPE_BOOL:
      return bj::value(rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f), sp);
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;  // only used by non-string-backed fields (cords)
      const std::string& s = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      if (f->type() == FieldDescriptor::TYPE_BYTES) return bj::value(base64Encode(s, sp));
      return bj::value(bj::string_view(s), sp);
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      if (const auto* v = f->enum_type()->FindValueByNumber(number)) {
        return bj::value(bj::string_view(v->name()), sp);
      }
      return bj::value(std::int64_t{number}, sp);  // open enums only; not in proto2
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return messageToValue(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), sp);
  }
  return bj::value(sp);
}

// JSON object keys are strings; non-string map keys print in decimal.
std::string mapKeyToString(const pb::Message& entry, const pb::Reflection* r,
                           const FieldDescriptor* key) {
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: return r->GetString(entry, key);
    case FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(entry, key));
    case FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(entry, key));
    case FieldDescriptor::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(entry, key));
    case FieldDescriptor::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(entry, key));
    case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(entry, key) ? "true" : "false";
    default: return {};  // protobuf allows no other key types
  }
}

bj::value mapToValue(const pb::Message& m, const pb::Reflection* r, const FieldDescriptor* f,
                     int size, const bj::storage_ptr& sp) {
  const FieldDescriptor* key = f->message_type()->map_key();
  const FieldDescriptor* value = f->message_type()->map_value();
  bj::object out(sp);
  out.reserve(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
    const pb::Reflection* er = entry.GetReflection();
    // insert_or_assign: should the map hold a key twice (unsynced repeated
    // representation), the last entry wins, as in protobuf itself.
    out.insert_or_assign(mapKeyToString(entry, er, key), fieldToValue(entry, er, value, -1, sp));
  }
  return bj::value(std::move(out));
}

bj::value messageToValue(const pb::Message& m, const bj::storage_ptr& sp) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  bj::object out(sp);
  // Declaration order, like stout. Fields with a non-deprecated explicit
  // default are always written (Mesos clients rely on e.g. "shell":true).
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->is_repeated()) {
      const int size = r->FieldSize(m, f);
      if (size == 0) continue;
      if (f->is_map()) {
        out.emplace(f->name(), mapToValue(m, r, f, size, sp));
        continue;
      }
      bj::array array(sp);
      array.reserve(static_cast<std::size_t>(size));
      for (int j = 0; j < size; ++j) array.emplace_back(fieldToValue(m, r, f, j, sp));
      out.emplace(f->name(), std::move(array));
    } else if (r->HasField(m, f) || (f->has_default_value() && !f->options().deprecated())) {
      out.emplace(f->name(), fieldToValue(m, r, f, -1, sp));
    }
  }
  return bj::value(std::move(out));
}

// ---------------------------------------------------------------------------
// Compact text. Not boost::json::serialize: that prints 5.0 as "5E0" and 0.1
// as "1E-1", and non-finite doubles as bare tokens. Here doubles use the
// shortest round-trip form with a decimal point kept ("5.0"), as Mesos prints
// them, so dynamically typed clients still see a float.

void writeValue(std::string& out, const bj::value& v, int depth);

void writeString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of characters needing no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void writeDouble(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out.append(std::isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  (void)ec;  // 64 bytes always suffice for the shortest form
  out.append(buf, end);
  for (const char* p = buf; p != end; ++p) {
    if (*p == '.' || *p == 'e') return;
  }
  out.append(".0");
}

template <typename Int>
void writeInteger(std::string& out, Int n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;
  out.append(buf, end);
}

void writeValue(std::string& out, const bj::value& v, int depth) {
  // Trees we build are shallow; a pathological caller-built tree is handed to
  // Boost's serializer, which does not recurse on the native stack.
  if (depth > kMaxDepth) {
    out.append(bj::serialize(v));
    return;
  }
  switch (v.kind()) {
    case bj::kind::null: out.append("null"); return;
    case bj::kind::bool_: out.append(v.get_bool() ? "true" : "false"); return;
    case bj::kind::int64: writeInteger(out, v.get_int64()); return;
    case bj::kind::uint64: writeInteger(out, v.get_uint64()); return;
    case bj::kind::double_: writeDouble(out, v.get_double()); return;
    case bj::kind::string: writeString(out, v.get_string()); return;
    case bj::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const bj::value& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        writeValue(out, e, depth + 1);
      }
      out.push_back(']');
      return;
    }
    case bj::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const bj::key_value_pair& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        writeString(out, kv.key());
        out.push_back(':');
        writeValue(out, kv.value(), depth + 1);
      }
      out.push_back('}');
      return;
    }
  }
}

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

// ---------------------------------------------------------------------------
// Text parsing. Boost.JSON 1.81 converts decimal text to double with an
// algorithm that can be off by one ulp (so "2.5e-300" or a 17-digit
// timestamp would not survive a write/read round trip). This handler builds
// the same tree as boost::json::parser but re-reads every non-integer number
// with std::from_chars, which rounds correctly.

class PreciseHandler {
 public:
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  // The stack's own scratch space comes from `temp`, then the heap; the
  // values it builds come from `sp`.
  PreciseHandler(bj::storage_ptr sp, unsigned char* temp, std::size_t size) : stack_({}, temp, size) {
    stack_.reset(std::move(sp));
  }

  bj::value release() { return stack_.release(); }

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(std::size_t n, bj::error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t n, bj::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code&) {
    number_.clear();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, bj::error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, bj::string_view s, bj::error_code&) {
    // `s` is the number's text, or its tail when earlier parts were split off.
    std::string_view text(s.data(), s.size());
    if (!number_.empty()) {
      number_.append(s.data(), s.size());
      text = number_;
    }
    double exact = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
    // Out of range (1e400) keeps Boost's value (infinity or zero).
    if (ec == std::errc() && end == text.data() + text.size()) d = exact;
    number_.clear();
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  bj::value_stack stack_;
  std::string number_;  // a number split across parts (only with streamed input)
};

// Parses one complete JSON document; the tree's nodes come from `sp`.
Result<bj::value> parseText(std::string_view text, const bj::storage_ptr& sp) {
  bj::parse_options options;
  options.max_depth = kMaxDepth;
  unsigned char temp[1024];  // the value stack's initial scratch space
  bj::basic_parser<PreciseHandler> parser(options, sp, temp, sizeof temp);
  bj::error_code ec;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = bj::error::extra_data;
  if (ec == bj::error::too_deep) return Error("JSON nested too deeply");
  if (ec) return Error("invalid JSON: " + ec.message() + " at offset " + std::to_string(consumed));
  return parser.handler().release();
}

}  // namespace

boost::json::value toValue(const google::protobuf::Message& message) {
  return messageToValue(message, {});
}

std::string toJson(const google::protobuf::Message& message) {
  // The tree only lives until it is printed: a monotonic arena, starting on
  // the stack, saves the per-node heap allocations.
  unsigned char buffer[4096];
  bj::monotonic_resource arena(buffer, sizeof buffer);
  return tepui::json::serialize(messageToValue(message, &arena));
}

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

Status fromJson(std::string_view text, google::protobuf::Message* message) {
  if (message == nullptr) return Error("no message to parse into");
  try {
    message->Clear();
    unsigned char buffer[4096];
    bj::monotonic_resource arena(buffer, sizeof buffer);  // the tree is temporary
    Result<bj::value> value = parseText(text, &arena);
    if (!value) return value.error();
    return fromValue(*value, message);
  } catch (const std::bad_alloc&) {
    message->Clear();
    return Error("out of memory");
  } catch (const std::exception& e) {
    message->Clear();
    return Error(std::string("invalid JSON: ") + e.what());
  }
}

std::string serialize(const boost::json::value& value) {
  std::string out;
  out.reserve(256);
  writeValue(out, value, 0);
  return out;
}

}  // namespace tepui::json
