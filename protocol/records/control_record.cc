#include "protocol/records/control_record.h"

namespace fjord {

RecordResult<ControlRecord> parse_control_record(const Record& record) {
  if (!record.key || record.key->size() < 4) return RecordError::kInvalidControlRecord;
  ControlRecord out;
  out.version = batch_header::load_be<int16_t>(record.key->data());
  out.type = batch_header::load_be<int16_t>(record.key->data() + 2);
  if (out.version < 0) return RecordError::kInvalidControlRecord;
  if (out.is_transaction_marker()) {
    if (!record.value || record.value->size() < 6) return RecordError::kInvalidControlRecord;
    if (batch_header::load_be<int16_t>(record.value->data()) < 0) {
      return RecordError::kInvalidControlRecord;
    }
    out.coordinator_epoch = batch_header::load_be<int32_t>(record.value->data() + 2);
  }
  return out;
}

RecordError build_transaction_marker(const TransactionMarker& marker, Bytes& out) {
  BatchOptions options;
  options.base_offset = marker.base_offset;
  options.partition_leader_epoch = marker.partition_leader_epoch;
  options.producer_id = marker.producer_id;
  options.producer_epoch = marker.producer_epoch;
  options.transactional = true;
  options.control = true;
  uint8_t key[4];
  batch_header::store_be<int16_t>(key, 0);
  batch_header::store_be<int16_t>(key + 2, static_cast<int16_t>(marker.type));
  uint8_t value[6];
  batch_header::store_be<int16_t>(value, 0);
  batch_header::store_be<int32_t>(value + 2, marker.coordinator_epoch);
  RecordBatchBuilder builder(options);
  builder.append(marker.timestamp, ByteView(key), ByteView(value));
  return builder.build(out);
}

}  // namespace fjord
