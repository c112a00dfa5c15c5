#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/conversion.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/legacy_message.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"

namespace fjord {
namespace {

using legacy::LegacyMessageSetBuilder;
using legacy::LegacyMessageView;
using legacy::LegacyRecord;
using legacy::LegacyRecordReader;

std::string str(ByteView v) { return {v.begin(), v.end()}; }

std::string label(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

struct Expected {
  int64_t offset;
  int64_t timestamp;
  std::optional<std::string> key, value;
};

std::vector<Expected> sample_records(int64_t first_offset, int n) {
  std::vector<Expected> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({first_offset + i, 5000 + i,
                   i % 3 == 2 ? std::nullopt : std::optional(label("k", i)),
                   i % 4 == 3 ? std::nullopt : std::optional(label("value-", i))});
  }
  return out;
}

std::optional<ByteView> view(const std::optional<std::string>& s) {
  return s ? std::optional(as_bytes(*s)) : std::nullopt;
}

Bytes build_legacy(int8_t magic, Compression c, const std::vector<Expected>& records) {
  LegacyMessageSetBuilder builder(magic, c);
  for (const auto& r : records) builder.append(r.offset, r.timestamp, view(r.key), view(r.value));
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

std::vector<LegacyRecord> read_legacy(ByteView set, DecompressionBuffer& scratch,
                                      RecordError want = RecordError::kNone) {
  LegacyRecordReader reader(set, scratch);
  std::vector<LegacyRecord> out;
  LegacyRecord r;
  while (reader.next(r)) out.push_back(r);
  EXPECT_EQ(reader.error(), want);
  return out;
}

void expect_same(const std::vector<LegacyRecord>& got, const std::vector<Expected>& want,
                 int8_t magic) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].offset, want[i].offset) << i;
    EXPECT_EQ(got[i].magic, magic);
    EXPECT_EQ(got[i].timestamp, magic == 0 ? kNoTimestamp : want[i].timestamp) << i;
    EXPECT_EQ(got[i].key.has_value(), want[i].key.has_value()) << i;
    if (got[i].key && want[i].key) {
      EXPECT_EQ(str(*got[i].key), *want[i].key);
    }
    EXPECT_EQ(got[i].value.has_value(), want[i].value.has_value()) << i;
    if (got[i].value && want[i].value) {
      EXPECT_EQ(str(*got[i].value), *want[i].value);
    }
  }
}

struct LegacyCase {
  int8_t magic;
  Compression compression;
};

class LegacyRoundTrip : public ::testing::TestWithParam<LegacyCase> {};

TEST_P(LegacyRoundTrip, WriteThenRead) {
  auto [magic, codec] = GetParam();
  auto records = sample_records(1000, 12);
  Bytes set = build_legacy(magic, codec, records);
  DecompressionBuffer scratch;
  expect_same(read_legacy(set, scratch), records, magic);

  // Shallow view of the first entry: a wrapper when compressed, with the last offset for magic 1
  // and, for magic 0, the last absolute offset too.
  BatchIterator it(set);
  BatchEntry entry;
  ASSERT_TRUE(it.next(entry));
  auto message = LegacyMessageView::parse(entry.bytes);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->validate(), RecordError::kNone);
  EXPECT_EQ(message->magic(), magic);
  EXPECT_EQ(message->compression(), codec);
  EXPECT_EQ(message->offset(), codec == Compression::kNone ? 1000 : 1011);
}

TEST_P(LegacyRoundTrip, PartialTrailingMessageIsAllowed) {
  auto [magic, codec] = GetParam();
  Bytes set = build_legacy(magic, codec, sample_records(0, 5));
  Bytes more = build_legacy(magic, codec, sample_records(5, 5));
  size_t complete = set.size();
  set.insert(set.end(), more.begin(), more.end() - 3);
  DecompressionBuffer scratch;
  LegacyRecordReader reader(set, scratch);
  LegacyRecord r;
  int n = 0;
  while (reader.next(r)) ++n;
  EXPECT_EQ(n, codec == Compression::kNone ? 9 : 5);
  EXPECT_EQ(reader.error(), RecordError::kNone);
  EXPECT_TRUE(reader.truncated_tail());
  (void)complete;
}

TEST_P(LegacyRoundTrip, EveryTruncationAndBitFlipIsHandled) {
  auto [magic, codec] = GetParam();
  Bytes set = build_legacy(magic, codec, sample_records(0, 4));
  DecompressionBuffer scratch;
  for (size_t n = 0; n < set.size(); ++n) {
    LegacyRecordReader reader(ByteView(set.data(), n), scratch);
    LegacyRecord r;
    while (reader.next(r)) {
    }
    EXPECT_EQ(reader.error(), RecordError::kNone) << n;  // only a partial tail
  }
  BatchIterator first(set);
  BatchEntry entry;
  ASSERT_TRUE(first.next(entry));
  for (size_t i = 0; i < set.size(); ++i) {
    Bytes damaged = set;
    damaged[i] ^= 0x40;
    LegacyRecordReader reader(damaged, scratch);
    LegacyRecord r;
    while (reader.next(r)) {
    }
    // Flips in offset or size fields may still frame; flips behind the CRC never pass.
    if (i >= legacy::kMagicOffset && i < entry.bytes.size()) {
      EXPECT_NE(reader.error(), RecordError::kNone) << i;
    }
  }
}

