#include "log/partition_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "log/test/partition_log_fixture.h"
#include "log/test/test_batches.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {
namespace {

using testing::make_batch;
using testing::make_simple_batch;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

using Fixture = testing::PartitionLogFixture;

// Reads every record value from a region through a copying read.
std::vector<int64_t> read_offsets(const PartitionLog& log, int64_t from, int64_t max_offset) {
  std::vector<int64_t> out;
  int64_t next = from;
  while (next < max_offset) {
    auto r = log.read(next, 4096, max_offset, true);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r->region.length == 0) break;
    Bytes buf(static_cast<size_t>(r->region.length));
    EXPECT_EQ(*r->segment->read_bytes(r->region.position, buf), buf.size());
    BatchIterator it(buf);
    for (BatchEntry e; it.next(e);) {
      auto v = RecordBatchView::parse(e.bytes);
      EXPECT_TRUE(v.ok());
      EXPECT_EQ(v->validate(), RecordError::kNone);
      for (int64_t o = v->base_offset(); o <= v->last_offset(); ++o) {
        if (o >= next) out.push_back(o);
      }
      next = v->last_offset() + 1;
    }
  }
  return out;
}

TEST(PartitionLogTest, LeaderAppendAssignsOffsetsAndEpochInPlace) {
  Fixture f;
  auto log = f.open();
  Bytes b = make_simple_batch(999, 5, 10, kT0);
  auto info = log->append_as_leader(b, 7);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->first_offset, 0);
  EXPECT_EQ(info->last_offset, 4);
  EXPECT_EQ(batch_header::base_offset(b.data()), 0);
  EXPECT_EQ(batch_header::partition_leader_epoch(b.data()), 7);
  EXPECT_EQ(RecordBatchView::parse(b)->validate(), RecordError::kNone);  // CRC untouched
  EXPECT_EQ(log->log_end_offset(), 5);
  Bytes b2 = make_simple_batch(0, 3, 10, kT0 + 5);
  info = log->append_as_leader(b2, 8);
  EXPECT_EQ(info->first_offset, 5);
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(log->leader_epoch_cache().entries(), (std::vector<EpochEntry>{{7, 0}, {8, 5}}));
  EXPECT_EQ(*read_small_file(log->dir() / "leader-epoch-checkpoint"), "0\n2\n7 0\n8 5\n");
  EXPECT_EQ(log->end_offset_for_epoch(7), (EpochEntry{7, 5}));
  EXPECT_EQ(log->end_offset_for_epoch(8), (EpochEntry{8, 8}));
}

TEST(PartitionLogTest, RejectsCorruptAndOversizedBatches) {
  Fixture f;
  f.config.max_message_bytes = 500;
  auto log = f.open();
  Bytes big = make_simple_batch(0, 2, 400, kT0);
  EXPECT_EQ(log->append_as_leader(big, 0).error(), ErrorCode::kMessageTooLarge);
  Bytes b = make_simple_batch(0, 2, 10, kT0);
  b[b.size() - 3] ^= 0x40;
  EXPECT_EQ(log->append_as_leader(b, 0).error(), ErrorCode::kCorruptMessage);
  Bytes torn = make_simple_batch(0, 2, 10, kT0);
  torn.pop_back();
  EXPECT_EQ(log->append_as_leader(torn, 0).error(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->size_in_bytes(), 0);
}

TEST(PartitionLogTest, FollowerAppendChecksOffsets) {
  Fixture f;
  auto log = f.open();
  Bytes b = make_batch(0, {{std::nullopt, "a", kT0}, {std::nullopt, "b", kT0}}, 3);
  ASSERT_TRUE(log->append_as_follower(b).ok());
  Bytes again = make_batch(1, {{std::nullopt, "c", kT0}}, 3);
  EXPECT_EQ(log->append_as_follower(again).error(), ErrorCode::kOffsetOutOfRange);
  Bytes two = make_batch(5, {{std::nullopt, "c", kT0}}, 4);
  Bytes back = make_batch(3, {{std::nullopt, "d", kT0}}, 4);
  two.insert(two.end(), back.begin(), back.end());
  EXPECT_EQ(log->append_as_follower(two).error(), ErrorCode::kCorruptMessage);
  Bytes gap = make_batch(10, {{std::nullopt, "e", kT0}}, 5);
  ASSERT_TRUE(log->append_as_follower(gap).ok());
  EXPECT_EQ(log->log_end_offset(), 11);
  EXPECT_EQ(log->leader_epoch_cache().entries(), (std::vector<EpochEntry>{{3, 0}, {5, 10}}));
}

TEST(PartitionLogTest, RollsAndReadsAcrossSegmentsUpToHighWatermark) {
  Fixture f;
  auto log = f.open();
  for (int i = 0; i < 100; ++i) {
    Bytes b = make_simple_batch(0, 4, 100, kT0 + i);
    ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  }
  EXPECT_GT(log->num_segments(), 3);
  EXPECT_EQ(log->log_end_offset(), 400);
  // Segments are contiguous in offsets and named by base offset.
  auto segs = log->segments();
  for (size_t i = 1; i < segs.size(); ++i) {
    EXPECT_EQ(segs[i - 1]->read_next_offset(), segs[i]->base_offset());
    EXPECT_LE(segs[i - 1]->size(), f.config.segment_bytes);
  }
  std::vector<int64_t> expect;
  for (int64_t o = 0; o < 400; ++o) expect.push_back(o);
  EXPECT_EQ(read_offsets(*log, 0, 400), expect);
  // A consumer bounded by a high watermark of 200 sees exactly [37, 200).
  log->update_high_watermark(200);
  auto got = read_offsets(*log, 37, log->high_watermark());
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.front(), 37);
  EXPECT_EQ(got.back(), 199);
  EXPECT_EQ(log->read(401, 100, 400, true).error(), ErrorCode::kOffsetOutOfRange);
  EXPECT_EQ(log->read(400, 100, 400, true)->region.length, 0);
}

