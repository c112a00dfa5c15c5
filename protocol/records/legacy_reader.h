// LegacyRecordReader iterates the records of a legacy (magic 0/1) message set in offset order,
// opening compressed wrapper messages: the inner set is decompressed once into the caller's
// DecompressionBuffer and its absolute offsets restored (magic 0: as stored; magic 1:
// wrapper offset - last inner relative offset + inner relative offset). Every message's
// CRC-32 is checked. A partial message at the end of the outer set ends the iteration without
// error (fetch data); inside a wrapper it is corruption. No allocation per record.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "protocol/records/batch_iterator.h"
#include "protocol/records/compression.h"
#include "protocol/records/legacy_message.h"

namespace fjord::legacy {

struct LegacyRecord {
  int64_t offset = 0;
  int64_t timestamp = kNoTimestamp;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  int8_t magic = 0;
  Compression wrapper_compression = Compression::kNone;  // codec of the enclosing wrapper
  std::optional<ByteView> key;
  std::optional<ByteView> value;
};

class LegacyRecordReader {
 public:
  LegacyRecordReader(ByteView message_set, DecompressionBuffer& scratch,
                     size_t max_decompressed = kDefaultMaxDecompressedBytes)
      : outer_(message_set), scratch_(scratch), max_decompressed_(max_decompressed) {}

  // The next record; false at the end, at a partial trailing message, or on an error.
  bool next(LegacyRecord& out);
  RecordError error() const { return error_; }
  bool truncated_tail() const { return outer_.truncated_tail(); }

 private:
  bool fail(RecordError e) {
    error_ = e;
    return false;
  }
  bool open_wrapper(const LegacyMessageView& wrapper);

  BatchIterator outer_;
  DecompressionBuffer& scratch_;
  size_t max_decompressed_;
  RecordError error_ = RecordError::kNone;
  // The open wrapper, if any.
  std::optional<BatchIterator> inner_;
  LegacyMessageView wrapper_;
  int64_t inner_offset_shift_ = 0;
};

}  // namespace fjord::legacy
