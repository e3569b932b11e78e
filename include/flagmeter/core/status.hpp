#pragma once

#include <optional>
#include <string>
#include <utility>

namespace flagmeter {

/// The outcome of an operation that can fail: a kind plus a message with
/// enough context to act on ("store: commit batch: connection refused").
/// Cheap to copy when ok. Thread-compatible (a value type).
class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,  // the caller's input is wrong; retrying will not help
    kNotFound,         // the named thing does not exist
    kFailedPrecondition,  // valid, but the state forbids it (a tenant that may not be created); not retried as is
    kUnavailable,      // a dependency (Valkey, PostgreSQL) cannot be reached; retry later
    kOverloaded,       // a bound was hit (queue depth); retry later
    kAborted,          // a concurrent change won a race (e.g. another batch stored an id first); rerun at once
    kInternal,         // a bug or an unexpected answer from a dependency
  };

  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {Code::kFailedPrecondition, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Overloaded(std::string msg) { return {Code::kOverloaded, std::move(msg)}; }
  static Status Aborted(std::string msg) { return {Code::kAborted, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "Unavailable: <message>", or "OK".
  std::string ToString() const;

  /// A copy whose message is prefixed with `context` (e.g. "store: commit batch").
  Status WithContext(const std::string& context) const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

/// A value or the Status explaining why there is none. Never holds an ok
/// Status without a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

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

}  // namespace flagmeter
