// Partition's replication state: high watermark over the ISR with the min.insync.replicas rule,
// ISR expansion and shrink through the controller (a fake IsrChangeSender), acks=all checks,
// leader epoch checks, follower truncation-free appends.
#include "server/partition.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "protocol/records/batch_builder.h"

namespace fjord {
namespace {

namespace fs = std::filesystem;

// Records every proposal; the test answers them.
class FakeSender : public IsrChangeSender {
 public:
  void send(IsrChange change, std::function<void(IsrChangeResult)> done) override {
    changes.push_back(change);
    callbacks.push_back(std::move(done));
  }
  // The controller accepts the last proposal at partition epoch + 1.
  void accept_last() {
    const IsrChange& c = changes.back();
    auto cb = std::move(callbacks.back());
    callbacks.pop_back();
    cb({ErrorCode::kNone, c.leader_epoch, c.partition_epoch + 1, c.new_isr});
  }
  std::vector<IsrChange> changes;
  std::vector<std::function<void(IsrChangeResult)>> callbacks;
};

class PartitionTest : public ::testing::Test {
 protected:
  PartitionTest() {
    dir_ = fs::temp_directory_path() /
           fmt::format("fjord-partition-test-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    log::PartitionLogParams p;
    p.dir = dir_ / "t-0";
    p.tp = {"t", 0};
    auto log = log::PartitionLog::open(p);
    EXPECT_TRUE(log.ok());
    partition_ = std::make_shared<Partition>(p.tp, Uuid{},
                                             std::shared_ptr<log::PartitionLog>(std::move(*log)),
                                             /*local_broker_id=*/1, &sender_);
  }
  ~PartitionTest() override {
    partition_.reset();
    fs::remove_all(dir_);
  }
  Bytes batch(int records) {
    RecordBatchBuilder b;
    for (int i = 0; i < records; ++i) {
      std::string v = fmt::format("v{}", i);
      b.append(1000 + i, std::nullopt, as_bytes(v));
    }
    Bytes out;
    EXPECT_EQ(b.build(out), RecordError::kNone);
    return out;
  }
  LeaderAndIsrState leader_state(int32_t epoch, std::vector<int32_t> isr) {
    return {.controller_epoch = 1,
            .leader = 1,
            .leader_epoch = epoch,
            .partition_epoch = 0,
            .isr = std::move(isr),
            .replicas = {1, 2, 3}};
  }

  fs::path dir_;
  FakeSender sender_;
  PartitionPtr partition_;
};

TEST_F(PartitionTest, HighWatermarkIsTheSmallestIsrLogEnd) {
  partition_->make_leader(leader_state(1, {1, 2, 3}), 0);
  Bytes b = batch(5);
  ASSERT_TRUE(partition_->append_as_leader(b, -1).ok());
  EXPECT_EQ(partition_->log().high_watermark(), 0);
  EXPECT_EQ(partition_->check_replicated(5), std::nullopt);
  partition_->update_follower_fetch(2, 5, 10);
  EXPECT_EQ(partition_->log().high_watermark(), 0);  // broker 3 has not fetched
  partition_->update_follower_fetch(3, 3, 10);
  EXPECT_EQ(partition_->log().high_watermark(), 3);
  partition_->update_follower_fetch(3, 5, 10);
  EXPECT_EQ(partition_->log().high_watermark(), 5);
  EXPECT_EQ(partition_->check_replicated(5), ErrorCode::kNone);
}

TEST_F(PartitionTest, MinInsyncReplicasGatesAcksAllAndTheHighWatermark) {
  partition_->set_min_insync_replicas(2);
  partition_->make_leader(leader_state(1, {1}), 0);
  Bytes b = batch(1);
  auto r = partition_->append_as_leader(b, -1);
  EXPECT_EQ(r.error(), ErrorCode::kNotEnoughReplicas);
  EXPECT_EQ(partition_->log().log_end_offset(), 0);      // refused before the append
  ASSERT_TRUE(partition_->append_as_leader(b, 1).ok());  // acks=1 is not gated
  // DESIGN.md's rule: with the ISR below min.insync.replicas the high watermark stays put.
  EXPECT_EQ(partition_->log().high_watermark(), 0);

  // Broker 2 catches up: proposed, counted in the maximal ISR at once, confirmed later.
  partition_->update_follower_fetch(2, 1, 10);
  ASSERT_EQ(sender_.changes.size(), 1u);
  EXPECT_EQ(sender_.changes[0].new_isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(partition_->log().high_watermark(), 1);
  EXPECT_EQ(partition_->isr(), (std::vector<int32_t>{1}));
  sender_.accept_last();
  EXPECT_EQ(partition_->isr(), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(partition_->partition_epoch(), 1);
  Bytes b2 = batch(1);
  ASSERT_TRUE(partition_->append_as_leader(b2, -1).ok());
}

TEST_F(PartitionTest, LaggingFollowerIsShrunkAndAcksAllThenFailsAfterAppend) {
  partition_->set_min_insync_replicas(2);
  partition_->make_leader(leader_state(1, {1, 2}), /*now_ms=*/0);
  Bytes b = batch(2);
  ASSERT_TRUE(partition_->append_as_leader(b, -1).ok());
  partition_->maybe_shrink_isr(/*now_ms=*/100, /*lag_max_ms=*/1000);
  EXPECT_TRUE(sender_.changes.empty());  // within replica.lag.time.max.ms
  partition_->maybe_shrink_isr(2000, 1000);
  ASSERT_EQ(sender_.changes.size(), 1u);
  EXPECT_EQ(sender_.changes[0].new_isr, (std::vector<int32_t>{1}));
  sender_.accept_last();
  EXPECT_EQ(partition_->isr(), (std::vector<int32_t>{1}));
  Bytes b2 = batch(1);
  EXPECT_EQ(partition_->append_as_leader(b2, -1).error(), ErrorCode::kNotEnoughReplicas);
  // Broker 2 comes back: it catches up, is added, and the earlier append commits.
  partition_->update_follower_fetch(2, 2, 2100);
  ASSERT_EQ(sender_.changes.size(), 2u);
  sender_.accept_last();
  EXPECT_EQ(partition_->check_replicated(2), ErrorCode::kNone);
}

TEST_F(PartitionTest, LeaderEpochChecks) {
  partition_->make_leader(leader_state(5, {1, 2, 3}), 0);
  EXPECT_EQ(partition_->check_leader_and_isr(leader_state(4, {1})),
            ErrorCode::kStaleControllerEpoch);
  EXPECT_EQ(partition_->check_leader_and_isr(leader_state(5, {1})),
            ErrorCode::kStaleControllerEpoch);
  EXPECT_EQ(partition_->check_leader_and_isr(leader_state(6, {1})), ErrorCode::kNone);
  EXPECT_EQ(partition_->check_current_leader_epoch(4), ErrorCode::kFencedLeaderEpoch);
  EXPECT_EQ(partition_->check_current_leader_epoch(6), ErrorCode::kUnknownLeaderEpoch);
  EXPECT_EQ(partition_->check_current_leader_epoch(5), ErrorCode::kNone);
  EXPECT_EQ(partition_->check_current_leader_epoch(-1), ErrorCode::kNone);
  // The new epoch starts at the log end in the leader-epoch-checkpoint.
  EXPECT_EQ(partition_->log().leader_epoch_cache().latest_epoch(), 5);
}

TEST_F(PartitionTest, FollowerRefusesProduceAndWakesWaiters) {
  partition_->make_leader(leader_state(1, {1, 2, 3}), 0);
  Bytes b = batch(1);
  ASSERT_TRUE(partition_->append_as_leader(b, -1).ok());
  bool woken = false;
  partition_->on_next_append([&] { woken = true; });
  LeaderAndIsrState s = leader_state(2, {2, 3});
  s.leader = 2;
  EXPECT_TRUE(partition_->make_follower(s));
  EXPECT_TRUE(woken);
  EXPECT_EQ(partition_->check_replicated(1), ErrorCode::kNotLeaderOrFollower);
  Bytes b2 = batch(1);
  EXPECT_EQ(partition_->append_as_leader(b2, 1).error(), ErrorCode::kNotLeaderOrFollower);
  EXPECT_FALSE(partition_->make_follower(s));  // same leader and epoch: no refetch
}

}  // namespace
}  // namespace fjord
