// Protobuf -> JSON (see json.hpp for the contract): the message is walked by
// reflection into a boost::json tree (toValue), which serialize() prints as
// compact text the way Mesos does (toJson).
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>  // FieldOptions (deprecated)

#include "common/json.hpp"
#include "common/json_internal.hpp"

namespace tepui::json {
namespace {

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

std::string serialize(const boost::json::value& value) {
  std::string out;
  out.reserve(256);
  writeValue(out, value, 0);
  return out;
}

}  // namespace tepui::json
