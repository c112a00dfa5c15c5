// Result<T> is a value or a Kafka ErrorCode: how every layer reports failures without
// exceptions (STYLE.md: errors are values). Result<void> carries only the code.
#pragma once

#include <utility>
#include <variant>

#include "protocol/error_code.h"

namespace fjord {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(ErrorCode error) : v_(error) {}             // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  ErrorCode error() const { return ok() ? ErrorCode::kNone : std::get<1>(v_); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, ErrorCode> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(ErrorCode error) : error_(error) {}  // NOLINT: implicit by design
  bool ok() const { return error_ == ErrorCode::kNone; }
  explicit operator bool() const { return ok(); }
  ErrorCode error() const { return error_; }

 private:
  ErrorCode error_ = ErrorCode::kNone;
};

}  // namespace fjord
