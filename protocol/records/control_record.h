// Control records: the single record of a control batch (isControlBatch). Transaction markers
// carry key `int16 version, int16 type` (0 ABORT, 1 COMMIT) and value `int16 version,
// int32 coordinatorEpoch` (Kafka's EndTransactionMarker). Other types (KRaft's LEADER_CHANGE,
// snapshot markers) parse as their type number. Consumers never see control records.
#pragma once

#include <cstdint>

#include "protocol/records/batch_builder.h"
#include "protocol/records/record.h"
#include "protocol/records/record_error.h"

namespace fjord {

enum class ControlRecordType : int16_t { kAbort = 0, kCommit = 1 };

struct ControlRecord {
  int16_t version = 0;
  int16_t type = 0;                // ControlRecordType for transaction markers
  int32_t coordinator_epoch = -1;  // only for ABORT / COMMIT
  bool is_transaction_marker() const { return type == 0 || type == 1; }
};

RecordResult<ControlRecord> parse_control_record(const Record& record);

struct TransactionMarker {
  ControlRecordType type = ControlRecordType::kCommit;
  int32_t coordinator_epoch = 0;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int64_t timestamp = kNoTimestamp;
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
};

// Appends a transactional control batch holding one marker record to out.
RecordError build_transaction_marker(const TransactionMarker& marker, Bytes& out);

}  // namespace fjord
