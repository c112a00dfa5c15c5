#include "log/segment.h"

#include <gtest/gtest.h>

#include "log/batch_scanner.h"
#include "log/segment_name.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::make_simple_batch;
using testing::TempDir;

constexpr int64_t kNow = 1'700'000'000'000;

LogConfig small_config() {
  LogConfig c;
  c.index_interval_bytes = 1000;
  c.segment_index_bytes = 4096;
  return c;
}

// Appends `count` batches of 3 records x 300 bytes from base, timestamps kNow + offset.
void fill(Segment& s, int64_t base, int count) {
  for (int i = 0; i < count; ++i) {
    int64_t off = base + i * 3;
    Bytes b = make_simple_batch(off, 3, 300, kNow + off);
    ASSERT_TRUE(s.append(off + 2, b).ok());
  }
}

TEST(SegmentTest, FileNamesAreTwentyDigits) {
  EXPECT_EQ(offset_file_prefix(368796), "00000000000000368796");
  EXPECT_EQ(parse_base_offset("00000000000000368796.log"), 368796);
  EXPECT_EQ(parse_base_offset("00000000000000368796.index.deleted"), 368796);
  EXPECT_EQ(parse_base_offset("leader-epoch-checkpoint"), std::nullopt);
  EXPECT_EQ(parse_partition_dir_name("my-topic-12"), (TopicPartition{"my-topic", 12}));
  EXPECT_EQ(parse_partition_dir_name("t-0.8f3c3a1b9a7c4b4e8c8e1a1d2b3c4d5e-delete"), std::nullopt);
}

TEST(SegmentTest, AppendTranslateRead) {
  TempDir dir;
  auto s = Segment::create(dir.path(), 100, small_config(), kNow, 0);
  ASSERT_TRUE(s.ok());
  fill(**s, 100, 20);
  Segment& seg = **s;
  EXPECT_TRUE(file_exists(dir.path() / "00000000000000000100.log"));
  EXPECT_GT(seg.offset_index().entries(), 0);
  EXPECT_EQ(seg.read_next_offset(), 160);
  for (int64_t o = 100; o < 160; ++o) {
    auto pos = seg.translate_offset(o);
    ASSERT_TRUE(pos.has_value()) << o;
    EXPECT_LE(pos->last_offset - 2, o);
    EXPECT_GE(pos->last_offset, o);
  }
  EXPECT_FALSE(seg.translate_offset(160).has_value());

  auto first = seg.translate_offset(100);
  auto r = seg.read(100, 1 << 20, seg.size(), false);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->position, 0);
  EXPECT_EQ(r->length, seg.size());
  // A byte limit smaller than a batch: cut, unless min_one_message.
  r = seg.read(100, 10, seg.size(), false);
  EXPECT_EQ(r->length, 10);
  r = seg.read(100, 10, seg.size(), true);
  EXPECT_EQ(r->length, first->size);
  // The high watermark bounds the read.
  auto hw = seg.translate_offset(130);
  r = seg.read(100, 1 << 20, hw->position, true);
  EXPECT_EQ(r->length, hw->position);
  EXPECT_EQ(seg.max_timestamp_so_far(), (TimestampOffset{kNow + 157, 159}));
}

TEST(SegmentTest, IndexEntriesFollowKafkasRule) {
  TempDir dir;
  auto s = Segment::create(dir.path(), 0, small_config(), kNow, 0);
  fill(**s, 0, 30);
  Segment& seg = **s;
  // Recompute Kafka's rule from the file: entry when bytes since the last entry > 1000.
  std::vector<OffsetPosition> expected;
  int64_t since = 0;
  BatchScanner scan(seg.log_file(), 0, seg.size());
  for (BatchHeaderAt b; scan.next(b);) {
    if (since > 1000) {
      expected.push_back({b.last_offset(), static_cast<int32_t>(b.position)});
      since = 0;
    }
    since += b.size;
  }
  ASSERT_EQ(seg.offset_index().entries(), static_cast<int32_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(seg.offset_index().entry(static_cast<int32_t>(i)), expected[i]);
  }
}

