// Resources::parse(): an agent's --resources, either Mesos's text form
// ("cpus:4;mem(role):1024;ports:[31000-32000]") or a JSON array of Resource
// objects. See resources.hpp for the contract.
#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "common/attributes.hpp"
#include "common/resources.hpp"
#include "common/resources_internal.hpp"

namespace tepui {
namespace {

using resources_detail::canonicalize;
using resources_detail::roleError;

// ---------------------------------------------------------------------------
// JSON input: a hand-written mapping of the Resource fields an agent's
// --resources may carry (stout's shape: snake_case keys, enum names,
// numbers or numeric strings; unknown keys ignored; null means unset; an
// unknown name for an optional enum is ignored).

struct JsonError {
  std::string path;
  std::string message;
};
using JsonStatus = std::optional<JsonError>;

JsonStatus fail(std::string message) { return JsonError{"", std::move(message)}; }

// Prefixes the path of a nested error with the field it occurred in.
JsonStatus within(std::string_view key, JsonStatus status) {
  if (status) {
    std::string path(key);
    if (!status->path.empty() && status->path.front() != '[') path.push_back('.');
    status->path = path + status->path;
  }
  return status;
}

const boost::json::value* member(const boost::json::object& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

JsonStatus readString(const boost::json::value& v, std::string* out) {
  if (!v.is_string()) return fail("expected a string");
  out->assign(v.get_string().data(), v.get_string().size());
  return std::nullopt;
}

JsonStatus readDouble(const boost::json::value& v, double* out) {
  if (v.is_double()) {
    *out = v.get_double();
  } else if (v.is_int64()) {
    *out = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    *out = static_cast<double>(v.get_uint64());
  } else if (v.is_string()) {
    // stout writes and accepts these for non-finite doubles; validate()
    // then rejects them with a clear message.
    const std::string_view s(v.get_string().data(), v.get_string().size());
    if (s == "Infinity") {
      *out = HUGE_VAL;
    } else if (s == "-Infinity") {
      *out = -HUGE_VAL;
    } else if (s == "NaN") {
      *out = std::nan("");
    } else if (auto number = values::parseNumber(s)) {
      *out = *number;
    } else {
      return fail("expected a number");
    }
  } else {
    return fail("expected a number");
  }
  return std::nullopt;
}

JsonStatus readUint64(const boost::json::value& v, uint64_t* out) {
  if (v.is_uint64()) {
    *out = v.get_uint64();
  } else if (v.is_int64() && v.get_int64() >= 0) {
    *out = static_cast<uint64_t>(v.get_int64());
  } else if (v.is_double() && v.get_double() >= 0 && v.get_double() < 18446744073709551616.0 &&
             std::trunc(v.get_double()) == v.get_double()) {
    *out = static_cast<uint64_t>(v.get_double());
  } else if (v.is_string() && !v.get_string().empty() &&
             std::all_of(v.get_string().begin(), v.get_string().end(), [](char c) { return c >= '0' && c <= '9'; })) {
    errno = 0;
    const std::string digits(v.get_string().data(), v.get_string().size());
    *out = std::strtoull(digits.c_str(), nullptr, 10);
    if (errno == ERANGE) return fail("integer out of range");
  } else {
    return fail("expected a non-negative integer");
  }
  return std::nullopt;
}

JsonStatus readObject(const boost::json::value& v, const boost::json::object** out) {
  if (!v.is_object()) return fail("expected an object");
  *out = &v.get_object();
  return std::nullopt;
}

// Optional string field: absent (or null) leaves `set` uncalled.
template <typename Set>
JsonStatus optionalString(const boost::json::object& o, const char* key, Set&& set) {
  const auto* v = member(o, key);
  if (v == nullptr) return std::nullopt;
  std::string s;
  if (auto e = within(key, readString(*v, &s))) return e;
  set(std::move(s));
  return std::nullopt;
}

template <typename Set>
JsonStatus requiredString(const boost::json::object& o, const char* key, Set&& set) {
  if (member(o, key) == nullptr) return within(key, fail("missing required field"));
  return optionalString(o, key, std::forward<Set>(set));
}

// Optional sub-object: `read(object)` fills it.
template <typename Read>
JsonStatus optionalObject(const boost::json::object& o, const char* key, Read&& read) {
  const auto* v = member(o, key);
  if (v == nullptr) return std::nullopt;
  const boost::json::object* sub = nullptr;
  if (auto e = within(key, readObject(*v, &sub))) return e;
  return within(key, read(*sub));
}

// Array of objects: `read(index, object)` fills each.
template <typename Read>
JsonStatus objectArray(const boost::json::object& o, const char* key, Read&& read) {
  const auto* v = member(o, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) return within(key, fail("expected an array"));
  const auto& array = v->get_array();
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string index = "[" + std::to_string(i) + "]";
    const boost::json::object* sub = nullptr;
    JsonStatus status = within(index, readObject(array[i], &sub));
    if (!status) status = within(index, read(*sub));
    if (status) return within(key, std::move(status));
  }
  return std::nullopt;
}

JsonStatus labelsFromJson(const boost::json::object& o, v1::Labels* labels) {
  return objectArray(o, "labels", [&](const boost::json::object& l) -> JsonStatus {
    v1::Label* label = labels->add_labels();
    if (auto e = requiredString(l, "key", [&](std::string s) { label->set_key(std::move(s)); })) return e;
    return optionalString(l, "value", [&](std::string s) { label->set_value(std::move(s)); });
  });
}

JsonStatus reservationFromJson(const boost::json::object& o, v1::Resource::ReservationInfo* r) {
  if (auto e = optionalString(o, "type", [&](std::string s) {
        v1::Resource::ReservationInfo::Type type;
        if (v1::Resource::ReservationInfo::Type_Parse(s, &type)) r->set_type(type);
      })) {
    return e;
  }
  if (auto e = optionalString(o, "role", [&](std::string s) { r->set_role(std::move(s)); })) return e;
  if (auto e = optionalString(o, "principal", [&](std::string s) { r->set_principal(std::move(s)); })) return e;
  return optionalObject(o, "labels", [&](const boost::json::object& l) { return labelsFromJson(l, r->mutable_labels()); });
}

JsonStatus diskFromJson(const boost::json::object& o, v1::Resource::DiskInfo* disk) {
  if (auto e = optionalObject(o, "persistence", [&](const boost::json::object& p) -> JsonStatus {
        auto* persistence = disk->mutable_persistence();
        if (auto e2 = requiredString(p, "id", [&](std::string s) { persistence->set_id(std::move(s)); })) return e2;
        return optionalString(p, "principal", [&](std::string s) { persistence->set_principal(std::move(s)); });
      })) {
    return e;
  }
  if (auto e = optionalObject(o, "volume", [&](const boost::json::object& v) -> JsonStatus {
        auto* volume = disk->mutable_volume();
        if (auto e2 = requiredString(v, "container_path",
                                     [&](std::string s) { volume->set_container_path(std::move(s)); })) {
          return e2;
        }
        if (auto e2 = optionalString(v, "host_path", [&](std::string s) { volume->set_host_path(std::move(s)); })) {
          return e2;
        }
        return optionalString(v, "mode", [&](std::string s) {
          v1::Volume::Mode mode;
          if (v1::Volume::Mode_Parse(s, &mode)) volume->set_mode(mode);
        });
      })) {
    return e;
  }
  return optionalObject(o, "source", [&](const boost::json::object& s) -> JsonStatus {
    auto* source = disk->mutable_source();
    std::string typeName;
    if (auto e = requiredString(s, "type", [&](std::string t) { typeName = std::move(t); })) return e;
    v1::Resource::DiskInfo::Source::Type type;
    if (!v1::Resource::DiskInfo::Source::Type_Parse(typeName, &type)) {
      return within("type", fail("unknown disk source type '" + typeName + "'"));
    }
    source->set_type(type);
    if (auto e = optionalObject(s, "path", [&](const boost::json::object& p) {
          return optionalString(p, "root", [&](std::string r) { source->mutable_path()->set_root(std::move(r)); });
        })) {
      return e;
    }
    if (auto e = optionalObject(s, "mount", [&](const boost::json::object& m) {
          return optionalString(m, "root", [&](std::string r) { source->mutable_mount()->set_root(std::move(r)); });
        })) {
      return e;
    }
    if (auto e = optionalString(s, "id", [&](std::string v) { source->set_id(std::move(v)); })) return e;
    if (auto e = optionalString(s, "profile", [&](std::string v) { source->set_profile(std::move(v)); })) return e;
    if (auto e = optionalString(s, "vendor", [&](std::string v) { source->set_vendor(std::move(v)); })) return e;
    return optionalObject(s, "metadata",
                          [&](const boost::json::object& l) { return labelsFromJson(l, source->mutable_metadata()); });
  });
}

JsonStatus resourceFromJson(const boost::json::object& o, v1::Resource* r) {
  if (auto e = requiredString(o, "name", [&](std::string s) { r->set_name(std::move(s)); })) return e;
  std::string typeName;
  if (auto e = requiredString(o, "type", [&](std::string s) { typeName = std::move(s); })) return e;
  v1::Value::Type type;
  if (!v1::Value::Type_Parse(typeName, &type)) return within("type", fail("unknown value type '" + typeName + "'"));
  r->set_type(type);

  if (auto e = optionalObject(o, "scalar", [&](const boost::json::object& s) -> JsonStatus {
        const auto* v = member(s, "value");
        if (v == nullptr) return within("value", fail("missing required field"));
        double value = 0;
        if (auto e2 = within("value", readDouble(*v, &value))) return e2;
        r->mutable_scalar()->set_value(value);
        return std::nullopt;
      })) {
    return e;
  }
  if (auto e = optionalObject(o, "ranges", [&](const boost::json::object& s) {
        auto* ranges = r->mutable_ranges();
        return objectArray(s, "range", [&](const boost::json::object& x) -> JsonStatus {
          auto* range = ranges->add_range();
          for (const char* key : {"begin", "end"}) {
            const auto* v = member(x, key);
            if (v == nullptr) return within(key, fail("missing required field"));
            uint64_t bound = 0;
            if (auto e2 = within(key, readUint64(*v, &bound))) return e2;
            if (key[0] == 'b') {
              range->set_begin(bound);
            } else {
              range->set_end(bound);
            }
          }
          return std::nullopt;
        });
      })) {
    return e;
  }
  if (auto e = optionalObject(o, "set", [&](const boost::json::object& s) -> JsonStatus {
        auto* set = r->mutable_set();
        const auto* items = member(s, "item");
        if (items == nullptr) return std::nullopt;
        if (!items->is_array()) return within("item", fail("expected an array"));
        for (size_t i = 0; i < items->get_array().size(); ++i) {
          std::string item;
          if (auto e2 = readString(items->get_array()[i], &item)) {
            return within("item", within("[" + std::to_string(i) + "]", e2));
          }
          set->add_item(std::move(item));
        }
        return std::nullopt;
      })) {
    return e;
  }
  if (auto e = optionalString(o, "role", [&](std::string s) { r->set_role(std::move(s)); })) return e;
  if (auto e = optionalObject(o, "reservation",
                              [&](const boost::json::object& x) { return reservationFromJson(x, r->mutable_reservation()); })) {
    return e;
  }
  if (auto e = objectArray(o, "reservations",
                           [&](const boost::json::object& x) { return reservationFromJson(x, r->add_reservations()); })) {
    return e;
  }
  if (auto e = optionalObject(o, "allocation_info", [&](const boost::json::object& x) {
        auto* info = r->mutable_allocation_info();
        return optionalString(x, "role", [&](std::string s) { info->set_role(std::move(s)); });
      })) {
    return e;
  }
  if (auto e = optionalObject(o, "disk", [&](const boost::json::object& x) { return diskFromJson(x, r->mutable_disk()); })) {
    return e;
  }
  if (auto e = optionalObject(o, "revocable", [&](const boost::json::object&) -> JsonStatus {
        r->mutable_revocable();
        return std::nullopt;
      })) {
    return e;
  }
  if (auto e = optionalObject(o, "shared", [&](const boost::json::object&) -> JsonStatus {
        r->mutable_shared();
        return std::nullopt;
      })) {
    return e;
  }
  return optionalObject(o, "provider_id", [&](const boost::json::object& x) {
    return requiredString(x, "value", [&](std::string s) { r->mutable_provider_id()->set_value(std::move(s)); });
  });
}

void reserveStatically(v1::Resource* r, const std::string& role) {
  auto* reservation = r->add_reservations();
  reservation->set_type(v1::Resource::ReservationInfo::STATIC);
  reservation->set_role(role);
}

Result<Resources> parseJson(std::string_view text, const std::string& defaultRole) {
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
  if (ec) return Error("invalid JSON resources: " + ec.message());
  if (!document.is_array()) return Error("JSON resources must be an array of Resource objects");

  google::protobuf::RepeatedPtrField<v1::Resource> parsed;
  const auto& array = document.get_array();
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string where = "invalid resource #" + std::to_string(i);
    if (!array[i].is_object()) return Error(where + ": expected an object");
    v1::Resource* r = parsed.Add();
    if (auto e = resourceFromJson(array[i].get_object(), r)) {
      const std::string named = r->name().empty() ? where : where + " ('" + r->name() + "')";
      return Error(named + ": " + (e->path.empty() ? "" : e->path + ": ") + e->message);
    }
    // As in the text form, the default role reserves what names no role.
    if (defaultRole != "*" && !r->has_role() && !r->has_reservation() && r->reservations_size() == 0) {
      reserveStatically(r, defaultRole);
    }
    if (auto error = Resources::validate(*r)) return Error(where + ": " + error->message);
  }
  return Resources(parsed);
}

}  // namespace

