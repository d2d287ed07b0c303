// Resource algebra over tepui.v1.Resource with Mesos's semantics: parsing of
// the agent's --resources (text or JSON), validation, normalisation of legacy
// reservations, and the normal-form arithmetic the allocator runs on its hot
// path. See resources.hpp for the contract.
#include "common/resources.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <google/protobuf/util/message_differencer.h>
#include <ostream>
#include <utility>

#include "common/attributes.hpp"

namespace tepui {
namespace {

using Interval = std::pair<uint64_t, uint64_t>;

// ---------------------------------------------------------------------------
// Fixed point. Mesos does scalar arithmetic on llround(value * 1000) so that
// repeated adds and subtracts of e.g. 0.1 cpus return exactly to where they
// started; we do the same. The bound keeps the sum of two bounded values
// inside int64 (no overflow checks needed), at ~4e15 units, far above any
// real quantity.
constexpr int64_t kFixedLimit = 4'000'000'000'000'000'000;

int64_t toFixed(double value) {
  double scaled = value * 1000.0;
  if (std::isnan(scaled)) return 0;
  if (scaled >= static_cast<double>(kFixedLimit)) return kFixedLimit;
  if (scaled <= -static_cast<double>(kFixedLimit)) return -kFixedLimit;
  return std::llround(scaled);
}

double fromFixed(int64_t fixed) { return static_cast<double>(fixed) / 1000.0; }

int64_t clampFixed(int64_t fixed) { return std::clamp(fixed, -kFixedLimit, kFixedLimit); }

// ---------------------------------------------------------------------------
// Identity: everything but the quantity.

bool labelsEqual(const v1::Labels& a, const v1::Labels& b) {
  if (a.labels_size() != b.labels_size()) return false;
  for (int i = 0; i < a.labels_size(); ++i) {
    const v1::Label& x = a.labels(i);
    const v1::Label& y = b.labels(i);
    if (x.key() != y.key() || x.has_value() != y.has_value() || x.value() != y.value()) return false;
  }
  return true;
}

bool reservationEqual(const v1::Resource::ReservationInfo& a, const v1::Resource::ReservationInfo& b) {
  return a.type() == b.type() && a.role() == b.role() && a.has_principal() == b.has_principal() &&
         a.principal() == b.principal() && a.has_labels() == b.has_labels() &&
         (!a.has_labels() || labelsEqual(a.labels(), b.labels()));
}

// The common case on the allocator's path: nothing but a name and a value.
bool isPlain(const v1::Resource& r) {
  return r.reservations_size() == 0 && !r.has_allocation_info() && !r.has_disk() && !r.has_revocable() &&
         !r.has_shared() && !r.has_provider_id();
}

// Field-by-field rather than serialising a value-less copy: this runs for
// every pair of entries compared, and allocating there would dominate.
bool sameIdentity(const v1::Resource& a, const v1::Resource& b) {
  if (a.type() != b.type() || a.name() != b.name()) return false;
  const bool aPlain = isPlain(a);
  const bool bPlain = isPlain(b);
  if (aPlain || bPlain) return aPlain && bPlain;

  if (a.reservations_size() != b.reservations_size()) return false;
  for (int i = 0; i < a.reservations_size(); ++i) {
    if (!reservationEqual(a.reservations(i), b.reservations(i))) return false;
  }
  if (a.has_allocation_info() != b.has_allocation_info()) return false;
  if (a.has_allocation_info() && (a.allocation_info().has_role() != b.allocation_info().has_role() ||
                                  a.allocation_info().role() != b.allocation_info().role())) {
    return false;
  }
  if (a.has_revocable() != b.has_revocable() || a.has_shared() != b.has_shared()) return false;
  if (a.has_provider_id() != b.has_provider_id()) return false;
  if (a.has_provider_id() && a.provider_id().value() != b.provider_id().value()) return false;
  if (a.has_disk() != b.has_disk()) return false;
  // Disk info is rare and deep (persistence, volume, source): reflection is fine.
  if (a.has_disk() && !google::protobuf::util::MessageDifferencer::Equals(a.disk(), b.disk())) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Values. Entries of a Resources always hold exactly the value field their
// type names, in canonical form: a rounded positive scalar; sorted,
// coalesced ranges; sorted, unique, non-empty set items.

// Reused buffer for range arithmetic so that the hot path does not allocate.
// Only leaf functions use it (none calls another that does).
std::vector<Interval>& rangeScratch() {
  thread_local std::vector<Interval> scratch;
  scratch.clear();
  return scratch;
}

void appendRanges(const v1::Value::Ranges& ranges, std::vector<Interval>* out) {
  for (const auto& range : ranges.range()) {
    if (range.begin() <= range.end()) out->emplace_back(range.begin(), range.end());
  }
}

// Sorts and merges overlapping and adjacent intervals ([1-3] + [4-5] = [1-5]).
void coalesce(std::vector<Interval>* intervals) {
  auto& v = *intervals;
  if (v.size() < 2) return;
  std::sort(v.begin(), v.end());
  size_t last = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    // `end == max` is tested first so that `end + 1` cannot wrap.
    if (v[last].second == UINT64_MAX || v[i].first <= v[last].second + 1) {
      v[last].second = std::max(v[last].second, v[i].second);
    } else {
      v[++last] = v[i];
    }
  }
  v.resize(last + 1);
}

// Overwrites `out` reusing its existing Range objects.
void writeRanges(const std::vector<Interval>& intervals, v1::Value::Ranges* out) {
  auto* field = out->mutable_range();
  const int wanted = static_cast<int>(intervals.size());
  while (field->size() > wanted) field->RemoveLast();
  for (int i = 0; i < wanted; ++i) {
    v1::Value::Range* range = i < field->size() ? field->Mutable(i) : field->Add();
    range->set_begin(intervals[i].first);
    range->set_end(intervals[i].second);
  }
}

void normalizeSet(v1::Value::Set* set) {
  auto* items = set->mutable_item();
  std::sort(items->begin(), items->end());
  items->erase(std::unique(items->begin(), items->end()), items->end());
  // Empty strings sort first; at most one is left after unique().
  if (!items->empty() && items->Get(0).empty()) items->erase(items->begin());
}

// Puts the value of a normalize()d resource in canonical form; false when it
// is empty (or unusable: no name, TEXT, non-finite) and must be dropped.
bool canonicalize(v1::Resource* r) {
  if (r->name().empty()) return false;
  switch (r->type()) {
    case v1::Value::SCALAR: {
      r->clear_ranges();
      r->clear_set();
      if (!r->has_scalar() || !std::isfinite(r->scalar().value())) return false;
      const int64_t fixed = toFixed(r->scalar().value());
      if (fixed <= 0) return false;
      r->mutable_scalar()->set_value(fromFixed(fixed));
      return true;
    }
    case v1::Value::RANGES: {
      r->clear_scalar();
      r->clear_set();
      auto& scratch = rangeScratch();
      appendRanges(r->ranges(), &scratch);
      coalesce(&scratch);
      if (scratch.empty()) return false;
      writeRanges(scratch, r->mutable_ranges());
      return true;
    }
    case v1::Value::SET:
      r->clear_scalar();
      r->clear_ranges();
      normalizeSet(r->mutable_set());
      return r->set().item_size() > 0;
    default:
      return false;
  }
}

void addValue(v1::Resource* into, const v1::Resource& from) {
  switch (into->type()) {
    case v1::Value::SCALAR:
      into->mutable_scalar()->set_value(
          fromFixed(clampFixed(toFixed(into->scalar().value()) + toFixed(from.scalar().value()))));
      return;
    case v1::Value::RANGES: {
      auto& scratch = rangeScratch();
      appendRanges(into->ranges(), &scratch);
      appendRanges(from.ranges(), &scratch);
      coalesce(&scratch);
      writeRanges(scratch, into->mutable_ranges());
      return;
    }
    case v1::Value::SET: {
      auto* items = into->mutable_set()->mutable_item();
      const int before = items->size();
      for (const auto& item : from.set().item()) {
        if (!std::binary_search(items->begin(), items->begin() + before, item)) *items->Add() = item;
      }
      if (items->size() != before) std::sort(items->begin(), items->end());
      return;
    }
    default:
      return;
  }
}

// Removes `from`'s quantity from `into`, saturating; false when nothing is left.
bool subtractValue(v1::Resource* into, const v1::Resource& from) {
  switch (into->type()) {
    case v1::Value::SCALAR: {
      const int64_t left = toFixed(into->scalar().value()) - toFixed(from.scalar().value());
      if (left <= 0) return false;
      into->mutable_scalar()->set_value(fromFixed(left));
      return true;
    }
    case v1::Value::RANGES: {
      // Both lists are sorted and coalesced, so one sweep suffices; a removed
      // middle part splits a range in two.
      const auto& a = into->ranges().range();
      const auto& b = from.ranges().range();
      auto& out = rangeScratch();
      int j = 0;
      for (const auto& x : a) {
        uint64_t begin = x.begin();
        const uint64_t end = x.end();
        while (j < b.size() && b[j].end() < begin) ++j;
        bool remains = true;
        for (int k = j; k < b.size() && b[k].begin() <= end; ++k) {
          if (b[k].begin() > begin) out.emplace_back(begin, b[k].begin() - 1);
          if (b[k].end() >= end) {
            remains = false;
            break;
          }
          begin = b[k].end() + 1;
        }
        if (remains) out.emplace_back(begin, end);
      }
      if (out.empty()) return false;
      writeRanges(out, into->mutable_ranges());
      return true;
    }
    case v1::Value::SET: {
      auto* items = into->mutable_set()->mutable_item();
      const auto& remove = from.set().item();
      items->erase(std::remove_if(items->begin(), items->end(),
                                  [&](const std::string& item) {
                                    return std::binary_search(remove.begin(), remove.end(), item);
                                  }),
                   items->end());
      return !items->empty();
    }
    default:
      return false;
  }
}

bool containsValue(const v1::Resource& a, const v1::Resource& b) {
  switch (a.type()) {
    case v1::Value::SCALAR:
      return toFixed(b.scalar().value()) <= toFixed(a.scalar().value());
    case v1::Value::RANGES: {
      // Coalesced, so each range of b must fit inside a single range of a.
      const auto& x = a.ranges().range();
      int i = 0;
      for (const auto& y : b.ranges().range()) {
        while (i < x.size() && x[i].end() < y.begin()) ++i;
        if (i == x.size() || x[i].begin() > y.begin() || x[i].end() < y.end()) return false;
      }
      return true;
    }
    case v1::Value::SET:
      return std::includes(a.set().item().begin(), a.set().item().end(), b.set().item().begin(),
                           b.set().item().end());
    default:
      return false;
  }
}

bool valueEqual(const v1::Resource& a, const v1::Resource& b) {
  switch (a.type()) {
    case v1::Value::SCALAR:
      return toFixed(a.scalar().value()) == toFixed(b.scalar().value());
    case v1::Value::RANGES: {
      const auto& x = a.ranges().range();
      const auto& y = b.ranges().range();
      if (x.size() != y.size()) return false;
      for (int i = 0; i < x.size(); ++i) {
        if (x[i].begin() != y[i].begin() || x[i].end() != y[i].end()) return false;
      }
      return true;
    }
    case v1::Value::SET:
      return std::equal(a.set().item().begin(), a.set().item().end(), b.set().item().begin(),
                        b.set().item().end());
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// Roles (section 9 of the API reference): '/'-separated components, each
// non-empty, not "." or "..", not starting with '-', without whitespace,
// control characters or '*'. "*" alone means "any/unreserved".
std::optional<std::string> roleError(std::string_view role) {
  if (role == "*") return std::nullopt;
  if (role.empty()) return "invalid role '': the name is empty";
  const std::string quoted = "invalid role '" + std::string(role) + "': ";
  size_t start = 0;
  while (true) {
    const size_t slash = role.find('/', start);
    const std::string_view part = role.substr(start, slash == std::string_view::npos ? role.npos : slash - start);
    if (part.empty()) return quoted + "empty path component";
    if (part == "." || part == "..") return quoted + "'.' and '..' are not allowed";
    if (part.front() == '-') return quoted + "a component may not start with '-'";
    for (char c : part) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f) return quoted + "whitespace and control characters are not allowed";
      if (c == '*') return quoted + "'*' is not allowed inside a role";
    }
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

std::string formatValue(const v1::Resource& r) {
  switch (r.type()) {
    case v1::Value::SCALAR:
      return values::formatScalar(r.scalar().value());
    case v1::Value::RANGES:
      return values::formatRanges(r.ranges());
    case v1::Value::SET:
      return values::formatSet(r.set());
    default:
      return {};
  }
}

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

// ---------------------------------------------------------------------------

Resources::Resources(const google::protobuf::RepeatedPtrField<v1::Resource>& resources) {
  items_.reserve(static_cast<size_t>(resources.size()));
  for (const auto& resource : resources) {
    v1::Resource r = normalize(resource);
    if (canonicalize(&r)) add(std::move(r));
  }
}

Resources::Resources(const std::vector<v1::Resource>& resources) {
  items_.reserve(resources.size());
  for (const auto& resource : resources) {
    v1::Resource r = normalize(resource);
    if (canonicalize(&r)) add(std::move(r));
  }
}

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

std::optional<Error> Resources::validate(const v1::Resource& resource) {
  if (resource.name().empty()) return Error("resource has an empty name");
  auto fail = [&](const std::string& why) { return Error("resource '" + resource.name() + "' " + why); };

  switch (resource.type()) {
    case v1::Value::SCALAR: {
      if (!resource.has_scalar()) return fail("of type SCALAR has no scalar value");
      if (resource.has_ranges() || resource.has_set()) return fail("of type SCALAR also has a ranges or set value");
      const double value = resource.scalar().value();
      if (!std::isfinite(value)) return fail("value is not a finite number");
      if (value < 0) return fail("has a negative value");
      break;
    }
    case v1::Value::RANGES:
      if (!resource.has_ranges()) return fail("of type RANGES has no ranges value");
      if (resource.has_scalar() || resource.has_set()) return fail("of type RANGES also has a scalar or set value");
      for (const auto& range : resource.ranges().range()) {
        if (range.begin() > range.end()) {
          return fail("has an invalid range " + std::to_string(range.begin()) + "-" + std::to_string(range.end()) +
                      ": begin is greater than end");
        }
      }
      break;
    case v1::Value::SET:
      if (!resource.has_set()) return fail("of type SET has no set value");
      if (resource.has_scalar() || resource.has_ranges()) return fail("of type SET also has a scalar or ranges value");
      for (const auto& item : resource.set().item()) {
        if (item.empty()) return fail("has an empty set item");
      }
      break;
    default:
      return fail("has unsupported type " + v1::Value::Type_Name(resource.type()));
  }

  if (resource.reservations_size() == 0) {
    // The legacy ("pre-refinement") form.
    const bool unreservedRole = !resource.has_role() || resource.role() == "*";
    if (resource.has_reservation() && unreservedRole) return fail("has a 'reservation' but no role to reserve to");
    if (auto error = roleError(resource.role())) return fail("has an " + *error);
  } else {
    if (resource.has_role() && resource.role() != "*") return fail("sets both the legacy 'role' and 'reservations'");
    if (resource.has_reservation()) return fail("sets both the legacy 'reservation' and 'reservations'");
    for (int i = 0; i < resource.reservations_size(); ++i) {
      const auto& reservation = resource.reservations(i);
      const std::string which = "reservation #" + std::to_string(i);
      if (reservation.type() != v1::Resource::ReservationInfo::STATIC &&
          reservation.type() != v1::Resource::ReservationInfo::DYNAMIC) {
        return fail("has " + which + " without a type (STATIC or DYNAMIC)");
      }
      if (reservation.role().empty()) return fail("has " + which + " without a role");
      if (reservation.role() == "*") return fail("cannot be reserved to role '*'");
      if (auto error = roleError(reservation.role())) return fail("has " + which + " with an " + *error);
      if (i > 0) {
        const auto& outer = resource.reservations(i - 1);
        // Refinement narrows: each entry reserves to a descendant of the
        // one before, and a static reservation only sits at the bottom.
        if (reservation.type() == v1::Resource::ReservationInfo::STATIC &&
            outer.type() == v1::Resource::ReservationInfo::DYNAMIC) {
          return fail("has a STATIC " + which + " refining a DYNAMIC one");
        }
        if (!reservation.role().starts_with(outer.role() + "/")) {
          return fail("has " + which + " to role '" + reservation.role() + "', which is not a descendant of '" +
                      outer.role() + "'");
        }
      }
    }
  }

  if (resource.has_disk() && resource.name() != "disk") return fail("has disk info but is not a 'disk' resource");
  if (resource.has_shared() && !(resource.has_disk() && resource.disk().has_persistence())) {
    return fail("is shared but is not a persistent volume");
  }
  return std::nullopt;
}

std::optional<Error> Resources::validate(const google::protobuf::RepeatedPtrField<v1::Resource>& resources) {
  for (const auto& resource : resources) {
    if (auto error = validate(resource)) return error;
  }
  return std::nullopt;
}

v1::Resource Resources::normalize(v1::Resource resource) {
  if (resource.reservations_size() == 0 && resource.has_role() && resource.role() != "*") {
    auto* reservation = resource.add_reservations();
    reservation->set_role(resource.role());
    if (resource.has_reservation()) {
      // A legacy `reservation` marks a dynamic reservation and carries its
      // principal and labels.
      reservation->set_type(v1::Resource::ReservationInfo::DYNAMIC);
      const auto& legacy = resource.reservation();
      if (legacy.has_principal()) reservation->set_principal(legacy.principal());
      if (legacy.has_labels()) *reservation->mutable_labels() = legacy.labels();
    } else {
      reservation->set_type(v1::Resource::ReservationInfo::STATIC);
    }
  }
  resource.clear_role();
  resource.clear_reservation();
  return resource;
}

void Resources::add(const v1::Resource& resource) {
  for (auto& item : items_) {
    if (sameIdentity(item, resource)) {
      addValue(&item, resource);
      return;
    }
  }
  items_.push_back(resource);
}

void Resources::add(v1::Resource&& resource) {
  for (auto& item : items_) {
    if (sameIdentity(item, resource)) {
      addValue(&item, resource);
      return;
    }
  }
  items_.push_back(std::move(resource));
}

void Resources::subtract(const v1::Resource& resource) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (sameIdentity(*it, resource)) {
      // erase() rather than swap-with-last keeps the order stable, which
      // keeps toString() predictable; entries are few.
      if (!subtractValue(&*it, resource)) items_.erase(it);
      return;
    }
  }
}

bool Resources::contains(const Resources& other) const {
  for (const auto& wanted : other.items_) {
    bool found = false;
    for (const auto& item : items_) {
      if (sameIdentity(item, wanted)) {
        if (!containsValue(item, wanted)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

Resources& Resources::operator+=(const Resources& other) {
  if (&other == this) {
    const Resources copy = other;
    return *this += copy;
  }
  for (const auto& item : other.items_) add(item);
  return *this;
}

Resources& Resources::operator-=(const Resources& other) {
  if (&other == this) {
    items_.clear();
    return *this;
  }
  for (const auto& item : other.items_) {
    if (items_.empty()) break;
    subtract(item);
  }
  return *this;
}

Resources Resources::operator+(const Resources& other) const {
  Resources result = *this;
  result += other;
  return result;
}

Resources Resources::operator-(const Resources& other) const {
  Resources result = *this;
  result -= other;
  return result;
}

bool Resources::operator==(const Resources& other) const {
  // Identities are unique within a normal form, so equal sizes plus a
  // matching equal entry for each of other's entries means equal sets.
  if (items_.size() != other.items_.size()) return false;
  for (const auto& theirs : other.items_) {
    bool found = false;
    for (const auto& ours : items_) {
      if (sameIdentity(ours, theirs)) {
        if (!valueEqual(ours, theirs)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

double Resources::scalar(const std::string& name) const {
  int64_t total = 0;
  for (const auto& item : items_) {
    if (item.type() == v1::Value::SCALAR && item.name() == name) total = clampFixed(total + toFixed(item.scalar().value()));
  }
  return fromFixed(total);
}

namespace {
std::optional<double> optionalScalar(const std::vector<v1::Resource>& items, const char* name) {
  bool found = false;
  int64_t total = 0;
  for (const auto& item : items) {
    if (item.type() == v1::Value::SCALAR && item.name() == name) {
      found = true;
      total = clampFixed(total + toFixed(item.scalar().value()));
    }
  }
  if (!found) return std::nullopt;
  return fromFixed(total);
}
}  // namespace

std::optional<double> Resources::cpus() const { return optionalScalar(items_, "cpus"); }
std::optional<double> Resources::mem() const { return optionalScalar(items_, "mem"); }
std::optional<double> Resources::disk() const { return optionalScalar(items_, "disk"); }

std::vector<std::pair<uint64_t, uint64_t>> Resources::ports() const {
  std::vector<Interval> result;
  for (const auto& item : items_) {
    if (item.type() == v1::Value::RANGES && item.name() == "ports") appendRanges(item.ranges(), &result);
  }
  coalesce(&result);
  return result;
}

std::map<std::string, double> Resources::scalars() const {
  std::map<std::string, int64_t> fixed;
  for (const auto& item : items_) {
    if (item.type() != v1::Value::SCALAR) continue;
    int64_t& total = fixed[item.name()];
    total = clampFixed(total + toFixed(item.scalar().value()));
  }
  std::map<std::string, double> result;
  for (const auto& [name, total] : fixed) result.emplace_hint(result.end(), name, fromFixed(total));
  return result;
}

Resources Resources::unreserved() const {
  Resources result;
  for (const auto& item : items_) {
    if (item.reservations_size() == 0) result.items_.push_back(item);
  }
  return result;
}

Resources Resources::reserved(const std::string& role) const {
  Resources result;
  for (const auto& item : items_) {
    if (item.reservations_size() > 0 && item.reservations(item.reservations_size() - 1).role() == role) {
      result.items_.push_back(item);
    }
  }
  return result;
}

Resources Resources::allocatedTo(const std::string& role) const {
  Resources result;
  for (const auto& item : items_) {
    if (item.has_allocation_info() && item.allocation_info().role() == role) result.items_.push_back(item);
  }
  return result;
}

Resources Resources::withoutAllocation() const {
  // Entries that differed only by allocation now merge, hence add().
  Resources result;
  result.items_.reserve(items_.size());
  for (const auto& item : items_) {
    v1::Resource copy = item;
    copy.clear_allocation_info();
    result.add(std::move(copy));
  }
  return result;
}

Resources Resources::allocate(const std::string& role) const {
  Resources result;
  result.items_.reserve(items_.size());
  for (const auto& item : items_) {
    v1::Resource copy = item;
    copy.mutable_allocation_info()->set_role(role);
    result.add(std::move(copy));
  }
  return result;
}

std::string Resources::reservationRole(const v1::Resource& resource) {
  if (resource.reservations_size() > 0) return resource.reservations(resource.reservations_size() - 1).role();
  // Not yet normalize()d: the legacy field says.
  if (resource.has_role()) return resource.role();
  return "*";
}

std::string Resources::toString() const {
  std::string out;
  for (const auto& item : items_) {
    if (!out.empty()) out.push_back(';');
    out += item.name();
    if (item.reservations_size() > 0) {
      out.push_back('(');
      out += item.reservations(item.reservations_size() - 1).role();
      out.push_back(')');
    }
    out.push_back(':');
    out += formatValue(item);
  }
  return out;
}

void Resources::copyTo(google::protobuf::RepeatedPtrField<v1::Resource>* out) const {
  out->Clear();
  out->Reserve(static_cast<int>(items_.size()));
  for (const auto& item : items_) *out->Add() = item;
}

std::ostream& operator<<(std::ostream& stream, const Resources& resources) { return stream << resources.toString(); }

}  // namespace tepui
