// Typed reads of a Marathon-compatible JSON body that record what is wrong
// instead of stopping: each read names the field's path in the
// ValidationErrors it was given ("/cpus": "expected a number"), and returns
// nothing for a missing field, a JSON null, or a value of the wrong type, so
// that a parser can go on and collect every problem. Used by the app and
// group parsers; holds pointers into the JSON it reads, which must outlive it.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/validation_errors.hpp"

namespace tepui::services {

// Single values, read at `path`.
std::optional<std::string> readString(const boost::json::value& v, const std::string& path, ValidationErrors* errors);
std::optional<double> readNumber(const boost::json::value& v, const std::string& path, ValidationErrors* errors);
// An integral number (2 and 2.0 are; 2.5 is not) within int64.
std::optional<int64_t> readInteger(const boost::json::value& v, const std::string& path, ValidationErrors* errors);
std::optional<bool> readBool(const boost::json::value& v, const std::string& path, ValidationErrors* errors);

class ObjectReader {
 public:
  // Records "expected an object" at `path` when `value` is not one; every
  // read then returns nothing.
  ObjectReader(const boost::json::value& value, std::string path, ValidationErrors* errors);

  bool isObject() const { return object_ != nullptr; }
  // The value of `key`, or nullptr when absent or null.
  const boost::json::value* find(const std::string& key) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }
  std::string pathOf(const std::string& key) const { return subPath(path_, key); }
  const std::string& path() const { return path_; }
  ValidationErrors* errors() const { return errors_; }

  std::optional<std::string> string(const std::string& key) const;
  std::optional<double> number(const std::string& key) const;
  std::optional<int64_t> integer(const std::string& key) const;
  std::optional<bool> boolean(const std::string& key) const;
  // The same reads with a lower bound (and an upper one for numbers): a
  // value out of range is an error ("must be at least 0") and not returned.
  std::optional<int64_t> integerAtLeast(const std::string& key, int64_t min) const;
  std::optional<double> numberAtLeast(const std::string& key, double min) const;
  std::optional<double> numberBetween(const std::string& key, double min, double max) const;
  // An array (its elements unchecked), or nullptr.
  const boost::json::array* array(const std::string& key) const;
  // An array of strings; a non-string element is an error at "key(i)".
  std::optional<std::vector<std::string>> strings(const std::string& key) const;
  // An object of string values; another value is an error at "key/name".
  std::optional<std::map<std::string, std::string>> stringMap(const std::string& key) const;

  // Records `error` at pathOf(key).
  void fail(const std::string& key, std::string error) const { errors_->add(pathOf(key), std::move(error)); }

 private:
  const boost::json::object* object_ = nullptr;
  std::string path_;
  ValidationErrors* errors_;
};

}  // namespace tepui::services
