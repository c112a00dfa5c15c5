// Legacy messages (magic 0 and 1, Kafka < 0.11; RECORD-FORMAT.md): LegacyMessageView reads one
// message in place, LegacyMessageSetBuilder writes a message set, plain or as one compressed
// wrapper message. Magic 0 inner messages carry absolute offsets; magic 1 inner messages carry
// offsets relative to the first, and the wrapper carries the offset of the last. The CRC is
// CRC-32 (IEEE) over magic..end. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "protocol/records/compression.h"
#include "protocol/records/record_batch.h"
#include "protocol/records/record_error.h"
#include "protocol/wire.h"

namespace fjord::legacy {

inline constexpr size_t kOffsetAndSize = 12;  // int64 offset + int32 messageSize
inline constexpr size_t kCrcOffset = 12;
inline constexpr size_t kMagicOffset = 16;
inline constexpr int8_t kAttributeTimestampType = 0x08;

class LegacyMessageView {
 public:
  LegacyMessageView() = default;

  // Exactly one message: framing and field lengths are checked, the CRC is not.
  static RecordResult<LegacyMessageView> parse(ByteView bytes);

  ByteView bytes() const { return bytes_; }
  int64_t offset() const { return offset_; }
  uint32_t crc() const { return crc_; }
  int8_t magic() const { return magic_; }
  int8_t attributes() const { return attributes_; }
  int compression_id() const { return attributes_ & 0x07; }
  Compression compression() const { return static_cast<Compression>(compression_id()); }
  bool is_compressed() const { return compression_id() != 0; }
  TimestampType timestamp_type() const {
    return magic_ > 0 && (attributes_ & kAttributeTimestampType) ? TimestampType::kLogAppendTime
                                                                 : TimestampType::kCreateTime;
  }
  int64_t timestamp() const { return timestamp_; }  // kNoTimestamp for magic 0
  const std::optional<ByteView>& key() const { return key_; }
  const std::optional<ByteView>& value() const { return value_; }

  uint32_t compute_crc() const;
  // CRC and a codec legacy messages may use (none, gzip, snappy, lz4).
  RecordError validate() const;

 private:
  ByteView bytes_;
  int64_t offset_ = 0;
  uint32_t crc_ = 0;
  int8_t magic_ = 0;
  int8_t attributes_ = 0;
  int64_t timestamp_ = kNoTimestamp;
  std::optional<ByteView> key_;
  std::optional<ByteView> value_;
};

// Appends one message, CRC included.
void write_message(Writer& w, int64_t offset, int8_t magic, int8_t attributes, int64_t timestamp,
                   std::optional<ByteView> key, std::optional<ByteView> value);

class LegacyMessageSetBuilder {
 public:
  LegacyMessageSetBuilder(int8_t magic, Compression compression,
                          TimestampType timestamp_type = TimestampType::kCreateTime);

  // Offsets must increase. With LogAppendTime every timestamp should be the append time.
  void append(int64_t offset, int64_t timestamp, std::optional<ByteView> key,
              std::optional<ByteView> value);
  int32_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

  // Appends the message set to out: the messages, or one wrapper holding them compressed.
  // zstd has no legacy form: kUnsupportedCompression.
  RecordError build(Bytes& out) const;
  void clear();

 private:
  int8_t magic_;
  Compression compression_;
  TimestampType timestamp_type_;
  Bytes messages_;
  int32_t count_ = 0;
  int64_t first_offset_ = 0;
  int64_t last_offset_ = 0;
  int64_t max_timestamp_ = kNoTimestamp;
};

}  // namespace fjord::legacy
