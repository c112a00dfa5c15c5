#include "protocol/records/record_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/control_record.h"
#include "protocol/records/crc32c.h"

namespace fjord {
namespace {

std::string str(ByteView v) { return {v.begin(), v.end()}; }

struct TestRecord {
  std::string key, value;
  bool null_key = false, null_value = false;
};

Bytes build(const BatchOptions& options, int n, size_t value_size = 20) {
  RecordBatchBuilder builder(options);
  for (int i = 0; i < n; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string value(value_size, static_cast<char>('a' + i % 26));
    RecordHeader headers[] = {{"h1", as_bytes("v1")}, {"trace", std::nullopt}};
    builder.append(
        1000 + i * 10, i % 5 == 4 ? std::nullopt : std::optional(as_bytes(key)),
        i % 7 == 6 ? std::nullopt : std::optional(as_bytes(value)),
        i % 2 ? std::span<const RecordHeader>(headers) : std::span<const RecordHeader>());
  }
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

class BatchRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(BatchRoundTrip, BuildThenIterate) {
  BatchOptions options;
  options.compression = GetParam();
  options.base_offset = 500;
  options.partition_leader_epoch = 7;
  options.producer_id = 4242;
  options.producer_epoch = 3;
  options.base_sequence = 17;
  options.transactional = true;
  Bytes bytes = build(options, 50);

  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok()) << record_error_name(batch.error());
  EXPECT_EQ(batch->validate(), RecordError::kNone);
  EXPECT_EQ(batch->base_offset(), 500);
  EXPECT_EQ(batch->last_offset(), 549);
  EXPECT_EQ(batch->partition_leader_epoch(), 7);
  EXPECT_EQ(batch->magic(), 2);
  EXPECT_EQ(batch->compression(), GetParam());
  EXPECT_EQ(batch->producer_id(), 4242);
  EXPECT_EQ(batch->producer_epoch(), 3);
  EXPECT_EQ(batch->base_sequence(), 17);
  EXPECT_EQ(batch->last_sequence(), 66);
  EXPECT_TRUE(batch->is_transactional());
  EXPECT_FALSE(batch->is_control());
  EXPECT_EQ(batch->records_count(), 50);
  EXPECT_EQ(batch->base_timestamp(), 1000);
  EXPECT_EQ(batch->max_timestamp(), 1490);
  EXPECT_EQ(batch->timestamp_type(), TimestampType::kCreateTime);
  EXPECT_EQ(batch->crc(), crc32c(ByteView(bytes).subspan(21)));

  DecompressionBuffer scratch;
  EXPECT_EQ(batch->validate_records(scratch), RecordError::kNone);
  int64_t max_record_timestamp = 0;
  EXPECT_EQ(batch->validate_records(scratch, {}, &max_record_timestamp), RecordError::kNone);
  EXPECT_EQ(max_record_timestamp, 1490);
  auto reader = batch->records(scratch);
  ASSERT_TRUE(reader.ok());
  Record r;
  int i = 0;
  while (reader->next(r)) {
    EXPECT_EQ(r.offset, 500 + i);
    EXPECT_EQ(r.timestamp, 1000 + i * 10);
    if (i % 5 == 4) {
      EXPECT_FALSE(r.key);
    } else {
      ASSERT_TRUE(r.key);
      EXPECT_EQ(str(*r.key), "key-" + std::to_string(i));
    }
    if (i % 7 == 6) {
      EXPECT_FALSE(r.value);
    } else {
      ASSERT_TRUE(r.value);
      EXPECT_EQ(str(*r.value), std::string(20, static_cast<char>('a' + i % 26)));
    }
    EXPECT_EQ(r.headers_count, i % 2 ? 2 : 0);
    auto headers = r.headers();
    RecordHeader h;
    int n = 0;
    while (headers.next(h)) {
      if (n == 0) {
        EXPECT_EQ(h.key, "h1");
        ASSERT_TRUE(h.value);
        EXPECT_EQ(str(*h.value), "v1");
      } else {
        EXPECT_EQ(h.key, "trace");
        EXPECT_FALSE(h.value);
      }
      ++n;
    }
    EXPECT_EQ(headers.error(), RecordError::kNone);
    EXPECT_EQ(n, r.headers_count);
    ++i;
  }
  EXPECT_EQ(reader->error(), RecordError::kNone);
  EXPECT_EQ(i, 50);
}

TEST_P(BatchRoundTrip, LogAppendTimeRewritesHeaderAndCrc) {
  BatchOptions options;
  options.compression = GetParam();
  Bytes bytes = build(options, 3);
  set_log_append_time(bytes, 99999);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->validate(), RecordError::kNone);
  EXPECT_EQ(batch->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(batch->max_timestamp(), 99999);
  DecompressionBuffer scratch;
  auto reader = batch->records(scratch);
  ASSERT_TRUE(reader.ok());
  Record r;
  while (reader->next(r)) EXPECT_EQ(r.timestamp, 99999);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, BatchRoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(RecordBatchTest, AssigningOffsetsKeepsTheCrcValid) {
  Bytes bytes = build({}, 3);
  batch_header::set_base_offset(bytes.data(), 123456);
  batch_header::set_partition_leader_epoch(bytes.data(), 9);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->validate(), RecordError::kNone);
  EXPECT_EQ(batch->base_offset(), 123456);
}

TEST(RecordBatchTest, CrcMismatchIsCorruptMessage) {
  Bytes bytes = build({}, 3);
  for (size_t i = batch_header::kAttributes; i < bytes.size(); ++i) {
    Bytes damaged = bytes;
    damaged[i] ^= 0x10;
    auto batch = RecordBatchView::parse(damaged);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->validate(), RecordError::kCrcMismatch) << i;
    EXPECT_EQ(to_error_code(batch->validate()), ErrorCode::kCorruptMessage);
  }
}

TEST(RecordBatchTest, TruncationAtEveryPosition) {
  for (Compression c : {Compression::kNone, Compression::kLz4}) {
    BatchOptions options;
    options.compression = c;
    Bytes bytes = build(options, 5);
    DecompressionBuffer scratch;
    for (size_t n = 0; n < bytes.size(); ++n) {
      ByteView part(bytes.data(), n);
      auto batch = RecordBatchView::parse(part);
      EXPECT_FALSE(batch.ok()) << n;
      EXPECT_EQ(batch.error_code(), ErrorCode::kCorruptMessage) << n;
      BatchIterator it(part);
      BatchEntry entry;
      EXPECT_FALSE(it.next(entry));
      EXPECT_EQ(it.error(), RecordError::kNone);
      EXPECT_EQ(it.truncated_tail(), n > 0);
    }
  }
}

TEST(RecordBatchTest, BadBatchLengthAndMagic) {
  Bytes bytes = build({}, 2);
  Bytes small = bytes;
  batch_header::store_be<int32_t>(small.data() + batch_header::kBatchLength, 48);
  EXPECT_EQ(RecordBatchView::parse(small).error(), RecordError::kBadBatchLength);
  Bytes negative = bytes;
  batch_header::store_be<int32_t>(negative.data() + batch_header::kBatchLength, -5);
  EXPECT_EQ(RecordBatchView::parse(negative).error(), RecordError::kBadBatchLength);
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(RecordBatchView::parse(longer).error(), RecordError::kBadBatchLength);
  Bytes magic3 = bytes;
  magic3[batch_header::kMagic] = 3;
  EXPECT_EQ(RecordBatchView::parse(magic3).error(), RecordError::kUnsupportedMagic);
  BatchIterator it(magic3);
  BatchEntry entry;
  EXPECT_FALSE(it.next(entry));
  EXPECT_EQ(it.error(), RecordError::kUnsupportedMagic);
}

// Rewrites a record byte of an uncompressed batch and fixes the CRC, so only the record
// parser can notice.
Bytes with_record_bytes(Bytes bytes, size_t at, std::initializer_list<uint8_t> replacement) {
  std::copy(replacement.begin(), replacement.end(), bytes.begin() + at);
  update_crc(bytes);
  return bytes;
}

TEST(RecordBatchTest, MalformedRecordsAreInvalidRecord) {
  Bytes bytes = build({}, 2);
  DecompressionBuffer scratch;
  const size_t first = batch_header::kSize;
  auto check = [&](const Bytes& b, RecordError want) {
    auto batch = RecordBatchView::parse(b);
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->validate(), RecordError::kNone);
    EXPECT_EQ(batch->validate_records(scratch), want);
  };
  // A varint that never ends (five continuation bytes) as the record length.
  check(with_record_bytes(bytes, first, {0xff, 0xff, 0xff, 0xff, 0xff}),
        RecordError::kInvalidRecord);
  // Negative record length.
  check(with_record_bytes(bytes, first, {0x01}), RecordError::kInvalidRecord);
  // Length larger than what is left.
  check(with_record_bytes(bytes, first, {0xfe, 0x0f}), RecordError::kInvalidRecord);
  // Key length below -1: byte layout is length, attributes, ts delta, offset delta, key length.
  check(with_record_bytes(bytes, first + 4, {0x03}), RecordError::kInvalidRecord);
  // Offset delta 1 for the first record.
  check(with_record_bytes(bytes, first + 3, {0x02}), RecordError::kInvalidOffset);
  // Counting more records than the bytes hold, or fewer.
  Bytes more = bytes;
  batch_header::store_be<int32_t>(more.data() + batch_header::kRecordsCount, 3);
  batch_header::store_be<int32_t>(more.data() + batch_header::kLastOffsetDelta, 2);
  update_crc(more);
  check(more, RecordError::kRecordCountMismatch);
  Bytes fewer = bytes;
  batch_header::store_be<int32_t>(fewer.data() + batch_header::kRecordsCount, 1);
  update_crc(fewer);
  check(fewer, RecordError::kInvalidOffset);  // lastOffsetDelta 1 with one record
  batch_header::store_be<int32_t>(fewer.data() + batch_header::kLastOffsetDelta, 0);
  update_crc(fewer);
  check(fewer, RecordError::kRecordCountMismatch);
  EXPECT_EQ(to_error_code(RecordError::kRecordCountMismatch), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, HeaderSanity) {
  Bytes bytes = build({}, 2);
  Bytes negative = bytes;
  batch_header::store_be<int32_t>(negative.data() + batch_header::kRecordsCount, -1);
  update_crc(negative);
  EXPECT_EQ(RecordBatchView::parse(negative)->validate(), RecordError::kBadRecordCount);
  Bytes delta = bytes;
  batch_header::store_be<int32_t>(delta.data() + batch_header::kLastOffsetDelta, 0);
  update_crc(delta);
  EXPECT_EQ(RecordBatchView::parse(delta)->validate(), RecordError::kBadRecordCount);
  Bytes huge = bytes;
  batch_header::store_be<int32_t>(huge.data() + batch_header::kRecordsCount, 1 << 30);
  batch_header::store_be<int32_t>(huge.data() + batch_header::kLastOffsetDelta, 1 << 30);
  update_crc(huge);
  EXPECT_EQ(RecordBatchView::parse(huge)->validate(), RecordError::kBadRecordCount);
  Bytes codec = bytes;
  batch_header::store_be<int16_t>(codec.data() + batch_header::kAttributes, 5);
  update_crc(codec);
  EXPECT_EQ(RecordBatchView::parse(codec)->validate(), RecordError::kUnsupportedCompression);
  EXPECT_EQ(to_error_code(RecordError::kUnsupportedCompression),
            ErrorCode::kUnsupportedCompressionType);
}

TEST(RecordBatchTest, DecompressionBombIsRefused) {
  BatchOptions options;
  options.compression = Compression::kZstd;
  Bytes bytes = build(options, 100, 100000);  // ~10 MB of repeated letters
  EXPECT_LT(bytes.size(), 50000u);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok());
  DecompressionBuffer scratch;
  BatchValidation limits;
  limits.max_decompressed = 1 << 20;
  EXPECT_EQ(batch->validate_records(scratch, limits), RecordError::kDecompressedTooLarge);
  EXPECT_EQ(batch->validate_records(scratch), RecordError::kNone);
}