TEST(PartitionLogTest, ListOffsets) {
  Fixture f;
  auto log = f.open();
  // Batch i has records with timestamps kT0 + 10i, +1, +2; batch 5 holds the max.
  for (int i = 0; i < 10; ++i) {
    int64_t base = kT0 + 10 * i;
    if (i == 5) base = kT0 + 1000;
    Bytes b = make_batch(
        0,
        {{std::nullopt, "x", base}, {std::nullopt, "y", base + 2}, {std::nullopt, "z", base + 1}},
        2);
    ASSERT_TRUE(log->append_as_leader(b, 2).ok());
  }
  EXPECT_EQ(log->fetch_offset_by_timestamp(kEarliestTimestamp)->offset, 0);
  EXPECT_EQ(log->fetch_offset_by_timestamp(kLatestTimestamp)->offset, 30);
  auto max = log->fetch_offset_by_timestamp(kMaxTimestamp);
  EXPECT_EQ(max->offset, 16);
  EXPECT_EQ(max->timestamp, kT0 + 1002);
  EXPECT_EQ(max->leader_epoch, 2);
  auto at = log->fetch_offset_by_timestamp(kT0 + 31);
  EXPECT_EQ(at->offset, 10);  // batch 3: record 1 has timestamp kT0 + 32
  EXPECT_EQ(at->timestamp, kT0 + 32);
  EXPECT_EQ(log->fetch_offset_by_timestamp(kT0 + 5000)->offset, -1);
}

TEST(PartitionLogTest, LogAppendTimeRewritesTimestampAndCrc) {
  Fixture f;
  f.config.timestamp_type = TimestampType::kLogAppendTime;
  auto log = f.open();
  Bytes b = make_simple_batch(0, 2, 10, 5);
  auto info = log->append_as_leader(b, 0);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->log_append_time, kT0);
  auto v = RecordBatchView::parse(b);
  EXPECT_EQ(v->max_timestamp(), kT0);
  EXPECT_EQ(v->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(v->validate(), RecordError::kNone);
}

