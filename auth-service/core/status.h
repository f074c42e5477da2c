// The outcome of a fallible core or daemon operation, returned as a value
// (never thrown): `Status` for operations with no result, `Result<T>` for
// those that produce one. An error carries one specific, human-readable
// message that the caller logs or shows as is ("users.txt:7: invalid user
// name 'a/b': ..."), so callers never build a second wording of the same fault.
//
// Both are [[nodiscard]]: ignoring an error is a compile-time warning (and an
// error under -Werror), which is the point.
#ifndef IMCHAT_CORE_STATUS_H_
#define IMCHAT_CORE_STATUS_H_

#include <optional>
#include <string>
#include <utility>

namespace imchat {

class [[nodiscard]] Status {
 public:
  // Success.
  Status() = default;
  static Status Ok() { return Status(); }
  // Failure with a message; an empty message still counts as a failure.
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !error_.has_value(); }
  // The failure's message; "" for success.
  const std::string& message() const {
    static const std::string kNone;
    return error_ ? *error_ : kNone;
  }

 private:
  explicit Status(std::string message) : error_(std::move(message)) {}
  std::optional<std::string> error_;
};

// A value of type T, or the Status that says why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  // Success: implicit, so `return value;` works.
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // Failure: implicit from an error Status, so `return Status::Error(...)` works.
  // Passing an ok Status is a programming error; it is kept as an empty error.
  Result(Status error)  // NOLINT(google-explicit-constructor)
      : status_(error.ok() ? Status::Error("internal error: no value") : std::move(error)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  // The error's message; "" for success.
  const std::string& message() const { return status_.message(); }

  // The value; only when ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace imchat

#endif  // IMCHAT_CORE_STATUS_H_