TEST(RecordBatchTest, IteratesManyBatchesAndStopsAtAPartialOne) {
  Bytes records;
  for (int b = 0; b < 4; ++b) {
    BatchOptions options;
    options.base_offset = b * 10;
    options.compression = b % 2 ? Compression::kSnappy : Compression::kNone;
    Bytes one = build(options, 10);
    records.insert(records.end(), one.begin(), one.end());
  }
  size_t complete = records.size();
  Bytes tail = build({}, 10);
  records.insert(records.end(), tail.begin(), tail.begin() + 30);
  BatchIterator it(records);
  BatchEntry entry;
  DecompressionBuffer scratch;
  int batches = 0, total = 0;
  while (it.next(entry)) {
    ASSERT_EQ(entry.magic, 2);
    auto batch = RecordBatchView::parse(entry.bytes);
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->base_offset(), batches * 10);
    auto reader = batch->records(scratch);
    ASSERT_TRUE(reader.ok());
    Record r;
    while (reader->next(r)) EXPECT_EQ(r.offset, total++);
    ++batches;
  }
  EXPECT_EQ(batches, 4);
  EXPECT_EQ(total, 40);
  EXPECT_EQ(it.error(), RecordError::kNone);
  EXPECT_TRUE(it.truncated_tail());
  EXPECT_EQ(it.position(), complete);
}

