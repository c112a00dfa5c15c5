// libFuzzer target: arbitrary bytes as the value of a `records` field. Every entry is read the
// way the broker reads produce and fetch data — batch validation and record iteration,
// control records, legacy deep iteration, and both conversions — under a small
// decompression limit. Any crash, leak or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "protocol/records/batch_iterator.h"
#include "protocol/records/control_record.h"
#include "protocol/records/conversion.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"

namespace {

constexpr size_t kLimit = 1 << 20;

void read_batch(fjord::ByteView bytes, fjord::DecompressionBuffer& scratch) {
  auto batch = fjord::RecordBatchView::parse(bytes);
  if (!batch) return;
  (void)batch->validate();
  (void)batch->validate_records(scratch, {.contiguous_offsets = false, .max_decompressed = kLimit});
  // Iterate even when the CRC is wrong: the record parser must survive anything.
  auto records = batch->records(scratch, kLimit);
  if (!records) return;
  fjord::Record record;
  size_t sink = 0;
  while (records->next(record)) {
    auto headers = record.headers();
    fjord::RecordHeader header;
    while (headers.next(header)) sink += header.key.size();
    if (batch->is_control()) (void)fjord::parse_control_record(record);
    sink += record.key ? record.key->size() : 0;
  }
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fjord::ByteView input(data, size);
  fjord::DecompressionBuffer scratch;
  fjord::BatchIterator entries(input);
  fjord::BatchEntry entry;
  while (entries.next(entry)) {
    if (entry.magic == 2) read_batch(entry.bytes, scratch);
  }
  fjord::legacy::LegacyRecordReader legacy(input, scratch, kLimit);
  fjord::legacy::LegacyRecord record;
  while (legacy.next(record)) {
  }
  fjord::Bytes out;
  (void)fjord::convert_to_legacy(input, 1, out, scratch, kLimit);
  out.clear();
  (void)fjord::convert_to_legacy(input, 0, out, scratch, kLimit);
  out.clear();
  (void)fjord::convert_legacy_to_batch(input, out, scratch, {.max_decompressed = kLimit});
  return 0;
}
