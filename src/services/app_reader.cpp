#include "services/app_reader.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>

namespace tepui::services {

namespace bj = boost::json;

std::optional<std::string> readString(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  if (!v.is_string()) {
    errors->add(path, "expected a string");
    return std::nullopt;
  }
  return std::string(v.get_string());
}

std::optional<double> readNumber(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  errors->add(path, "expected a number");
  return std::nullopt;
}

std::optional<int64_t> readInteger(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  if (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.get_uint64());
  errors->add(path, "expected an integer");
  return std::nullopt;
}

std::optional<bool> readBool(const bj::value& v, const std::string& path, ValidationErrors* errors) {
  if (!v.is_bool()) {
    errors->add(path, "expected a boolean");
    return std::nullopt;
  }
  return v.get_bool();
}

ObjectReader::ObjectReader(const bj::value& value, std::string path, ValidationErrors* errors)
    : path_(std::move(path)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value.get_object();
  } else {
    errors_->add(path_, "expected an object");
  }
}

const bj::value* ObjectReader::find(const std::string& key) const {
  if (object_ == nullptr) return nullptr;
  const bj::value* v = object_->if_contains(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

std::optional<std::string> ObjectReader::string(const std::string& key) const {
  const bj::value* v = find(key);
  return v ? readString(*v, pathOf(key), errors_) : std::nullopt;
}

std::optional<double> ObjectReader::number(const std::string& key) const {
  const bj::value* v = find(key);
  return v ? readNumber(*v, pathOf(key), errors_) : std::nullopt;
}

std::optional<int64_t> ObjectReader::integer(const std::string& key) const {
  const bj::value* v = find(key);
  return v ? readInteger(*v, pathOf(key), errors_) : std::nullopt;
}

std::optional<bool> ObjectReader::boolean(const std::string& key) const {
  const bj::value* v = find(key);
  return v ? readBool(*v, pathOf(key), errors_) : std::nullopt;
}

namespace {

// "0.001", "1", "300": bounds as people write them.
std::string formatBound(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::optional<int64_t> ObjectReader::integerAtLeast(const std::string& key, int64_t min) const {
  std::optional<int64_t> v = integer(key);
  if (v && *v < min) {
    fail(key, "must be at least " + std::to_string(min));
    return std::nullopt;
  }
  return v;
}

std::optional<double> ObjectReader::numberAtLeast(const std::string& key, double min) const {
  std::optional<double> v = number(key);
  if (v && !(*v >= min)) {
    fail(key, "must be at least " + formatBound(min));
    return std::nullopt;
  }
  return v;
}

std::optional<double> ObjectReader::numberBetween(const std::string& key, double min, double max) const {
  std::optional<double> v = number(key);
  if (v && !(*v >= min && *v <= max)) {
    fail(key, "must be between " + formatBound(min) + " and " + formatBound(max));
    return std::nullopt;
  }
  return v;
}

const bj::array* ObjectReader::array(const std::string& key) const {
  const bj::value* v = find(key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    fail(key, "expected an array");
    return nullptr;
  }
  return &v->get_array();
}

std::optional<std::vector<std::string>> ObjectReader::strings(const std::string& key) const {
  const bj::array* a = array(key);
  if (a == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (size_t i = 0; i < a->size(); ++i) {
    if (auto s = readString((*a)[i], indexPath(pathOf(key), i), errors_)) out.push_back(*s);
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ObjectReader::stringMap(const std::string& key) const {
  const bj::value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) {
    fail(key, "expected an object of string values");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : v->get_object()) {
    std::string k(name);
    if (auto s = readString(value, subPath(pathOf(key), k), errors_)) out[k] = *s;
  }
  return out;
}

}  // namespace tepui::services
