#include "protocol/records/legacy_reader.h"

namespace fjord::legacy {

bool LegacyRecordReader::open_wrapper(const LegacyMessageView& wrapper) {
  if (!wrapper.value()) return fail(RecordError::kInvalidRecord);
  RecordError e = decompress(
      wrapper.compression(), *wrapper.value(), scratch_, max_decompressed_,
      wrapper.magic() == 0 ? Lz4HeaderChecksum::kLegacyKafka : Lz4HeaderChecksum::kStandard);
  if (e != RecordError::kNone) return fail(e);
  inner_offset_shift_ = 0;
  if (wrapper.magic() > 0) {
    // Kafka (AbstractLegacyRecordBatch): the wrapper holds the last inner message's absolute
    // offset, so the shift is found from the last inner relative offset.
    BatchIterator scan(scratch_.view());
    BatchEntry entry;
    int64_t last_relative = -1;
    while (scan.next(entry)) last_relative = entry.offset;
    if (scan.error() != RecordError::kNone) return fail(scan.error());
    if (scan.truncated_tail() || last_relative < 0) return fail(RecordError::kTruncated);
    inner_offset_shift_ = static_cast<int64_t>(static_cast<uint64_t>(wrapper.offset()) -
                                               static_cast<uint64_t>(last_relative));
  }
  wrapper_ = wrapper;
  inner_.emplace(scratch_.view());
  return true;
}

bool LegacyRecordReader::next(LegacyRecord& out) {
  if (error_ != RecordError::kNone) return false;
  for (;;) {
    BatchEntry entry;
    if (inner_) {
      if (inner_->next(entry)) {
        auto message = LegacyMessageView::parse(entry.bytes);
        if (!message) return fail(message.error());
        if (RecordError e = message->validate(); e != RecordError::kNone) return fail(e);
        if (message->is_compressed()) return fail(RecordError::kNestedCompression);
        if (message->magic() != wrapper_.magic()) return fail(RecordError::kInvalidRecord);
        out.offset = static_cast<int64_t>(static_cast<uint64_t>(message->offset()) +
                                          static_cast<uint64_t>(inner_offset_shift_));
        out.magic = message->magic();
        out.timestamp_type = wrapper_.timestamp_type();
        out.timestamp = out.timestamp_type == TimestampType::kLogAppendTime ? wrapper_.timestamp()
                                                                            : message->timestamp();
        out.wrapper_compression = wrapper_.compression();
        out.key = message->key();
        out.value = message->value();
        return true;
      }
      if (inner_->error() != RecordError::kNone) return fail(inner_->error());
      if (inner_->truncated_tail()) return fail(RecordError::kTruncated);
      inner_.reset();
    }
    if (!outer_.next(entry)) return fail(outer_.error());
    if (entry.magic > 1) return fail(RecordError::kUnsupportedMagic);
    auto message = LegacyMessageView::parse(entry.bytes);
    if (!message) return fail(message.error());
    if (RecordError e = message->validate(); e != RecordError::kNone) return fail(e);
    if (message->is_compressed()) {
      if (!open_wrapper(*message)) return false;
      continue;
    }
    out.offset = message->offset();
    out.magic = message->magic();
    out.timestamp_type = message->timestamp_type();
    out.timestamp = message->timestamp();
    out.wrapper_compression = Compression::kNone;
    out.key = message->key();
    out.value = message->value();
    return true;
  }
}

}  // namespace fjord::legacy
