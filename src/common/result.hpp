// Errors as values. `Result<T>` holds either a T or an Error; `Result<void>`
// (alias `Status`) holds nothing or an Error. The callee states the reason,
// the caller adds context with `Error::context()`, so messages never repeat.
// No exceptions cross a component boundary.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tepui {

struct Error {
  std::string message;

  explicit Error(std::string m) : message(std::move(m)) {}

  // "context: message", for callers that know what was being attempted.
  Error context(const std::string& what) const { return Error(what + ": " + message); }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

inline Status okStatus() { return {}; }

}  // namespace tepui