TEST(RecordBatchTest, EmptyBatchAfterCompactionIsValid) {
  Bytes bytes = build({}, 0);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->validate(), RecordError::kNone);
  DecompressionBuffer scratch;
  EXPECT_EQ(batch->validate_records(scratch, {.contiguous_offsets = false}), RecordError::kNone);
}

TEST(RecordBatchTest, GapsInOffsetsAfterCompaction) {
  BatchOptions options;
  options.base_offset = 100;
  options.delete_horizon_ms = 5000;
  RecordBatchBuilder builder(options);
  builder.append_with_offset(100, 6000, as_bytes("a"), as_bytes("1"));
  builder.append_with_offset(104, 6001, as_bytes("b"), as_bytes("2"));
  builder.append_with_offset(109, 6002, as_bytes("c"), std::nullopt);
  Bytes bytes;
  ASSERT_EQ(builder.build(bytes), RecordError::kNone);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->has_delete_horizon());
  EXPECT_EQ(batch->base_timestamp(), 5000);
  EXPECT_EQ(batch->last_offset(), 109);
  DecompressionBuffer scratch;
  EXPECT_EQ(batch->validate_records(scratch), RecordError::kInvalidOffset);
  EXPECT_EQ(batch->validate_records(scratch, {.contiguous_offsets = false}), RecordError::kNone);
  auto reader = batch->records(scratch);
  Record r;
  std::vector<int64_t> offsets, timestamps;
  while (reader->next(r)) {
    offsets.push_back(r.offset);
    timestamps.push_back(r.timestamp);
  }
  EXPECT_EQ(offsets, (std::vector<int64_t>{100, 104, 109}));
  EXPECT_EQ(timestamps, (std::vector<int64_t>{6000, 6001, 6002}));
}

