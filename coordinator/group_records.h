// The records the group coordinator keeps in __consumer_offsets, in Kafka's encodings
// (GroupMetadataManager): every key and value is an int16 schema version followed by the
// message. Keys of version 0/1 are offset commits (group, topic, partition), version 2 group
// metadata (group); a null value is a tombstone, which compaction eventually removes.
// Kafka 3.9 writes offset values v3 (v1 when the commit carries an explicit expiry) and group
// values v3; Fjord writes the same, so kafka-console-consumer's formatters and
// kafka-dump-log --offsets-decoder read Fjord's records.
#pragma once

#include <optional>
#include <string>

#include "protocol/generated/group_metadata_record.h"
#include "protocol/result.h"
#include "protocol/wire.h"

namespace fjord::coordinator {

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
  std::optional<int64_t> expire_timestamp;  // OffsetCommit v2-v4 retention_time_ms
};

Bytes offset_commit_key(std::string_view group, std::string_view topic, int32_t partition);
Bytes offset_commit_value(const CommittedOffset& offset);
Bytes group_metadata_key(std::string_view group);
Bytes group_metadata_value(const msg::GroupMetadataValue& value);

// One decoded record of __consumer_offsets.
struct OffsetsRecord {
  enum class Kind { kOffset, kGroup };
  Kind kind = Kind::kOffset;
  std::string group;
  std::string topic;                                // kOffset
  int32_t partition = -1;                           // kOffset
  std::optional<CommittedOffset> offset;            // kOffset; nullopt: tombstone
  std::optional<msg::GroupMetadataValue> metadata;  // kGroup; nullopt: tombstone
};

// INVALID_RECORD for a key or value that does not decode (or an unknown key version).
Result<OffsetsRecord> decode_offsets_record(std::optional<ByteView> key,
                                            std::optional<ByteView> value);

}  // namespace fjord::coordinator