// Kafka's LogValidator.assignOffsetsNonCompressed: under CreateTime a batch's maxTimestamp
// becomes the largest record timestamp (DefaultRecordBatch.setMaxTimestamp, CRC recomputed),
// and the log's max timestamp follows the records, not the producer's header.
TEST(PartitionLogTest, CreateTimeMaxTimestampIsTheLargestRecordTimestamp) {
  Fixture f;
  auto log = f.open();
  Bytes b = make_batch(
      0,
      {{std::nullopt, "a", kT0 + 5}, {std::nullopt, "b", kT0 + 9}, {std::nullopt, "c", kT0 + 2}});
  batch_header::store_be<int64_t>(b.data() + batch_header::kMaxTimestamp, kT0 + 100);
  update_crc(b);
  auto info = log->append_as_leader(b, 0);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->max_timestamp, kT0 + 9);
  auto v = RecordBatchView::parse(b);
  EXPECT_EQ(v->max_timestamp(), kT0 + 9);
  EXPECT_EQ(v->validate(), RecordError::kNone);
  EXPECT_EQ(log->fetch_offset_by_timestamp(kMaxTimestamp)->timestamp, kT0 + 9);

  // A correct header is left as it is (no CRC recompute).
  Bytes good = make_batch(0, {{std::nullopt, "d", kT0 + 20}, {std::nullopt, "e", kT0 + 10}});
  Bytes before = good;
  ASSERT_TRUE(log->append_as_leader(good, 0).ok());
  EXPECT_TRUE(std::equal(good.begin() + batch_header::kMagic, good.end(),
                         before.begin() + batch_header::kMagic));

  // A producer's LogAppendTime bit on a CreateTime topic is cleared, the records keep the
  // batch's timestamp (Kafka: setMaxTimestamp(CREATE_TIME, ...)).
  BatchOptions options;
  options.timestamp_type = TimestampType::kLogAppendTime;
  RecordBatchBuilder builder(options);
  builder.append(kT0 + 30, std::nullopt, as_bytes("f"));
  Bytes lat;
  (void)builder.build(lat);
  ASSERT_TRUE(log->append_as_leader(lat, 0).ok());
  v = RecordBatchView::parse(lat);
  EXPECT_EQ(v->timestamp_type(), TimestampType::kCreateTime);
  EXPECT_EQ(v->max_timestamp(), kT0 + 30);
  EXPECT_EQ(v->validate(), RecordError::kNone);
}

// Kafka's LogValidator.validateBatch refuses these client batches with INVALID_RECORD.
TEST(PartitionLogTest, RejectsEmptyControlAndUnsequencedClientBatches) {
  Fixture f;
  auto log = f.open();
  // No records, lastOffsetDelta -1: offsets and count agree, the count does not.
  Bytes empty = make_batch(0, {});
  ASSERT_EQ(batch_header::records_count(empty.data()), 0);
  batch_header::store_be<int32_t>(empty.data() + batch_header::kLastOffsetDelta, -1);
  update_crc(empty);
  EXPECT_EQ(log->append_as_leader(empty, 0).error(), ErrorCode::kInvalidRecord);

  BatchOptions control;
  control.control = true;
  RecordBatchBuilder cb(control);
  cb.append(kT0, as_bytes(std::string("\0\0\0\0", 4)), as_bytes(std::string("\0\0\0\0\0\0", 6)));
  Bytes marker;
  (void)cb.build(marker);
  EXPECT_EQ(log->append_as_leader(marker, 0).error(), ErrorCode::kInvalidRecord);

  BatchOptions idempotent;
  idempotent.producer_id = 42;
  idempotent.producer_epoch = 0;
  idempotent.base_sequence = -1;
  RecordBatchBuilder ib(idempotent);
  ib.append(kT0, std::nullopt, as_bytes("x"));
  Bytes unsequenced;
  (void)ib.build(unsequenced);
  EXPECT_EQ(log->append_as_leader(unsequenced, 0).error(), ErrorCode::kInvalidRecord);

  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->size_in_bytes(), 0);
}

TEST(PartitionLogTest, TruncateToAndRestart) {
  Fixture f;
  auto log = f.open();
  for (int i = 0; i < 60; ++i) {
    Bytes b = make_simple_batch(0, 4, 100, kT0 + i);
    ASSERT_TRUE(log->append_as_leader(b, i / 20).ok());
  }
  int segs_before = log->num_segments();
  ASSERT_TRUE(log->truncate_to(50).ok());  // inside a batch: the batch holding 50 goes
  EXPECT_EQ(log->log_end_offset(), 48);
  EXPECT_LT(log->num_segments(), segs_before);
  EXPECT_EQ(log->leader_epoch_cache().entries(), (std::vector<EpochEntry>{{0, 0}}));
  Bytes b = make_simple_batch(0, 4, 100, kT0);
  auto info = log->append_as_leader(b, 3);
  EXPECT_EQ(info->first_offset, 48);
  ASSERT_TRUE(log->truncate_fully_and_start_at(1000).ok());
  EXPECT_EQ(log->log_start_offset(), 1000);
  EXPECT_EQ(log->log_end_offset(), 1000);
  EXPECT_EQ(log->num_segments(), 1);
  EXPECT_TRUE(file_exists(log->dir() / "00000000000000001000.log"));
  EXPECT_FALSE(file_exists(log->dir() / "00000000000000000000.log"));
  ASSERT_TRUE(log->append_as_leader(b, 4).ok());
  EXPECT_EQ(log->log_end_offset(), 1004);
}