TEST_P(LegacyRoundTrip, UpConvertsToOneBatchKeepingOffsets) {
  auto [magic, codec] = GetParam();
  auto records = sample_records(300, 9);
  Bytes set = build_legacy(magic, codec, records);
  Bytes out;
  DecompressionBuffer scratch;
  ASSERT_EQ(convert_legacy_to_batch(set, out, scratch), RecordError::kNone);
  auto batch = RecordBatchView::parse(out);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->validate_records(scratch), RecordError::kNone);
  EXPECT_EQ(batch->compression(), codec);
  EXPECT_EQ(batch->base_offset(), 300);
  EXPECT_EQ(batch->records_count(), 9);
  auto reader = batch->records(scratch);
  Record r;
  size_t i = 0;
  while (reader->next(r)) {
    EXPECT_EQ(r.offset, records[i].offset);
    EXPECT_EQ(r.timestamp, magic == 0 ? kNoTimestamp : records[i].timestamp);
    EXPECT_EQ(r.key.has_value(), records[i].key.has_value());
    if (r.value) {
      EXPECT_EQ(str(*r.value), *records[i].value);
    }
    ++i;
  }
  EXPECT_EQ(i, records.size());

  // The produce path renumbers and may recompress.
  out.clear();
  UpConversion produce;
  produce.assign_offsets_from = 0;
  produce.compression = Compression::kZstd;
  ASSERT_EQ(convert_legacy_to_batch(set, out, scratch, produce), RecordError::kNone);
  batch = RecordBatchView::parse(out);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->compression(), Compression::kZstd);
  EXPECT_EQ(batch->base_offset(), 0);
  EXPECT_EQ(batch->validate_records(scratch), RecordError::kNone);
}

TEST_P(LegacyRoundTrip, DownConvertsBatchesKeepingOffsets) {
  auto [magic, codec] = GetParam();
  if (codec == Compression::kZstd) GTEST_SKIP();
  Bytes log;
  std::vector<Expected> all;
  for (int b = 0; b < 3; ++b) {
    BatchOptions options;
    options.compression = codec;
    options.base_offset = 100 + b * 10;
    RecordBatchBuilder builder(options);
    for (const auto& r : sample_records(options.base_offset, 10)) {
      RecordHeader headers[] = {{"dropped", as_bytes("in v0/v1")}};
      builder.append(r.timestamp, view(r.key), view(r.value), headers);
      all.push_back(r);
    }
    ASSERT_EQ(builder.build(log), RecordError::kNone);
  }
  // A partial batch at the end (fetch cut at max bytes) is dropped.
  Bytes partial;
  RecordBatchBuilder tail{BatchOptions{}};
  tail.append(1, as_bytes("k"), as_bytes("v"));
  ASSERT_EQ(tail.build(partial), RecordError::kNone);
  log.insert(log.end(), partial.begin(), partial.end() - 1);

  Bytes out;
  DecompressionBuffer scratch;
  ASSERT_EQ(convert_to_legacy(log, magic, out, scratch), RecordError::kNone);
  expect_same(read_legacy(out, scratch), all, magic);
  // One wrapper per compressed batch.
  BatchIterator it(out);
  BatchEntry entry;
  int entries = 0;
  while (it.next(entry)) ++entries;
  EXPECT_EQ(entries, codec == Compression::kNone ? 30 : 3);
}

INSTANTIATE_TEST_SUITE_P(
    AllMagicsAndCodecs, LegacyRoundTrip,
    ::testing::Values(LegacyCase{0, Compression::kNone}, LegacyCase{0, Compression::kGzip},
                      LegacyCase{0, Compression::kSnappy}, LegacyCase{0, Compression::kLz4},
                      LegacyCase{1, Compression::kNone}, LegacyCase{1, Compression::kGzip},
                      LegacyCase{1, Compression::kSnappy}, LegacyCase{1, Compression::kLz4}),
    [](const auto& info) {
      return "magic" + std::to_string(info.param.magic) + "_" +
             std::string(compression_name(info.param.compression));
    });

TEST(LegacyTest, MessageLayoutAndCrc) {
  Bytes out;
  Writer w(out);
  legacy::write_message(w, 7, 1, 0, 1234, as_bytes("k"), as_bytes("val"));
  // offset 8 + size 4 + crc 4 + magic 1 + attributes 1 + timestamp 8 + key 4+1 + value 4+3
  ASSERT_EQ(out.size(), 38u);
  EXPECT_EQ(batch_header::load_be<int32_t>(out.data() + 8), 26);
  EXPECT_EQ(batch_header::load_be<uint32_t>(out.data() + 12),
            crc32_ieee(ByteView(out).subspan(16)));
  auto message = LegacyMessageView::parse(out);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->timestamp(), 1234);
  EXPECT_EQ(message->validate(), RecordError::kNone);
  out[30] ^= 1;
  EXPECT_EQ(LegacyMessageView::parse(out)->validate(), RecordError::kCrcMismatch);
}

