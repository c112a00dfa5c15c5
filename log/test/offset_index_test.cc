#include "log/offset_index.h"

#include <gtest/gtest.h>

#include "log/test/test_batches.h"
#include "log/time_index.h"

namespace fjord::log {
namespace {

using testing::TempDir;

TEST(OffsetIndexTest, AppendLookupAndFormat) {
  TempDir dir;
  OffsetIndex idx(100);
  ASSERT_TRUE(idx.open(dir.path() / "x.index", 1024, true).ok());
  EXPECT_EQ(idx.lookup(150), (OffsetPosition{100, 0}));
  ASSERT_TRUE(idx.append(110, 4000));
  ASSERT_TRUE(idx.append(120, 8000));
  EXPECT_FALSE(idx.append(120, 9000));  // not increasing
  EXPECT_EQ(idx.lookup(105), (OffsetPosition{100, 0}));
  EXPECT_EQ(idx.lookup(110), (OffsetPosition{110, 4000}));
  EXPECT_EQ(idx.lookup(119), (OffsetPosition{110, 4000}));
  EXPECT_EQ(idx.lookup(1000), (OffsetPosition{120, 8000}));
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "x.index"), 1024u);
  ASSERT_TRUE(idx.file().trim().ok());
  ASSERT_EQ(std::filesystem::file_size(dir.path() / "x.index"), 16u);
  auto bytes = *read_small_file(dir.path() / "x.index");
  // int32 relative offset 10, int32 position 4000
  EXPECT_EQ(static_cast<uint8_t>(bytes[3]), 10);
  EXPECT_EQ(static_cast<uint8_t>(bytes[6]), 4000 >> 8);
  EXPECT_EQ(static_cast<uint8_t>(bytes[7]), 4000 & 0xff);
}

TEST(OffsetIndexTest, ReopenIgnoresPreallocatedZeroTail) {
  TempDir dir;
  {
    OffsetIndex idx(0);
    ASSERT_TRUE(idx.open(dir.path() / "x.index", 8000, true).ok());
    for (int i = 1; i <= 37; ++i) ASSERT_TRUE(idx.append(i * 10, i * 100));
    // No trim: as after a crash.
  }
  OffsetIndex idx(0);
  ASSERT_TRUE(idx.open(dir.path() / "x.index", 8000, true).ok());
  EXPECT_EQ(idx.entries(), 37);
  EXPECT_EQ(idx.last_offset(), 370);
  EXPECT_TRUE(idx.sane(1 << 20));
}

TEST(OffsetIndexTest, TruncateAndFull) {
  TempDir dir;
  OffsetIndex idx(0);
  ASSERT_TRUE(idx.open(dir.path() / "x.index", 32, true).ok());
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(idx.append(i * 10, i * 100));
  EXPECT_TRUE(idx.is_full());
  EXPECT_FALSE(idx.append(50, 500));
  idx.truncate_to(30);
  EXPECT_EQ(idx.entries(), 2);
  EXPECT_EQ(idx.last_offset(), 20);
  EXPECT_FALSE(idx.is_full());
}

TEST(OffsetIndexTest, SanityCheckCatchesGarbage) {
  TempDir dir;
  OffsetIndex idx(0);
  ASSERT_TRUE(idx.open(dir.path() / "x.index", 800, true).ok());
  ASSERT_TRUE(idx.append(10, 100));
  ASSERT_TRUE(idx.append(20, 200));
  EXPECT_TRUE(idx.sane(1000));
  EXPECT_FALSE(idx.sane(150));  // a position past the log's end
}

TEST(TimeIndexTest, MaybeAppendLookupTruncate) {
  TempDir dir;
  TimeIndex idx(1000);
  ASSERT_TRUE(idx.open(dir.path() / "x.timeindex", 12 * 3, true).ok());
  EXPECT_EQ(idx.last_entry(), (TimestampOffset{-1, 1000}));
  EXPECT_TRUE(idx.maybe_append(500, 1010));
  EXPECT_FALSE(idx.maybe_append(500, 1020));  // timestamp must grow
  EXPECT_TRUE(idx.maybe_append(700, 1030));
  EXPECT_TRUE(idx.is_full());  // the last slot is reserved
  EXPECT_FALSE(idx.maybe_append(800, 1040));
  EXPECT_TRUE(idx.maybe_append(800, 1040, /*skip_full_check=*/true));
  EXPECT_EQ(idx.lookup(499), (TimestampOffset{-1, 1000}));
  EXPECT_EQ(idx.lookup(650), (TimestampOffset{500, 1010}));
  EXPECT_EQ(idx.lookup(10'000), (TimestampOffset{800, 1040}));
  idx.truncate_to(1030);
  EXPECT_EQ(idx.last_entry(), (TimestampOffset{500, 1010}));
  ASSERT_TRUE(idx.file().trim().ok());
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "x.timeindex"), 12u);
}

}  // namespace
}  // namespace fjord::log