// skip() is next() without the Record: over intact and damaged record bytes, both see the
// same offset deltas and timestamps, stop at the same record and report the same error.
TEST(RecordBatchTest, SkipAgreesWithNextOnDamagedRecords) {
  Bytes intact = build(BatchOptions{}, 30);
  ByteView records = ByteView(intact).subspan(batch_header::kSize);
  RecordContext context{0, 1000, 1290, false};
  uint32_t seed = 12345;
  auto random = [&seed] { return seed = seed * 1103515245 + 12345, seed >> 8; };
  int failed = 0, stopped_early = 0;
  for (int round = 0; round < 20000; ++round) {
    Bytes damaged(records.begin(), records.end());
    int flips = round == 0 ? 0 : 1 + static_cast<int>(random() % 3);
    // Half the new bytes are varint edge values (-1, 0, the continuation bit, ...).
    static constexpr uint8_t kEdges[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff};
    for (int i = 0; i < flips; ++i) {
      size_t at = random() % damaged.size();
      damaged[at] = random() % 2 ? kEdges[random() % 6] : static_cast<uint8_t>(random());
    }
    size_t cut = round % 5 == 4 ? random() % damaged.size() : damaged.size();
    int32_t count = round % 7 == 6 ? 31 : 30;
    RecordReader full(ByteView(damaged.data(), cut), count, context);
    RecordReader lean(ByteView(damaged.data(), cut), count, context);
    Record record;
    int32_t offset_delta = 0;
    int64_t timestamp = 0;
    int32_t returned = 0;
    for (;; ++returned) {
      bool a = full.next(record);
      bool b = lean.skip(offset_delta, timestamp);
      ASSERT_EQ(a, b) << "round " << round;
      if (!a) break;
      ASSERT_EQ(record.offset_delta, offset_delta) << "round " << round;
      ASSERT_EQ(record.timestamp, timestamp) << "round " << round;
    }
    ASSERT_EQ(full.error(), lean.error()) << "round " << round;
    ASSERT_EQ(full.records_read(), lean.records_read()) << "round " << round;
    if (full.error() != RecordError::kNone) ++failed;
    if (round == 0) {
      ASSERT_EQ(full.error(), RecordError::kNone);
    }
    if (returned < count) ++stopped_early;
  }
  // The damage reaches the checks: most rounds end in an error, some before the last record.
  EXPECT_GT(failed, 10000);
  EXPECT_GT(stopped_early, 0);
}

