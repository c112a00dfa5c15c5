// A Record is a view of one record inside a magic-2 batch (layout: RECORD-FORMAT.md): key,
// value and headers point into the batch bytes (or into the caller's decompression buffer),
// nothing is copied or allocated. RecordReader walks the records of one batch and checks each
// one's framing as it goes; headers are parsed lazily through HeaderIterator.
// Views are valid while the underlying bytes are. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/records/record_error.h"
#include "protocol/wire.h"

namespace fjord {

struct RecordHeader {
  std::string_view key;
  std::optional<ByteView> value;  // nullopt = null
};

class HeaderIterator {
 public:
  HeaderIterator() = default;
  HeaderIterator(ByteView bytes, int32_t count) : reader_(bytes), left_(count) {}

  // The next header, or false at the end or on malformed bytes (then error() says so).
  bool next(RecordHeader& out);
  RecordError error() const { return error_; }

 private:
  Reader reader_;
  int32_t left_ = 0;
  RecordError error_ = RecordError::kNone;
};

struct Record {
  int64_t offset = 0;     // base offset + offset delta
  int64_t timestamp = 0;  // base timestamp + delta, or the batch's max timestamp (LogAppendTime)
  int32_t offset_delta = 0;
  int64_t timestamp_delta = 0;
  int8_t attributes = 0;
  std::optional<ByteView> key;    // nullopt = null key
  std::optional<ByteView> value;  // nullopt = null value (tombstone)
  int32_t headers_count = 0;
  ByteView headers_bytes;  // the encoded headers, count not included
  ByteView bytes;          // the whole record, length prefix included

  HeaderIterator headers() const { return {headers_bytes, headers_count}; }
};

// What a record needs from its batch to turn deltas into absolute values.
struct RecordContext {
  int64_t base_offset = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  bool log_append_time = false;
};

class RecordReader {
 public:
  RecordReader() = default;
  RecordReader(ByteView records, int32_t count, const RecordContext& context)
      : data_(records), count_(count), context_(context) {}

  // The next record, or false when all `count` records were read or the bytes are malformed.
  // After false, error() is kNone only if exactly `count` well-formed records filled the bytes.
  bool next(Record& out);
  // As next(), with the same checks and errors, but only the offset delta and the timestamp
  // come out: the validation walk of a leader append, without building a Record.
  bool skip(int32_t& offset_delta, int64_t& timestamp);
  RecordError error() const { return error_; }
  int32_t records_read() const { return read_; }

 private:
  bool fail(RecordError e) {
    error_ = e;
    read_ = count_;
    pos_ = data_.size();
    return false;
  }

  ByteView data_;
  size_t pos_ = 0;
  int32_t count_ = 0;
  int32_t read_ = 0;
  RecordContext context_;
  RecordError error_ = RecordError::kNone;
};

// Encodes one record (length prefix included) as it appears inside a magic-2 batch.
void write_record(Writer& w, int32_t offset_delta, int64_t timestamp_delta,
                  std::optional<ByteView> key, std::optional<ByteView> value,
                  std::span<const RecordHeader> headers);

}  // namespace fjord