TEST(LegacyTest, MagicOneRelativeInnerOffsets) {
  // A wrapper at offset 41 holding relative offsets 0, 1, 2 means absolute 39, 40, 41.
  auto records = sample_records(39, 3);
  Bytes set = build_legacy(1, Compression::kGzip, records);
  DecompressionBuffer scratch;
  auto got = read_legacy(set, scratch);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].offset, 39);
  EXPECT_EQ(got[2].offset, 41);
  EXPECT_EQ(got[0].wrapper_compression, Compression::kGzip);
}

TEST(LegacyTest, LogAppendTimeWrapperOverridesInnerTimestamps) {
  LegacyMessageSetBuilder builder(1, Compression::kSnappy, TimestampType::kLogAppendTime);
  builder.append(0, 10, std::nullopt, as_bytes("a"));
  builder.append(1, 20, std::nullopt, as_bytes("b"));
  Bytes set;
  ASSERT_EQ(builder.build(set), RecordError::kNone);
  DecompressionBuffer scratch;
  auto got = read_legacy(set, scratch);
  ASSERT_EQ(got.size(), 2u);
  for (const auto& r : got) {
    EXPECT_EQ(r.timestamp_type, TimestampType::kLogAppendTime);
    EXPECT_EQ(r.timestamp, 20);
  }
}

TEST(LegacyTest, NestedCompressionIsRejected) {
  Bytes inner = build_legacy(1, Compression::kGzip, sample_records(0, 2));
  Bytes compressed;
  ASSERT_EQ(compress(Compression::kGzip, inner, compressed), RecordError::kNone);
  Bytes set;
  Writer w(set);
  legacy::write_message(w, 0, 1, 1, 0, std::nullopt, ByteView(compressed));
  DecompressionBuffer scratch;
  read_legacy(set, scratch, RecordError::kNestedCompression);
}

TEST(LegacyTest, ZstdHasNoLegacyForm) {
  BatchOptions options;
  options.compression = Compression::kZstd;
  RecordBatchBuilder builder(options);
  builder.append(0, std::nullopt, as_bytes("v"));
  Bytes log, out;
  ASSERT_EQ(builder.build(log), RecordError::kNone);
  DecompressionBuffer scratch;
  EXPECT_EQ(convert_to_legacy(log, 1, out, scratch), RecordError::kUnsupportedCompression);
}

TEST(LegacyTest, DownConversionDropsControlBatches) {
  Bytes log;
  RecordBatchBuilder data{BatchOptions{}};
  data.append(1, std::nullopt, as_bytes("v"));
  ASSERT_EQ(data.build(log), RecordError::kNone);
  BatchOptions control;
  control.control = true;
  control.transactional = true;
  control.base_offset = 1;
  RecordBatchBuilder marker(control);
  uint8_t key[4] = {0, 0, 0, 1}, value[6] = {0, 0, 0, 0, 0, 5};
  marker.append(2, ByteView(key), ByteView(value));
  ASSERT_EQ(marker.build(log), RecordError::kNone);
  Bytes out;
  DecompressionBuffer scratch;
  ASSERT_EQ(convert_to_legacy(log, 1, out, scratch), RecordError::kNone);
  EXPECT_EQ(read_legacy(out, scratch).size(), 1u);
}

TEST(LegacyTest, MagicOneToZeroConvertsLegacyEntries) {
  Bytes v1 = build_legacy(1, Compression::kLz4, sample_records(10, 3));
  Bytes out;
  DecompressionBuffer scratch;
  ASSERT_EQ(convert_to_legacy(v1, 0, out, scratch), RecordError::kNone);
  expect_same(read_legacy(out, scratch), sample_records(10, 3), 0);
}

TEST(LegacyTest, UpConversionRejectsFallingOffsetsUnlessRenumbering) {
  LegacyMessageSetBuilder builder(0, Compression::kNone);
  // Old producers typically send offset 0 on every message.
  builder.append(0, 0, std::nullopt, as_bytes("a"));
  builder.append(0, 0, std::nullopt, as_bytes("b"));
  Bytes set, out;
  ASSERT_EQ(builder.build(set), RecordError::kNone);
  DecompressionBuffer scratch;
  EXPECT_EQ(convert_legacy_to_batch(set, out, scratch), RecordError::kInvalidOffset);
  UpConversion produce;
  produce.assign_offsets_from = 0;
  out.clear();
  ASSERT_EQ(convert_legacy_to_batch(set, out, scratch, produce), RecordError::kNone);
  EXPECT_EQ(RecordBatchView::parse(out)->records_count(), 2);
}

}  // namespace
}  // namespace fjord