TEST(SegmentTest, TruncateTo) {
  TempDir dir;
  auto s = Segment::create(dir.path(), 0, small_config(), kNow, 0);
  fill(**s, 0, 20);
  Segment& seg = **s;
  auto pos = seg.translate_offset(30);
  auto cut = seg.truncate_to(30);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(seg.size(), pos->position);
  EXPECT_EQ(seg.read_next_offset(), 30);
  EXPECT_LT(seg.offset_index().last_offset(), 30);
  EXPECT_EQ(seg.max_timestamp_so_far(), (TimestampOffset{kNow + 27, 29}));
  fill(seg, 30, 2);
  EXPECT_EQ(seg.read_next_offset(), 36);
}

TEST(SegmentTest, ReopenAfterCloseRestoresState) {
  TempDir dir;
  int64_t size;
  {
    auto s = Segment::create(dir.path(), 0, small_config(), kNow, 0);
    fill(**s, 0, 20);
    ASSERT_TRUE((*s)->close().ok());
    size = (*s)->size();
  }
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "00000000000000000000.index") % 8, 0u);
  EXPECT_LT(std::filesystem::file_size(dir.path() / "00000000000000000000.index"), 4096u);
  auto s = Segment::open(dir.path(), 0, small_config(), kNow, /*active=*/true);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->size(), size);
  EXPECT_EQ((*s)->read_next_offset(), 60);
  EXPECT_TRUE((*s)->indexes_sane());
  EXPECT_EQ((*s)->max_timestamp_so_far(), (TimestampOffset{kNow + 57, 59}));
  // The trimmed indexes grow back on the first write.
  int32_t entries = (*s)->offset_index().entries();
  fill(**s, 60, 20);
  EXPECT_EQ((*s)->read_next_offset(), 120);
  EXPECT_GT((*s)->offset_index().entries(), entries);
  EXPECT_TRUE((*s)->indexes_sane());
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "00000000000000000000.index"), 4096u);
}

TEST(SegmentTest, RollConditions) {
  TempDir dir;
  LogConfig c = small_config();
  auto s = Segment::create(dir.path(), 0, c, kNow, 0);
  Segment& seg = **s;
  RollParams p{c.segment_ms, 10'000, kNow, 10, 1000, kNow};
  EXPECT_FALSE(seg.should_roll(p));  // empty: never by time
  fill(seg, 0, 3);
  EXPECT_FALSE(seg.should_roll(p));
  p.messages_size = 10'000 - static_cast<int32_t>(seg.size()) + 1;
  EXPECT_TRUE(seg.should_roll(p));  // segment.bytes
  p.messages_size = 100;
  p.max_offset_in_messages = int64_t{INT32_MAX} + 1;
  EXPECT_TRUE(seg.should_roll(p));  // relative offset overflow
  p.max_offset_in_messages = 10;
  // segment.ms is measured from the first batch's timestamp to the new batch's.
  p.max_timestamp_in_messages = kNow + c.segment_ms + 1;
  EXPECT_TRUE(seg.should_roll(p));
  p.max_timestamp_in_messages = kNow + c.segment_ms - 1;
  EXPECT_FALSE(seg.should_roll(p));
}

TEST(SegmentTest, RenameSuffixAndDelete) {
  TempDir dir;
  auto s = Segment::create(dir.path(), 5, small_config(), kNow, 0);
  fill(**s, 5, 5);
  ASSERT_TRUE((*s)->on_become_inactive().ok());
  ASSERT_TRUE((*s)->change_extra_suffix(kDeletedSuffix).ok());
  EXPECT_TRUE(file_exists(dir.path() / "00000000000000000005.log.deleted"));
  EXPECT_TRUE(file_exists(dir.path() / "00000000000000000005.index.deleted"));
  EXPECT_FALSE(file_exists(dir.path() / "00000000000000000005.log"));
  // Still readable through the open descriptor.
  EXPECT_TRUE((*s)->read(5, 100, (*s)->size(), true).has_value());
  ASSERT_TRUE((*s)->delete_files().ok());
  EXPECT_TRUE(list_dir(dir.path())->empty());
}

}  // namespace
}  // namespace fjord::log
