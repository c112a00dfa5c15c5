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

// A record key or value: its int16 schema version, then the message.
template <typename Message>
Bytes encode_versioned(const Message& m, int16_t version) {
  Bytes out;
  out.reserve(2 + m.encoded_size(version));
  Writer w(out);
  w.write_int16(version);
  m.encode(w, version);
  return out;
}

// Kafka reads values of versions newer than it knows with its newest schema; trailing bytes
// (fields added later) are ignored.
template <typename Message>
bool decode_versioned(ByteView bytes, Message& m) {
  Reader r(bytes);
  int16_t version = r.read_int16();
  if (!r.ok() || version < Message::kMinVersion) return false;
  if (version > Message::kMaxVersion) version = Message::kMaxVersion;
  return m.decode(r, version) == DecodeError::kNone;
}

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
