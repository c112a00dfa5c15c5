#include "protocol/records/batch_builder.h"

#include "protocol/records/crc32c.h"

namespace fjord {

void RecordBatchBuilder::reset(const BatchOptions& options) {
  options_ = options;
  records_.clear();
  count_ = 0;
  next_offset_ = options.base_offset;
  last_offset_ = options.base_offset;
  base_timestamp_ = options.delete_horizon_ms.value_or(kNoTimestamp);
  max_timestamp_ = kNoTimestamp;
}

void RecordBatchBuilder::append(int64_t timestamp, std::optional<ByteView> key,
                                std::optional<ByteView> value,
                                std::span<const RecordHeader> headers) {
  append_with_offset(next_offset_, timestamp, key, value, headers);
}

void RecordBatchBuilder::append_with_offset(int64_t offset, int64_t timestamp,
                                            std::optional<ByteView> key,
                                            std::optional<ByteView> value,
                                            std::span<const RecordHeader> headers) {
  // Kafka (MemoryRecordsBuilder): the first record's timestamp is the base timestamp.
  if (count_ == 0 && !options_.delete_horizon_ms) base_timestamp_ = timestamp;
  if (count_ == 0 || timestamp > max_timestamp_) max_timestamp_ = timestamp;
  Writer w(records_);
  write_record(w, static_cast<int32_t>(offset - options_.base_offset), timestamp - base_timestamp_,
               key, value, headers);
  ++count_;
  last_offset_ = offset;
  next_offset_ = offset + 1;
}

RecordError RecordBatchBuilder::build(Bytes& out) const {
  size_t start = out.size();
  int16_t attributes = static_cast<int16_t>(options_.compression);
  if (options_.timestamp_type == TimestampType::kLogAppendTime) {
    attributes |= batch_header::kTimestampTypeMask;
  }
  if (options_.transactional) attributes |= batch_header::kTransactionalFlag;
  if (options_.control) attributes |= batch_header::kControlFlag;
  if (options_.delete_horizon_ms) attributes |= batch_header::kDeleteHorizonFlag;

  Writer w(out);
  w.write_int64(options_.base_offset);
  w.write_int32(0);  // batchLength, patched below
  w.write_int32(options_.partition_leader_epoch);
  w.write_int8(2);
  w.write_uint32(0);  // crc, patched below
  w.write_int16(attributes);
  w.write_int32(count_ == 0 ? 0 : static_cast<int32_t>(last_offset_ - options_.base_offset));
  w.write_int64(base_timestamp_);
  w.write_int64(max_timestamp_);
  w.write_int64(options_.producer_id);
  w.write_int16(options_.producer_epoch);
  w.write_int32(options_.base_sequence);
  w.write_int32(count_);
  RecordError e = compress(options_.compression, records_, out);
  if (e != RecordError::kNone) {
    out.resize(start);
    return e;
  }
  std::span<uint8_t> batch(out.data() + start, out.size() - start);
  w.patch_int32(start + batch_header::kBatchLength,
                static_cast<int32_t>(batch.size() - batch_header::kLogOverhead));
  update_crc(batch);
  return RecordError::kNone;
}

}  // namespace fjord
