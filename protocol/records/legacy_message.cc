#include "protocol/records/legacy_message.h"

#include "protocol/records/batch_iterator.h"
#include "protocol/records/crc32c.h"

namespace fjord::legacy {
namespace {

bool read_bytes(Reader& r, std::optional<ByteView>& out) {
  int32_t n = r.read_int32();
  if (!r.ok() || n < -1) return false;
  if (n == -1) {
    out.reset();
    return true;
  }
  if (static_cast<size_t>(n) > r.remaining()) return false;
  out = r.read_raw(static_cast<size_t>(n));
  return true;
}

}  // namespace

RecordResult<LegacyMessageView> LegacyMessageView::parse(ByteView bytes) {
  if (bytes.size() <= kMagicOffset) return RecordError::kTruncated;
  LegacyMessageView m;
  Reader r(bytes);
  m.offset_ = r.read_int64();
  int32_t size = r.read_int32();
  m.crc_ = r.read_uint32();
  m.magic_ = r.read_int8();
  if (m.magic_ < 0 || m.magic_ > 1) return RecordError::kUnsupportedMagic;
  if (size < kMinEntrySize[m.magic_]) return RecordError::kBadBatchLength;
  uint64_t total = kOffsetAndSize + static_cast<uint64_t>(size);
  if (total > bytes.size()) return RecordError::kTruncated;
  if (total < bytes.size()) return RecordError::kBadBatchLength;
  m.attributes_ = r.read_int8();
  if (m.magic_ == 1) m.timestamp_ = r.read_int64();
  if (!read_bytes(r, m.key_) || !read_bytes(r, m.value_) || !r.at_end()) {
    return RecordError::kBadBatchLength;  // field lengths disagree with messageSize
  }
  m.bytes_ = bytes;
  return m;
}

uint32_t LegacyMessageView::compute_crc() const { return crc32_ieee(bytes_.subspan(kMagicOffset)); }

RecordError LegacyMessageView::validate() const {
  if (compute_crc() != crc_) return RecordError::kCrcMismatch;
  if (compression_id() > static_cast<int>(Compression::kLz4)) {
    return RecordError::kUnsupportedCompression;
  }
  return RecordError::kNone;
}

void write_message(Writer& w, int64_t offset, int8_t magic, int8_t attributes, int64_t timestamp,
                   std::optional<ByteView> key, std::optional<ByteView> value) {
  size_t size = 4 + 1 + 1 + (magic > 0 ? 8 : 0) + 4 + (key ? key->size() : 0) + 4 +
                (value ? value->size() : 0);
  size_t start = w.position();
  w.write_int64(offset);
  w.write_int32(static_cast<int32_t>(size));
  w.write_uint32(0);  // crc, patched below
  w.write_int8(magic);
  w.write_int8(attributes);
  if (magic > 0) w.write_int64(timestamp);
  w.write_int32(key ? static_cast<int32_t>(key->size()) : -1);
  if (key) w.write_raw(*key);
  w.write_int32(value ? static_cast<int32_t>(value->size()) : -1);
  if (value) w.write_raw(*value);
  Bytes& out = w.buffer();
  uint32_t crc = crc32_ieee(ByteView(out).subspan(start + kMagicOffset));
  w.patch_int32(start + kCrcOffset, static_cast<int32_t>(crc));
}

LegacyMessageSetBuilder::LegacyMessageSetBuilder(int8_t magic, Compression compression,
                                                 TimestampType timestamp_type)
    : magic_(magic), compression_(compression), timestamp_type_(timestamp_type) {}

void LegacyMessageSetBuilder::clear() {
  messages_.clear();
  count_ = 0;
  max_timestamp_ = kNoTimestamp;
}

void LegacyMessageSetBuilder::append(int64_t offset, int64_t timestamp, std::optional<ByteView> key,
                                     std::optional<ByteView> value) {
  if (count_ == 0) first_offset_ = offset;
  if (count_ == 0 || timestamp > max_timestamp_) max_timestamp_ = timestamp;
  last_offset_ = offset;
  ++count_;
  Writer w(messages_);
  bool wrapped = compression_ != Compression::kNone;
  // Kafka (LegacyRecord): magic 1 inner messages of a wrapper carry offsets relative to the
  // first; the timestamp-type bit sits on the wrapper only.
  int64_t stored = wrapped && magic_ == 1 ? offset - first_offset_ : offset;
  int8_t attributes = 0;
  if (!wrapped && magic_ == 1 && timestamp_type_ == TimestampType::kLogAppendTime) {
    attributes |= kAttributeTimestampType;
  }
  write_message(w, stored, magic_, attributes, magic_ == 1 ? timestamp : kNoTimestamp, key, value);
}

RecordError LegacyMessageSetBuilder::build(Bytes& out) const {
  if (compression_ == Compression::kNone || count_ == 0) {
    out.insert(out.end(), messages_.begin(), messages_.end());
    return RecordError::kNone;
  }
  if (compression_ == Compression::kZstd) return RecordError::kUnsupportedCompression;
  Bytes compressed;
  RecordError e =
      compress(compression_, messages_, compressed,
               magic_ == 0 ? Lz4HeaderChecksum::kLegacyKafka : Lz4HeaderChecksum::kStandard);
  if (e != RecordError::kNone) return e;
  int8_t attributes = static_cast<int8_t>(compression_);
  if (magic_ == 1 && timestamp_type_ == TimestampType::kLogAppendTime) {
    attributes |= kAttributeTimestampType;
  }
  Writer w(out);
  write_message(w, last_offset_, magic_, attributes, magic_ == 1 ? max_timestamp_ : kNoTimestamp,
                std::nullopt, ByteView(compressed));
  return RecordError::kNone;
}

}  // namespace fjord::legacy
