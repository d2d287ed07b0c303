// Reading the typed fields of a JSON object with errors that name the field
// (private to src/jobs). A field that is absent or null leaves the output
// untouched, so the caller's default stands; a field of the wrong type is an
// error "<path>: must be ...", where the path is the reader's prefix plus
// the key ("fetch[1].uri"). Numbers may also be sent as numeric strings
// ("cpus": "0.5"), as Chronos's own examples do.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace tepui::jobs {

class FieldReader {
 public:
  // `prefix` is prepended to keys in errors: "" or "fetch[0].".
  explicit FieldReader(const boost::json::object& object, std::string prefix = "")
      : object_(object), prefix_(std::move(prefix)) {}

  // The value of `key`, or nullptr when absent or null.
  const boost::json::value* find(std::string_view key) const;
  // The name of `key` in errors.
  std::string path(std::string_view key) const { return prefix_ + std::string(key); }
  // `path(key): reason`.
  Error error(std::string_view key, const std::string& reason) const;

  Status string(std::string_view key, std::string* out) const;
  Status boolean(std::string_view key, bool* out) const;
  Status number(std::string_view key, double* out) const;    // finite
  Status integer(std::string_view key, int64_t* out) const;  // integral
  Status strings(std::string_view key, std::vector<std::string>* out) const;

  // An array of objects, each read by `readOne(const FieldReader& element,
  // T* out) -> Status` with the element's path ("fetch[2].") as prefix.
  template <typename T, typename ReadOne>
  Status objects(std::string_view key, std::vector<T>* out, ReadOne readOne) const {
    const boost::json::value* v = find(key);
    if (v == nullptr) return okStatus();
    if (!v->is_array()) return error(key, "must be an array of objects");
    std::vector<T> result;
    for (const boost::json::value& item : v->get_array()) {
      const std::string at = path(key) + "[" + std::to_string(result.size()) + "]";
      if (!item.is_object()) return Error(at + ": must be an object");
      T element{};
      if (Status s = readOne(FieldReader(item.get_object(), at + "."), &element); !s) return s;
      result.push_back(std::move(element));
    }
    *out = std::move(result);
    return okStatus();
  }

 private:
  const boost::json::object& object_;
  std::string prefix_;
};

}  // namespace tepui::jobs
