#include "coordinator/group_records.h"

#include "protocol/generated/offset_commit_record.h"

namespace fjord::coordinator {
namespace {

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kOffsetValueWithExpiryVersion = 1;
constexpr int16_t kGroupValueVersion = 3;

}  // namespace

Bytes offset_commit_key(std::string_view group, std::string_view topic, int32_t partition) {
  msg::OffsetCommitKey k;
  k.group = group;
  k.topic = topic;
  k.partition = partition;
  return encode_versioned(k, kOffsetKeyVersion);
}

Bytes offset_commit_value(const CommittedOffset& offset) {
  msg::OffsetCommitValue v;
  v.offset = offset.offset;
  v.leader_epoch = offset.leader_epoch;
  v.metadata = offset.metadata;
  v.commit_timestamp = offset.commit_timestamp;
  if (offset.expire_timestamp) {
    v.expire_timestamp = *offset.expire_timestamp;
    return encode_versioned(v, kOffsetValueWithExpiryVersion);
  }
  return encode_versioned(v, kOffsetValueVersion);
}

Bytes group_metadata_key(std::string_view group) {
  msg::GroupMetadataKey k;
  k.group = group;
  return encode_versioned(k, kGroupKeyVersion);
}

Bytes group_metadata_value(const msg::GroupMetadataValue& value) {
  return encode_versioned(value, kGroupValueVersion);
}

Result<OffsetsRecord> decode_offsets_record(std::optional<ByteView> key,
                                            std::optional<ByteView> value) {
  if (!key || key->size() < 2) return ErrorCode::kInvalidRecord;
  Reader r(*key);
  int16_t key_version = r.read_int16();
  OffsetsRecord out;
  if (key_version == 0 || key_version == 1) {
    msg::OffsetCommitKey k;
    if (k.decode(r, key_version) != DecodeError::kNone) return ErrorCode::kInvalidRecord;
    out.kind = OffsetsRecord::Kind::kOffset;
    out.group = std::move(k.group);
    out.topic = std::move(k.topic);
    out.partition = k.partition;
    if (value) {
      msg::OffsetCommitValue v;
      if (!decode_versioned(*value, v)) return ErrorCode::kInvalidRecord;
      CommittedOffset c;
      c.offset = v.offset;
      c.leader_epoch = v.leader_epoch;
      c.metadata = std::move(v.metadata);
      c.commit_timestamp = v.commit_timestamp;
      if (v.expire_timestamp >= 0) c.expire_timestamp = v.expire_timestamp;
      out.offset = std::move(c);
    }
    return out;
  }
  if (key_version == 2) {
    msg::GroupMetadataKey k;
    if (k.decode(r, key_version) != DecodeError::kNone) return ErrorCode::kInvalidRecord;
    out.kind = OffsetsRecord::Kind::kGroup;
    out.group = std::move(k.group);
    if (value) {
      msg::GroupMetadataValue v;
      if (!decode_versioned(*value, v)) return ErrorCode::kInvalidRecord;
      out.metadata = std::move(v);
    }
    return out;
  }
  return ErrorCode::kInvalidRecord;
}

}  // namespace fjord::coordinator
