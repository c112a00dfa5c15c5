#include "protocol/records/record_batch.h"

#include <algorithm>
#include <limits>

#include "protocol/records/crc32c.h"

namespace fjord {
namespace {
// Smallest encoded record: length, attributes, timestamp delta, offset delta, key length,
// value length, header count: one byte each.
constexpr size_t kMinRecordSize = 7;
}  // namespace

RecordResult<RecordBatchView> RecordBatchView::parse(ByteView bytes) {
  if (bytes.size() < batch_header::kSize) {
    if (bytes.size() > batch_header::kMagic && batch_header::magic(bytes.data()) != 2) {
      return RecordError::kUnsupportedMagic;
    }
    return RecordError::kTruncated;
  }
  int32_t length = batch_header::batch_length(bytes.data());
  if (length < static_cast<int32_t>(batch_header::kSize - batch_header::kLogOverhead)) {
    return RecordError::kBadBatchLength;
  }
  if (batch_header::magic(bytes.data()) != 2) return RecordError::kUnsupportedMagic;
  uint64_t total = batch_header::kLogOverhead + static_cast<uint64_t>(length);
  if (total > bytes.size()) return RecordError::kTruncated;
  if (total < bytes.size()) return RecordError::kBadBatchLength;
  return RecordBatchView(bytes);
}

int32_t RecordBatchView::last_sequence() const {
  int32_t base = base_sequence();
  if (base == kNoSequence) return kNoSequence;
  int64_t last = static_cast<int64_t>(base) + last_offset_delta();
  if (last > std::numeric_limits<int32_t>::max()) {
    last -= static_cast<int64_t>(std::numeric_limits<int32_t>::max()) + 1;
  }
  return static_cast<int32_t>(last);
}

uint32_t RecordBatchView::compute_crc() const {
  return crc32c(bytes_.subspan(batch_header::kAttributes));
}

RecordError RecordBatchView::validate() const {
  if (compute_crc() != crc()) return RecordError::kCrcMismatch;
  if (!is_known_compression(compression_id())) return RecordError::kUnsupportedCompression;
  int32_t count = records_count();
  if (count < 0) return RecordError::kBadRecordCount;
  if (count > 0 && last_offset_delta() < count - 1) return RecordError::kBadRecordCount;
  if (compression() == Compression::kNone &&
      static_cast<uint64_t>(count) * kMinRecordSize > size() - batch_header::kSize) {
    return RecordError::kBadRecordCount;
  }
  return RecordError::kNone;
}

RecordResult<RecordReader> RecordBatchView::records(DecompressionBuffer& scratch,
                                                    size_t max_decompressed) const {
  RecordContext context{base_offset(), base_timestamp(), max_timestamp(),
                        timestamp_type() == TimestampType::kLogAppendTime};
  int32_t count = records_count();
  if (count < 0) return RecordError::kBadRecordCount;
  ByteView body = bytes_.subspan(batch_header::kSize);
  if (compression() == Compression::kNone) return RecordReader(body, count, context);
  if (!is_known_compression(compression_id())) return RecordError::kUnsupportedCompression;
  RecordError e = decompress(compression(), body, scratch, max_decompressed);
  if (e != RecordError::kNone) return e;
  if (static_cast<uint64_t>(count) * kMinRecordSize > scratch.size()) {
    return RecordError::kRecordCountMismatch;
  }
  return RecordReader(scratch.view(), count, context);
}

RecordError RecordBatchView::validate_records(DecompressionBuffer& scratch,
                                              const BatchValidation& options,
                                              int64_t* max_record_timestamp) const {
  if (RecordError e = validate(); e != RecordError::kNone) return e;
  if (options.contiguous_offsets && last_offset_delta() != records_count() - 1) {
    return RecordError::kInvalidOffset;
  }
  auto reader = records(scratch, options.max_decompressed);
  if (!reader) return reader.error();
  int32_t offset_delta;
  int64_t timestamp;
  int32_t index = 0;
  int32_t previous = -1;
  int64_t max_timestamp = kNoTimestamp;
  while (reader->skip(offset_delta, timestamp)) {
    if (options.contiguous_offsets
            ? offset_delta != index
            : (offset_delta <= previous || offset_delta > last_offset_delta())) {
      return RecordError::kInvalidOffset;
    }
    previous = offset_delta;
    max_timestamp = std::max(max_timestamp, timestamp);
    ++index;
  }
  if (max_record_timestamp != nullptr) *max_record_timestamp = max_timestamp;
  return reader->error();
}

void update_crc(std::span<uint8_t> batch) {
  uint32_t c = crc32c(ByteView(batch).subspan(batch_header::kAttributes));
  batch_header::store_be<uint32_t>(batch.data() + batch_header::kCrc, c);
}

void set_create_time_max_timestamp(std::span<uint8_t> batch, int64_t timestamp) {
  uint8_t* b = batch.data();
  if (batch_header::max_timestamp(b) == timestamp &&
      (batch_header::attributes(b) & batch_header::kTimestampTypeMask) == 0) {
    return;
  }
  auto attributes =
      static_cast<int16_t>(batch_header::attributes(b) & ~batch_header::kTimestampTypeMask);
  batch_header::store_be<int16_t>(b + batch_header::kAttributes, attributes);
  batch_header::store_be<int64_t>(b + batch_header::kMaxTimestamp, timestamp);
  update_crc(batch);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp) {
  uint8_t* b = batch.data();
  int16_t attributes = batch_header::attributes(b) | batch_header::kTimestampTypeMask;
  batch_header::store_be<int16_t>(b + batch_header::kAttributes, attributes);
  batch_header::store_be<int64_t>(b + batch_header::kMaxTimestamp, timestamp);
  update_crc(batch);
}

}  // namespace fjord
