// RecordBatchBuilder writes magic-2 batches (RECORD-FORMAT.md) with any codec, timestamps,
// idempotent / transactional producer fields and headers, computing the CRC-32C. Used by the
// coordinators (offset commits, transaction markers), the up-conversion of legacy data and
// tests. Records are encoded as they are appended; build() compresses once. Not thread-safe;
// reusable through reset().
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "protocol/records/compression.h"
#include "protocol/records/record.h"
#include "protocol/records/record_batch.h"

namespace fjord {

struct BatchOptions {
  Compression compression = Compression::kNone;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  bool transactional = false;
  bool control = false;
  // Set by the log cleaner (KIP-534): becomes baseTimestamp, with the hasDeleteHorizonMs bit.
  std::optional<int64_t> delete_horizon_ms;
};

class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(const BatchOptions& options = {}) { reset(options); }
  void reset(const BatchOptions& options);

  // Appends a record at the offset after the previous one (the first at base_offset).
  void append(int64_t timestamp, std::optional<ByteView> key, std::optional<ByteView> value,
              std::span<const RecordHeader> headers = {});
  // Appends a record at an explicit offset, above the previous one (gaps allowed, as after
  // compaction or when converting legacy data with its offsets).
  void append_with_offset(int64_t offset, int64_t timestamp, std::optional<ByteView> key,
                          std::optional<ByteView> value,
                          std::span<const RecordHeader> headers = {});

  int32_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  int64_t next_offset() const { return next_offset_; }
  // Uncompressed size of the batch so far.
  size_t size_in_bytes() const { return batch_header::kSize + records_.size(); }

  // Appends the finished batch to out.
  RecordError build(Bytes& out) const;

 private:
  BatchOptions options_;
  Bytes records_;
  int32_t count_ = 0;
  int64_t next_offset_ = 0;
  int64_t last_offset_ = 0;
  int64_t base_timestamp_ = kNoTimestamp;
  int64_t max_timestamp_ = kNoTimestamp;
};

}  // namespace fjord
