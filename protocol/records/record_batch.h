// RecordBatchView is a read-only view of one magic-2 RecordBatch (RECORD-FORMAT.md) over bytes
// it does not own. parse() checks the framing (size, batchLength, magic); validate() adds the
// CRC-32C and header consistency; validate_records() walks every record, as the produce path
// and log recovery need. Records are read through a RecordReader that allocates nothing;
// compressed batches are decompressed once into the caller's reusable DecompressionBuffer.
//
// The storage engine's produce path:
//   auto batch = RecordBatchView::parse(bytes);            // one batch of the request
//   if (!batch) return batch.error_code();
//   if (auto e = batch->validate_records(scratch, opts); e != RecordError::kNone) ...
//   batch_header::set_base_offset(mutable_bytes, next_offset);   // no CRC change
//
// Not thread-safe; a view is valid while its bytes are.
#pragma once

#include <cstdint>
#include <span>

#include "protocol/records/batch_header.h"
#include "protocol/records/compression.h"
#include "protocol/records/record.h"
#include "protocol/records/record_error.h"
#include "protocol/wire.h"

namespace fjord {

enum class TimestampType : int8_t { kCreateTime = 0, kLogAppendTime = 1 };

inline constexpr int64_t kNoTimestamp = -1;
inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;

struct BatchValidation {
  // Kafka's produce path requires offset deltas 0..n-1 and lastOffsetDelta == n-1; compacted
  // batches on disk have gaps.
  bool contiguous_offsets = true;
  size_t max_decompressed = kDefaultMaxDecompressedBytes;
};

class RecordBatchView {
 public:
  RecordBatchView() = default;

  // Exactly one batch: bytes.size() == 12 + batchLength >= 61 and magic == 2.
  static RecordResult<RecordBatchView> parse(ByteView bytes);

  ByteView bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }

  int64_t base_offset() const { return batch_header::base_offset(p()); }
  int64_t last_offset() const { return batch_header::last_offset(p()); }
  int32_t batch_length() const { return batch_header::batch_length(p()); }
  int32_t partition_leader_epoch() const { return batch_header::partition_leader_epoch(p()); }
  int8_t magic() const { return batch_header::magic(p()); }
  uint32_t crc() const { return batch_header::crc(p()); }
  int16_t attributes() const { return batch_header::attributes(p()); }
  int32_t last_offset_delta() const { return batch_header::last_offset_delta(p()); }
  int64_t base_timestamp() const { return batch_header::base_timestamp(p()); }
  int64_t max_timestamp() const { return batch_header::max_timestamp(p()); }
  int64_t producer_id() const { return batch_header::producer_id(p()); }
  int16_t producer_epoch() const { return batch_header::producer_epoch(p()); }
  int32_t base_sequence() const { return batch_header::base_sequence(p()); }
  int32_t records_count() const { return batch_header::records_count(p()); }

  int compression_id() const { return attributes() & batch_header::kCompressionMask; }
  Compression compression() const { return static_cast<Compression>(compression_id()); }
  TimestampType timestamp_type() const {
    return (attributes() & batch_header::kTimestampTypeMask) ? TimestampType::kLogAppendTime
                                                             : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes() & batch_header::kTransactionalFlag; }
  bool is_control() const { return attributes() & batch_header::kControlFlag; }
  bool has_delete_horizon() const { return attributes() & batch_header::kDeleteHorizonFlag; }
  // Last sequence number, wrapping at INT32_MAX as Kafka's DefaultRecordBatch does.
  int32_t last_sequence() const;

  // CRC-32C over bytes [21, end).
  uint32_t compute_crc() const;

  // CRC, a known compression codec, and a plausible recordsCount / lastOffsetDelta.
  RecordError validate() const;

  // The records, decompressed into scratch when the batch is compressed (then the Record
  // views point into scratch and stay valid until scratch is reused).
  RecordResult<RecordReader> records(DecompressionBuffer& scratch,
                                     size_t max_decompressed = kDefaultMaxDecompressedBytes) const;

  // validate(), then every record parses, the count matches and (optionally) the offsets are
  // contiguous. What a broker checks before appending a produced batch. In the same walk, the
  // largest record timestamp goes to *max_record_timestamp when given (kNoTimestamp for no
  // records), which Kafka's LogValidator writes into the batch's maxTimestamp.
  RecordError validate_records(DecompressionBuffer& scratch, const BatchValidation& options = {},
                               int64_t* max_record_timestamp = nullptr) const;

 private:
  explicit RecordBatchView(ByteView bytes) : bytes_(bytes) {}
  const uint8_t* p() const { return bytes_.data(); }

  ByteView bytes_;
};

// In-place changes to a batch's bytes that the CRC covers, followed by a CRC recompute.
void update_crc(std::span<uint8_t> batch);
// Kafka's message.timestamp.type=LogAppendTime: sets the timestamp-type bit and maxTimestamp.
void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp);
// Kafka's DefaultRecordBatch.setMaxTimestamp for CreateTime: maxTimestamp := timestamp, the CRC
// recomputed only when the value changes.
void set_create_time_max_timestamp(std::span<uint8_t> batch, int64_t timestamp);

}  // namespace fjord
