#include "protocol/records/conversion.h"

#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/legacy_message.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"

namespace fjord {

RecordError convert_legacy_to_batch(ByteView message_set, Bytes& out, DecompressionBuffer& scratch,
                                    const UpConversion& options) {
  // First pass (framing only, no decompression): the codec and timestamp type to keep.
  Compression codec = Compression::kNone;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  {
    BatchIterator entries(message_set);
    BatchEntry entry;
    bool first = true;
    while (entries.next(entry)) {
      if (entry.magic > 1) return RecordError::kUnsupportedMagic;
      auto message = legacy::LegacyMessageView::parse(entry.bytes);
      if (!message) return message.error();
      if (first) timestamp_type = message->timestamp_type();
      if (codec == Compression::kNone && message->is_compressed()) codec = message->compression();
      first = false;
    }
    if (entries.error() != RecordError::kNone) return entries.error();
    if (entries.truncated_tail()) return RecordError::kTruncated;
    if (first) return RecordError::kRecordCountMismatch;
  }
  BatchOptions batch;
  batch.compression = options.compression.value_or(codec);
  batch.timestamp_type = timestamp_type;
  legacy::LegacyRecordReader reader(message_set, scratch, options.max_decompressed);
  legacy::LegacyRecord record;
  RecordBatchBuilder builder;
  bool started = false;
  int64_t previous = 0;
  while (reader.next(record)) {
    int64_t offset = options.assign_offsets_from ? *options.assign_offsets_from + builder.count()
                                                 : record.offset;
    if (!started) {
      batch.base_offset = offset;
      builder.reset(batch);
      started = true;
    } else if (offset <= previous || offset - batch.base_offset > INT32_MAX) {
      return RecordError::kInvalidOffset;
    }
    previous = offset;
    builder.append_with_offset(offset, record.timestamp, record.key, record.value);
  }
  if (reader.error() != RecordError::kNone) return reader.error();
  if (!started) return RecordError::kRecordCountMismatch;
  return builder.build(out);
}

namespace {

RecordError batch_to_legacy(const RecordBatchView& batch, int8_t magic, Bytes& out,
                            DecompressionBuffer& scratch, size_t max_decompressed) {
  if (batch.is_control()) return RecordError::kNone;
  if (batch.compression() == Compression::kZstd) return RecordError::kUnsupportedCompression;
  auto records = batch.records(scratch, max_decompressed);
  if (!records) return records.error();
  legacy::LegacyMessageSetBuilder builder(magic, batch.compression(), batch.timestamp_type());
  Record record;
  while (records->next(record)) {
    builder.append(record.offset, record.timestamp, record.key, record.value);
  }
  if (records->error() != RecordError::kNone) return records->error();
  return builder.build(out);
}

RecordError legacy_to_legacy(ByteView message, int8_t magic, Bytes& out,
                             DecompressionBuffer& scratch, size_t max_decompressed) {
  auto view = legacy::LegacyMessageView::parse(message);
  if (!view) return view.error();
  if (view->magic() <= magic) {
    out.insert(out.end(), message.begin(), message.end());
    return RecordError::kNone;
  }
  legacy::LegacyMessageSetBuilder builder(magic, view->compression());
  legacy::LegacyRecordReader reader(message, scratch, max_decompressed);
  legacy::LegacyRecord record;
  while (reader.next(record))
    builder.append(record.offset, record.timestamp, record.key, record.value);
  if (reader.error() != RecordError::kNone) return reader.error();
  return builder.build(out);
}

}  // namespace

RecordError convert_to_legacy(ByteView records, int8_t magic, Bytes& out,
                              DecompressionBuffer& scratch, size_t max_decompressed) {
  if (magic < 0 || magic > 1) return RecordError::kUnsupportedMagic;
  BatchIterator entries(records);
  BatchEntry entry;
  while (entries.next(entry)) {
    RecordError e;
    if (entry.magic == 2) {
      auto batch = RecordBatchView::parse(entry.bytes);
      if (!batch) return batch.error();
      e = batch_to_legacy(*batch, magic, out, scratch, max_decompressed);
    } else {
      e = legacy_to_legacy(entry.bytes, magic, out, scratch, max_decompressed);
    }
    if (e != RecordError::kNone) return e;
  }
  return entries.error();
}

}  // namespace fjord
