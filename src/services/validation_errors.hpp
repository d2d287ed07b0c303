// ValidationErrors: every problem found in a Marathon-compatible request
// body, each under the path of the offending field ("/cpus",
// "/healthChecks(0)/protocol", "/groups(1)/apps(0)/id"; "/" for the object as
// a whole), in the order they were found, with the messages of one path
// grouped together. toJson() is the 422 body the services API answers:
//   {"message":"Object is not valid","details":[{"path":..,"errors":[..]}]}
// Validated<T> carries either a value or a non-empty ValidationErrors.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tepui::services {

struct Violation {
  std::string path;
  std::vector<std::string> errors;
  bool operator==(const Violation&) const = default;
};

class ValidationErrors {
 public:
  void add(const std::string& path, std::string error);
  // Appends `other`'s violations with `prefix` put in front of each path
  // ("/apps(0)" + "/cpus"; a path of "/" becomes the prefix alone).
  void addAll(const std::string& prefix, const ValidationErrors& other);

  bool empty() const { return violations_.empty(); }
  const std::vector<Violation>& violations() const { return violations_; }
  // The messages recorded for `path` (empty if none): what tests look at.
  std::vector<std::string> at(const std::string& path) const;

  boost::json::value toJson() const;
  // One line for logs and CLI output: "/cpus: ...; /id: ...".
  std::string summary() const;

 private:
  std::vector<Violation> violations_;
};

// Joins a JSON path and a key: ("/", "cpus") -> "/cpus", ("/a", "b") -> "/a/b".
std::string subPath(const std::string& path, const std::string& key);
// The element path of an array: ("/healthChecks", 0) -> "/healthChecks(0)".
std::string indexPath(const std::string& path, size_t index);

template <typename T>
class [[nodiscard]] Validated {
 public:
  Validated(T value) : v_(std::move(value)) {}                   // NOLINT(google-explicit-constructor)
  Validated(ValidationErrors errors) : v_(std::move(errors)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const ValidationErrors& errors() const { return std::get<1>(v_); }

 private:
  std::variant<T, ValidationErrors> v_;
};

}  // namespace tepui::services
