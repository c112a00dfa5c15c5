#include "log/producer_state.h"

#include <gtest/gtest.h>

#include <climits>

#include "log/partition_log.h"
#include "log/test/partition_log_fixture.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kPid = 1000;

// n records of producer kPid (or pid) with the given epoch and base sequence.
Bytes idempotent_batch(int16_t epoch, int32_t base_sequence, int n = 3, int64_t pid = kPid) {
  BatchOptions options;
  options.producer_id = pid;
  options.producer_epoch = epoch;
  options.base_sequence = base_sequence;
  RecordBatchBuilder builder(options);
  std::string value = "value";
  for (int i = 0; i < n; ++i) builder.append(kT0, std::nullopt, as_bytes(value));
  Bytes out;
  (void)builder.build(out);
  return out;
}

using Fixture = testing::PartitionLogFixture;

Result<AppendInfo> append(PartitionLog& log, Bytes batch) {
  return log.append_as_leader(std::span(batch), 0);
}

TEST(ProducerStateTest, SequenceArithmeticWrapsAtInt32Max) {
  EXPECT_EQ(increment_sequence(INT32_MAX, 1), 0);
  EXPECT_EQ(increment_sequence(INT32_MAX - 1, 3), 1);
  EXPECT_EQ(decrement_sequence(1, 3), INT32_MAX - 1);
  EXPECT_EQ(decrement_sequence(5, 2), 3);
}

TEST(ProducerStateTest, DuplicateIsAnsweredWithItsOriginalOffsetAndNotAppended) {
  Fixture f;
  auto log = f.open();
  ASSERT_TRUE(append(*log, testing::make_simple_batch(0, 2, 10, kT0)).ok());
  auto first = append(*log, idempotent_batch(0, 0));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->first_offset, 2);
  ASSERT_TRUE(append(*log, idempotent_batch(0, 3)).ok());
  int64_t end = log->log_end_offset();
  auto again = append(*log, idempotent_batch(0, 0));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->first_offset, 2);
  EXPECT_EQ(again->last_offset, 4);
  EXPECT_EQ(log->log_end_offset(), end);
}

TEST(ProducerStateTest, OnlyTheLastFiveBatchesAreRemembered) {
  Fixture f;
  auto log = f.open();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(append(*log, idempotent_batch(0, i * 3)).ok());
  // Batch 0 fell out of the window: it is now an out-of-order sequence.
  EXPECT_EQ(append(*log, idempotent_batch(0, 0)).error(), ErrorCode::kOutOfOrderSequenceNumber);
  auto dup = append(*log, idempotent_batch(0, 3));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->first_offset, 3);
}

TEST(ProducerStateTest, SequenceGapIsOutOfOrder) {
  Fixture f;
  auto log = f.open();
  ASSERT_TRUE(append(*log, idempotent_batch(0, 0)).ok());
  EXPECT_EQ(append(*log, idempotent_batch(0, 5)).error(), ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_TRUE(append(*log, idempotent_batch(0, 3)).ok());
}

TEST(ProducerStateTest, UnknownProducerMayStartAtAnySequence) {
  Fixture f;
  auto log = f.open();
  EXPECT_TRUE(append(*log, idempotent_batch(0, 42)).ok());
  EXPECT_TRUE(append(*log, idempotent_batch(0, 45)).ok());
}

TEST(ProducerStateTest, OlderEpochIsFencedAndNewEpochStartsAtZero) {
  Fixture f;
  auto log = f.open();
  ASSERT_TRUE(append(*log, idempotent_batch(1, 0)).ok());
  EXPECT_EQ(append(*log, idempotent_batch(0, 3)).error(), ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(append(*log, idempotent_batch(2, 3)).error(), ErrorCode::kOutOfOrderSequenceNumber);
  ASSERT_TRUE(append(*log, idempotent_batch(2, 0)).ok());
  EXPECT_EQ(log->producer_state().entry(kPid)->producer_epoch, 2);
}

TEST(ProducerStateTest, SequenceWrapsFromInt32MaxToZero) {
  Fixture f;
  auto log = f.open();
  ASSERT_TRUE(append(*log, idempotent_batch(0, INT32_MAX - 2)).ok());  // ends at INT32_MAX
  EXPECT_TRUE(append(*log, idempotent_batch(0, 0)).ok());
}

TEST(ProducerStateTest, SnapshotRoundTripsInKafkaFormat) {
  std::map<int64_t, ProducerStateEntry> producers;
  ProducerStateEntry e;
  e.producer_id = 7;
  e.add_batch(3, {9, 120, 4, kT0});
  producers[7] = e;
  Bytes data = ProducerStateManager::encode_snapshot(producers);
  ASSERT_EQ(data.size(), 6u + 4u + 46u);
  auto decoded = ProducerStateManager::decode_snapshot(data);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 1u);
  const ProducerStateEntry& d = decoded->front();
  EXPECT_EQ(d.producer_id, 7);
  EXPECT_EQ(d.producer_epoch, 3);
  EXPECT_EQ(d.last().first_seq(), 5);
  EXPECT_EQ(d.last().first_offset(), 116);
  data.back() ^= 1;
  EXPECT_FALSE(ProducerStateManager::decode_snapshot(data).ok());
}

TEST(ProducerStateTest, ReadsKafkaWrittenSnapshots) {
  fs::path file = fs::path(FJORD_KAFKA_LOGDIR_FIXTURE) / "fixture-0/00000000000000000120.snapshot";
  auto contents = read_small_file(file);
  ASSERT_TRUE(contents.ok());
  auto entries = ProducerStateManager::decode_snapshot(
      std::span(reinterpret_cast<const uint8_t*>(contents->data()), contents->size()));
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 15u);
  // The fixture producer wrote 8-record batches with sequences 0..7, one producer each.
  for (const ProducerStateEntry& e : *entries) {
    EXPECT_EQ(e.producer_epoch, 0);
    EXPECT_EQ(e.last().first_seq(), 0);
    EXPECT_EQ(e.last().last_seq, 7);
  }
  EXPECT_EQ(ProducerStateManager::encode_snapshot([&] {
              std::map<int64_t, ProducerStateEntry> m;
              for (const auto& e : *entries) m[e.producer_id] = e;
              return m;
            }()),
            Bytes(contents->begin(), contents->end()));
}

