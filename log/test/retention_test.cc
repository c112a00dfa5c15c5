#include "log/retention.h"

#include <gtest/gtest.h>

#include "log/partition_log.h"
#include "log/segment_name.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::make_simple_batch;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

// n records with distinct keys and values of value_size bytes, all stamped ts.
Bytes make_keyed_batch(int n, size_t value_size, int64_t ts) {
  static int next_key = 0;
  std::vector<testing::TestRecord> recs;
  for (int i = 0; i < n; ++i) {
    std::string key = std::to_string(next_key++);  // distinct keys, nothing to compact away
    recs.push_back({std::move(key), std::string(value_size, 'v'), ts});
  }
  return testing::make_batch(0, recs);
}

struct Fixture {
  TempDir tmp;
  ManualClock clock{kT0};
  ThreadScheduler scheduler{clock, /*start_thread=*/false};
  LogConfig config;
  std::unique_ptr<PartitionLog> log;
  Fixture(LogConfig c) : config(c) {
    PartitionLogParams p;
    p.dir = tmp.path() / "t-0";
    p.tp = {"t", 0};
    p.config = config;
    p.clock = &clock;
    p.scheduler = &scheduler;
    log = std::move(PartitionLog::open(p).value());
  }
  // 10 segments of 10 batches, each batch 4 records; batch timestamps = clock at append.
  void fill() {
    for (int s = 0; s < 10; ++s) {
      for (int i = 0; i < 10; ++i) {
        // A compacted log refuses keyless records (INVALID_RECORD), so those get keys.
        Bytes b = config.cleanup_compact ? make_keyed_batch(4, 50, clock.now_ms())
                                         : make_simple_batch(0, 4, 50, clock.now_ms());
        ASSERT_TRUE(log->append_as_leader(b, 0).ok());
      }
      ASSERT_TRUE(log->roll().ok());
      clock.advance_ms(1000);
    }
    log->update_high_watermark(log->log_end_offset());
  }
};

LogConfig base_config() {
  LogConfig c;
  c.segment_index_bytes = 4096;
  c.file_delete_delay_ms = 500;
  return c;
}

TEST(RetentionTest, RetentionMsDeletesOldSegmentsAsynchronously) {
  LogConfig c = base_config();
  c.retention_ms = 5500;
  Fixture f(c);
  f.fill();  // segment k's timestamps: kT0 + 1000k; now = kT0 + 10000
  int64_t first_base = f.log->segments()[0]->base_offset();
  EXPECT_EQ(*f.log->delete_old_segments(), 5);  // ages 10000..6000 > 5500
  EXPECT_EQ(f.log->log_start_offset(), 200);
  // Renamed now, removed after file.delete.delay.ms.
  fs::path dir = f.log->dir();
  EXPECT_TRUE(file_exists(segment_file(dir, first_base, kLogSuffix, kDeletedSuffix)));
  EXPECT_FALSE(file_exists(segment_file(dir, first_base, kLogSuffix)));
  f.scheduler.run_due();
  EXPECT_TRUE(file_exists(segment_file(dir, first_base, kLogSuffix, kDeletedSuffix)));
  f.clock.advance_ms(500);
  f.scheduler.run_due();
  EXPECT_FALSE(file_exists(segment_file(dir, first_base, kLogSuffix, kDeletedSuffix)));
  EXPECT_EQ(f.log->read(0, 100, 400, true).error(), ErrorCode::kOffsetOutOfRange);
  EXPECT_TRUE(f.log->read(200, 100, 400, true).ok());
}

TEST(RetentionTest, RetentionBytes) {
  LogConfig c = base_config();
  c.retention_ms = -1;
  Fixture f(c);
  f.fill();
  int64_t seg_size = f.log->segments()[0]->size();
  f.log->update_config([&] {
    LogConfig n = c;
    n.retention_bytes = seg_size * 3 + 1;
    return n;
  }());
  // 10 full segments of S bytes, limit 3S+1: deleting 6 leaves 4S; a 7th would leave 3S.
  EXPECT_EQ(*f.log->delete_old_segments(), 6);
  EXPECT_EQ(f.log->num_segments(), 5);  // 4 full + the empty active one
}

TEST(RetentionTest, NothingAboveTheHighWatermarkGoes) {
  LogConfig c = base_config();
  c.retention_ms = 0;
  Fixture f(c);
  f.fill();
  f.log->update_high_watermark(120);
  f.clock.advance_ms(100'000);
  EXPECT_EQ(*f.log->delete_old_segments(), 3);  // segments [0,40) [40,80) [80,120)
  EXPECT_EQ(f.log->log_start_offset(), 120);
}

TEST(RetentionTest, DeleteRecordsMovesLogStartOffsetThenSegmentsGo) {
  LogConfig c = base_config();
  c.retention_ms = -1;
  c.cleanup_delete = false;
  c.cleanup_compact = true;  // the log start rule applies to compacted topics too
  Fixture f(c);
  f.fill();
  EXPECT_EQ(f.log->maybe_increment_log_start_offset(1000).error(), ErrorCode::kOffsetOutOfRange);
  ASSERT_TRUE(f.log->maybe_increment_log_start_offset(90).ok());
  EXPECT_EQ(f.log->log_start_offset(), 90);
  EXPECT_EQ(f.log->fetch_offset_by_timestamp(kEarliestTimestamp)->offset, 90);
  EXPECT_EQ(*f.log->delete_old_segments(), 2);
  EXPECT_EQ(f.log->log_start_offset(), 90);
  EXPECT_EQ(f.log->segments()[0]->base_offset(), 80);
}

TEST(RetentionTest, AllSegmentsExpiredRollsAndKeepsTheLogEnd) {
  LogConfig c = base_config();
  c.retention_ms = 10;
  Fixture f(c);
  for (int i = 0; i < 5; ++i) {
    Bytes b = make_simple_batch(0, 4, 50, f.clock.now_ms());
    ASSERT_TRUE(f.log->append_as_leader(b, 0).ok());
  }
  f.log->update_high_watermark(20);
  f.clock.advance_ms(1000);
  EXPECT_EQ(*f.log->delete_old_segments(), 1);
  EXPECT_EQ(f.log->num_segments(), 1);
  EXPECT_EQ(f.log->log_start_offset(), 20);
  EXPECT_EQ(f.log->log_end_offset(), 20);
  Bytes b = make_simple_batch(0, 4, 50, f.clock.now_ms());
  EXPECT_EQ(f.log->append_as_leader(b, 0)->first_offset, 20);
}

}  // namespace
}  // namespace fjord::log