TEST(PartitionLogTest, CleanCloseAndReopen) {
  Fixture f;
  {
    auto log = f.open();
    for (int i = 0; i < 50; ++i) {
      Bytes b = make_simple_batch(0, 4, 100, kT0 + i);
      ASSERT_TRUE(log->append_as_leader(b, 1).ok());
    }
    ASSERT_TRUE(log->close().ok());
    EXPECT_EQ(log->recovery_point(), 200);
  }
  auto log = f.open(200, /*clean=*/true);
  EXPECT_EQ(log->log_end_offset(), 200);
  EXPECT_TRUE(log->load_report().recovered.empty());
  for (const auto& s : log->segments()) EXPECT_TRUE(s->indexes_sane());
  EXPECT_EQ(read_offsets(*log, 0, 200).size(), 200u);
  Bytes b = make_simple_batch(0, 4, 100, kT0);
  EXPECT_EQ(log->append_as_leader(b, 1)->first_offset, 200);
}

TEST(PartitionLogTest, FlushMessagesPolicyAdvancesRecoveryPoint) {
  Fixture f;
  f.config.flush_messages = 10;
  auto log = f.open();
  for (int i = 0; i < 2; ++i) {
    Bytes b = make_simple_batch(0, 4, 10, kT0);
    ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  }
  EXPECT_EQ(log->recovery_point(), 0);
  Bytes b = make_simple_batch(0, 4, 10, kT0);
  ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  EXPECT_EQ(log->recovery_point(), 12);
}

TEST(PartitionLogTest, DeferredFlushLeavesTheFsyncToTheCaller) {
  Fixture f;
  f.config.flush_messages = 4;
  auto log = f.open();
  Bytes b = make_simple_batch(0, 4, 10, kT0);
  auto info = log->append_as_leader(b, 0, {.defer_flush = true});
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->flush_needed);
  EXPECT_EQ(log->recovery_point(), 0);  // not flushed by the append
  ASSERT_TRUE(log->flush(info->last_offset + 1).ok());
  EXPECT_EQ(log->recovery_point(), 4);
  Bytes small = make_simple_batch(0, 1, 10, kT0);
  info = log->append_as_leader(small, 0, {.defer_flush = true});
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->flush_needed);  // 1 unflushed message < flush.messages
}

// An event loop appends with may_block=false: an append that needs a roll comes back
// would_block with the batch untouched (a LogAppendTime topic would otherwise refuse the retry
// as a producer-set LogAppendTime), and succeeds when retried where blocking is allowed.
TEST(PartitionLogTest, AnAppendThatMustRollIsRefusedUntouchedWithoutMayBlock) {
  Fixture f;
  f.config.segment_bytes = 4096;
  f.config.timestamp_type = TimestampType::kLogAppendTime;
  auto log = f.open();
  int would_block = 0;
  for (int i = 0; i < 20; ++i) {
    Bytes b = make_simple_batch(0, 2, 300, kT0);
    const Bytes sent = b;
    auto info = log->append_as_leader(b, 3, {.may_block = false});
    ASSERT_TRUE(info.ok());
    if (info->would_block) {
      ++would_block;
      EXPECT_EQ(b, sent);
      EXPECT_EQ(info->first_offset, -1);
      const int64_t end = log->log_end_offset();
      const int segments = log->num_segments();
      info = log->append_as_leader(b, 3);
      ASSERT_TRUE(info.ok()) << error_name(info.error());
      EXPECT_FALSE(info->would_block);
      EXPECT_EQ(info->first_offset, end);
      EXPECT_EQ(log->num_segments(), segments + 1);
    }
  }
  EXPECT_GE(would_block, 3);
  EXPECT_EQ(log->log_end_offset(), 40);
}