TEST(ProducerStateTest, CleanRestartKeepsDeduplicationFromTheSnapshot) {
  Fixture f;
  {
    auto log = f.open();
    ASSERT_TRUE(append(*log, idempotent_batch(0, 0)).ok());
    ASSERT_TRUE(append(*log, idempotent_batch(0, 3)).ok());
    ASSERT_TRUE(log->close().ok());
  }
  EXPECT_TRUE(file_exists(ProducerStateManager::snapshot_file(f.dir(), 6)));
  auto log = f.open(6, /*clean=*/true);
  auto dup = append(*log, idempotent_batch(0, 3));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->first_offset, 3);
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(append(*log, idempotent_batch(0, 9)).error(), ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(ProducerStateTest, RecoveryReplaysTheLogPastTheSnapshot) {
  Fixture f;
  int64_t snapshot_offset = 0;
  {
    auto log = f.open();
    ASSERT_TRUE(append(*log, idempotent_batch(0, 0)).ok());
    ASSERT_TRUE(log->roll().ok());  // snapshot at 3
    snapshot_offset = log->log_end_offset();
    ASSERT_TRUE(append(*log, idempotent_batch(0, 3)).ok());
    ASSERT_TRUE(append(*log, idempotent_batch(5, 0, 2, kPid + 1)).ok());
    ASSERT_TRUE(log->flush().ok());
    // No close: an unclean stop, no snapshot at the log end.
  }
  EXPECT_TRUE(file_exists(ProducerStateManager::snapshot_file(f.dir(), snapshot_offset)));
  EXPECT_FALSE(file_exists(ProducerStateManager::snapshot_file(f.dir(), 8)));
  auto log = f.open(snapshot_offset, /*clean=*/false);
  ASSERT_EQ(log->log_end_offset(), 8);
  auto dup = append(*log, idempotent_batch(0, 3));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->first_offset, 3);
  auto dup2 = append(*log, idempotent_batch(5, 0, 2, kPid + 1));
  ASSERT_TRUE(dup2.ok());
  EXPECT_EQ(dup2->first_offset, 6);
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(append(*log, idempotent_batch(4, 0, 2, kPid + 1)).error(),
            ErrorCode::kInvalidProducerEpoch);
}

TEST(ProducerStateTest, TruncationRebuildsStateAndDropsLaterSnapshots) {
  Fixture f;
  auto log = f.open();
  ASSERT_TRUE(append(*log, idempotent_batch(0, 0)).ok());
  ASSERT_TRUE(log->roll().ok());  // snapshot at 3
  ASSERT_TRUE(append(*log, idempotent_batch(0, 3)).ok());
  ASSERT_TRUE(log->roll().ok());  // snapshot at 6
  ASSERT_TRUE(log->truncate_to(3).ok());
  EXPECT_FALSE(file_exists(ProducerStateManager::snapshot_file(f.dir(), 6)));
  // The batch at 3 is gone: its retry is a new append again.
  auto again = append(*log, idempotent_batch(0, 3));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->first_offset, 3);
}

}  // namespace
}  // namespace fjord::log