Result<Resources> Resources::parse(std::string_view text, const std::string& defaultRole) {
  if (auto error = roleError(defaultRole)) return Error("invalid default role: " + *error);
  const std::string_view trimmed = values::trim(text);
  if (!trimmed.empty() && trimmed.front() == '[') return parseJson(trimmed, defaultRole);

  Resources result;
  size_t start = 0;
  while (start <= text.size()) {
    size_t stop = text.find_first_of(";\n", start);
    if (stop == std::string_view::npos) stop = text.size();
    const std::string_view entry = values::trim(text.substr(start, stop - start));
    start = stop + 1;
    if (entry.empty()) continue;

    auto fail = [&](const std::string& why) {
      return Error("invalid resource '" + std::string(entry) + "': " + why);
    };
    const size_t colon = entry.find(':');
    if (colon == std::string_view::npos) return fail("expected 'name:value' or 'name(role):value'");
    std::string_view name = values::trim(entry.substr(0, colon));
    const std::string_view valueText = values::trim(entry.substr(colon + 1));
    std::string role = defaultRole;
    if (const size_t open = name.find('('); open != std::string_view::npos) {
      const size_t close = name.find(')', open);
      if (close == std::string_view::npos) return fail("missing ')' after the role");
      if (close + 1 != name.size()) return fail("unexpected text after the role");
      role = std::string(values::trim(name.substr(open + 1, close - open - 1)));
      name = values::trim(name.substr(0, open));
      if (role.empty()) return fail("empty role");
      if (auto error = roleError(role)) return fail(*error);
    }
    if (name.empty()) return fail("empty name");
    if (name.find_first_of("()[]{},") != std::string_view::npos) {
      return fail("invalid name '" + std::string(name) + "'");
    }
    if (valueText.empty()) return fail("empty value");

    v1::Resource r;
    r.set_name(std::string(name));
    if (valueText.front() == '[') {
      auto ranges = values::parseRanges(valueText);
      if (!ranges) return fail(ranges.error().message);
      r.set_type(v1::Value::RANGES);
      *r.mutable_ranges() = std::move(*ranges);
    } else if (valueText.front() == '{') {
      auto set = values::parseSet(valueText);
      if (!set) return fail(set.error().message);
      r.set_type(v1::Value::SET);
      *r.mutable_set() = std::move(*set);
    } else {
      const auto number = values::parseNumber(valueText);
      if (!number) return fail("'" + std::string(valueText) + "' is not a number");
      r.set_type(v1::Value::SCALAR);
      r.mutable_scalar()->set_value(*number);
    }
    if (role != "*") reserveStatically(&r, role);
    if (auto error = validate(r)) return fail(error->message);
    if (canonicalize(&r)) result.add(std::move(r));
  }
  return result;
}

}  // namespace tepui