TEST(PartitionLogTest, FlushMsPolicy) {
  Fixture f;
  f.config.flush_ms = 1000;
  auto log = f.open();
  Bytes b = make_simple_batch(0, 4, 10, kT0);
  ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  ASSERT_TRUE(log->maybe_flush_by_time().ok());
  EXPECT_EQ(log->recovery_point(), 0);
  f.clock.advance_ms(1000);
  ASSERT_TRUE(log->maybe_flush_by_time().ok());
  EXPECT_EQ(log->recovery_point(), 4);
}

}  // namespace
}  // namespace fjord::log

namespace fjord::log {
namespace {

TEST(PartitionLogFaultTest, FailedAndShortWritesLeaveTheLogAsItWas) {
  Fixture f;
  auto log = f.open();
  Bytes b = make_simple_batch(0, 4, 100, kT0);
  ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  int64_t size = log->size_in_bytes();
  file_faults().short_write_after = 0;
  Bytes b2 = make_simple_batch(0, 4, 100, kT0);
  EXPECT_EQ(log->append_as_leader(b2, 0).error(), ErrorCode::kKafkaStorageError);
  file_faults().fail_write_after = 0;
  EXPECT_EQ(log->append_as_leader(b2, 0).error(), ErrorCode::kKafkaStorageError);
  file_faults().reset();
  EXPECT_EQ(log->log_end_offset(), 4);
  EXPECT_EQ(log->size_in_bytes(), size);
  EXPECT_EQ(std::filesystem::file_size(log->dir() / "00000000000000000000.log"),
            static_cast<uintmax_t>(size));
  Bytes b3 = make_simple_batch(0, 4, 100, kT0);
  EXPECT_EQ(log->append_as_leader(b3, 0)->first_offset, 4);
  ASSERT_TRUE(log->close().ok());
  auto reopened = f.open(8, true);
  EXPECT_EQ(reopened->log_end_offset(), 8);
  EXPECT_EQ(read_offsets(*reopened, 0, 8).size(), 8u);
}

TEST(PartitionLogFaultTest, FailedFsyncKeepsTheRecoveryPoint) {
  Fixture f;
  auto log = f.open();
  Bytes b = make_simple_batch(0, 4, 100, kT0);
  ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  file_faults().fail_fsync_after = 0;
  EXPECT_EQ(log->flush().error(), ErrorCode::kKafkaStorageError);
  file_faults().reset();
  EXPECT_EQ(log->recovery_point(), 0);
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(log->recovery_point(), 4);
}

// Readers run while the writer appends and rolls: every byte they are handed up to the log
// end offset they observed is a whole, valid batch.
TEST(PartitionLogConcurrencyTest, ReadersNeverSeeUnpublishedOrTornData) {
  Fixture f;
  auto log = f.open();
  std::atomic<bool> done{false};
  std::atomic<int64_t> batches_checked{0};
  std::thread reader([&] {
    Bytes buf;
    while (!done.load()) {
      int64_t end = log->log_end_offset();
      int64_t next = 0;
      while (next < end) {
        auto r = log->read(next, 8192, end, true);
        ASSERT_TRUE(r.ok());
        if (r->region.length == 0) break;
        buf.resize(static_cast<size_t>(r->region.length));
        ASSERT_EQ(*r->segment->read_bytes(r->region.position, buf), buf.size());
        BatchIterator it(buf);
        for (BatchEntry e; it.next(e);) {
          auto v = RecordBatchView::parse(e.bytes);
          ASSERT_TRUE(v.ok());
          ASSERT_EQ(v->validate(), RecordError::kNone);
          ASSERT_EQ(v->base_offset(), next);
          next = v->last_offset() + 1;
          ++batches_checked;
        }
        ASSERT_FALSE(it.truncated_tail() && next < end && buf.size() < 8192);
      }
    }
  });
  for (int i = 0; i < 3000; ++i) {
    Bytes b = make_simple_batch(0, 1 + i % 5, 50 + i % 300, kT0 + i);
    ASSERT_TRUE(log->append_as_leader(b, 0).ok());
  }
  done = true;
  reader.join();
  EXPECT_GT(batches_checked.load(), 3000);
  EXPECT_GT(log->num_segments(), 10);
}

}  // namespace
}  // namespace fjord::log
