#include "jobs/json_fields.hpp"

#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <optional>

namespace tepui::jobs {

namespace {

// A whole string read as a double, or nullopt.
std::optional<double> parseDouble(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> numberOf(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  if (v.is_string()) return parseDouble(std::string_view(v.get_string()));
  return std::nullopt;
}

}  // namespace

const boost::json::value* FieldReader::find(std::string_view key) const {
  const boost::json::value* v = object_.if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

Error FieldReader::error(std::string_view key, const std::string& reason) const {
  return Error(path(key) + ": " + reason);
}

Status FieldReader::string(std::string_view key, std::string* out) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return okStatus();
  if (!v->is_string()) return error(key, "must be a string");
  *out = std::string(v->get_string());
  return okStatus();
}

Status FieldReader::boolean(std::string_view key, bool* out) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return okStatus();
  if (!v->is_bool()) return error(key, "must be true or false");
  *out = v->get_bool();
  return okStatus();
}

Status FieldReader::number(std::string_view key, double* out) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return okStatus();
  const std::optional<double> n = numberOf(*v);
  if (!n || !std::isfinite(*n)) return error(key, "must be a number");
  *out = *n;
  return okStatus();
}

Status FieldReader::integer(std::string_view key, int64_t* out) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return okStatus();
  if (v->is_int64()) {
    *out = v->get_int64();
    return okStatus();
  }
  const std::optional<double> n = numberOf(*v);
  // 2^63 is the first double past int64's range.
  if (!n || *n != std::floor(*n) || std::fabs(*n) >= 9223372036854775808.0) return error(key, "must be an integer");
  *out = static_cast<int64_t>(*n);
  return okStatus();
}

Status FieldReader::strings(std::string_view key, std::vector<std::string>* out) const {
  const boost::json::value* v = find(key);
  if (v == nullptr) return okStatus();
  if (!v->is_array()) return error(key, "must be an array of strings");
  std::vector<std::string> result;
  for (const boost::json::value& item : v->get_array()) {
    if (!item.is_string()) return error(key, "must be an array of strings");
    result.emplace_back(item.get_string());
  }
  *out = std::move(result);
  return okStatus();
}

}  // namespace tepui::jobs
