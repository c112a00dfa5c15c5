// RecordError names every way a record batch, legacy message set or compressed block can be
// rejected, finer than Kafka's error codes so tests and log lines can tell them apart;
// to_error_code() maps each onto the code Kafka answers with (CORRUPT_MESSAGE for damaged
// bytes, INVALID_RECORD for well-checksummed but malformed records, ...).
// RecordResult<T> is a value or a RecordError.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

#include "protocol/error_code.h"

namespace fjord {

enum class RecordError : uint8_t {
  kNone = 0,
  kTruncated,               // the bytes end before the batch / message / record does
  kBadBatchLength,          // batchLength / messageSize below the minimum or beyond the input
  kUnsupportedMagic,        // magic not 0, 1 or 2 (or not the one expected)
  kCrcMismatch,             // stored checksum differs from the computed one
  kBadRecordCount,          // recordsCount negative or inconsistent with lastOffsetDelta
  kInvalidRecord,           // a record inside a checksummed batch does not parse
  kRecordCountMismatch,     // the records do not add up to recordsCount
  kInvalidOffset,           // record offsets not as the format requires
  kUnsupportedCompression,  // compression codec unknown, or not allowed with this magic
  kCorruptCompressedData,   // the codec rejects the compressed bytes
  kDecompressedTooLarge,    // decompression would exceed the caller's limit (bomb guard)
  kNestedCompression,       // a compressed legacy wrapper inside a compressed wrapper
  kInvalidControlRecord,    // control batch whose record key/value does not parse
};

std::string_view record_error_name(RecordError e);

// The Kafka error code a client receives for this failure.
ErrorCode to_error_code(RecordError e);

template <typename T>
class [[nodiscard]] RecordResult {
 public:
  RecordResult(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  RecordResult(RecordError error) : v_(error) {}   // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  RecordError error() const { return ok() ? RecordError::kNone : std::get<1>(v_); }
  ErrorCode error_code() const { return to_error_code(error()); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, RecordError> v_;
};

}  // namespace fjord