TEST(ControlRecordTest, TransactionMarkerRoundTrip) {
  Bytes bytes;
  TransactionMarker marker;
  marker.type = ControlRecordType::kAbort;
  marker.coordinator_epoch = 12;
  marker.producer_id = 77;
  marker.producer_epoch = 2;
  marker.timestamp = 1234;
  marker.base_offset = 40;
  ASSERT_EQ(build_transaction_marker(marker, bytes), RecordError::kNone);
  auto batch = RecordBatchView::parse(bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->validate(), RecordError::kNone);
  EXPECT_TRUE(batch->is_control());
  EXPECT_TRUE(batch->is_transactional());
  EXPECT_EQ(batch->producer_id(), 77);
  EXPECT_EQ(batch->producer_epoch(), 2);
  DecompressionBuffer scratch;
  auto reader = batch->records(scratch);
  Record r;
  ASSERT_TRUE(reader->next(r));
  EXPECT_EQ(r.offset, 40);
  auto control = parse_control_record(r);
  ASSERT_TRUE(control.ok());
  EXPECT_EQ(control->type, static_cast<int16_t>(ControlRecordType::kAbort));
  EXPECT_EQ(control->coordinator_epoch, 12);
  // Key bytes exactly as Kafka writes them.
  EXPECT_EQ(str(*r.key), std::string("\0\0\0\0", 4));
  EXPECT_EQ(str(*r.value), std::string("\0\0\0\0\0\x0c", 6));
  EXPECT_FALSE(reader->next(r));

  Record bad = r;
  bad.key = as_bytes("x");
  EXPECT_EQ(parse_control_record(bad).error(), RecordError::kInvalidControlRecord);
}

}  // namespace
}  // namespace fjord
