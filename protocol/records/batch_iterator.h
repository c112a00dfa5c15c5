// BatchIterator walks the value of a Kafka `records` field: a sequence of magic-2 batches
// and/or legacy magic 0/1 messages (each a "log entry": int64 offset, int32 size, then magic
// at byte 16). It checks only the framing — CRCs and contents are for RecordBatchView /
// LegacyMessageView. A partial entry at the end is normal in fetch data (Kafka cuts responses
// at fetch.max.bytes) and ends the iteration without an error; truncated_tail() tells it apart.
// Allocates nothing. Not thread-safe.
#pragma once

#include <cstdint>

#include "protocol/records/record_error.h"
#include "protocol/wire.h"

namespace fjord {

struct BatchEntry {
  ByteView bytes;      // the whole batch or message, offset and size fields included
  int8_t magic = 0;    // 0, 1 or 2
  int64_t offset = 0;  // base offset (magic 2) or the message's offset (magic 0/1)
};

class BatchIterator {
 public:
  explicit BatchIterator(ByteView records) : data_(records) {}

  // The next complete entry; false at the end, at a partial trailing entry or on bad framing.
  bool next(BatchEntry& out);
  RecordError error() const { return error_; }
  // True when iteration stopped at an incomplete entry (not an error for fetch data; a produce
  // request must not have one).
  bool truncated_tail() const { return truncated_; }
  // Bytes of complete entries returned so far.
  size_t position() const { return pos_; }

 private:
  ByteView data_;
  size_t pos_ = 0;
  bool truncated_ = false;
  RecordError error_ = RecordError::kNone;
};

// Smallest messageSize / batchLength for each magic.
inline constexpr int32_t kMinEntrySize[3] = {14, 22, 49};

}  // namespace fjord
