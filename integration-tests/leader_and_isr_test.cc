// Two brokers in ZooKeeper mode told by hand, over raw sockets, what a controller would tell
// them (UpdateMetadata, LeaderAndIsr at a controller epoch far above any real one): broker 1
// leads partition 0 of a topic that ZooKeeper does not know, broker 2 follows it. Then acks=all
// is answered once the follower has the records, the follower refuses produce (and consumer
// fetches before v11) with NOT_LEADER_OR_FOLLOWER, stale controller and leader epochs are
// refused, and after leadership moves to broker 2 it serves the records it replicated. Passes
// against Kafka 3.9 in ZooKeeper mode and Fjord.
#include "protocol/generated/leader_and_isr.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/wait.h"
#include "integration-tests/harness/zookeeper.h"
#include "protocol/error_code.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/update_metadata.h"
#include "protocol/records/batch_builder.h"
#include "protocol/uuid.h"

namespace fjord::itest {
namespace {

constexpr int32_t kControllerEpoch = 1000;  // above what a real controller reaches in a test
constexpr int16_t kLeaderAndIsrVersion = 6;
constexpr int16_t kUpdateMetadataVersion = 7;
constexpr int16_t kProduceVersion = 9;
constexpr int16_t kFetchVersion = 12;
const std::string kTopic = "by-hand";

class LeaderAndIsrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int32_t id : {1, 2}) {
      brokers_.push_back(make_broker({.broker_id = id,
                                      .zookeeper_connect = zookeeper_.connect_string() + "/repl7",
                                      .overrides = {{"replica.fetch.wait.max.ms", "100"},
                                                    {"replica.fetch.backoff.ms", "100"}}}));
    }
    FJORD_SKIP_IF_UNAVAILABLE(*brokers_[0]);
    zookeeper_.start();
    for (auto& b : brokers_) b->start();
    topic_id_ = random_uuid();
  }

  void update_metadata(int32_t leader, int32_t leader_epoch, std::vector<int32_t> isr) {
    msg::UpdateMetadataRequest req;
    req.controller_id = 1;
    req.controller_epoch = kControllerEpoch;
    for (auto& b : brokers_) {
      req.live_brokers.push_back(
          {.id = b->id(),
           .endpoints = {{.port = b->port(), .host = "127.0.0.1", .listener = "PLAINTEXT"}},
           .rack = std::nullopt});
    }
    req.topic_states.push_back({.topic_name = kTopic, .topic_id = topic_id_});
    req.topic_states[0].partition_states.push_back({.partition_index = 0,
                                                    .controller_epoch = kControllerEpoch,
                                                    .leader = leader,
                                                    .leader_epoch = leader_epoch,
                                                    .isr = isr,
                                                    .replicas = {1, 2}});
    for (auto& b : brokers_) {
      auto resp =
          request_once<msg::UpdateMetadataResponse>(b->port(), req, kUpdateMetadataVersion, 30s);
      ASSERT_TRUE(resp);
      EXPECT_EQ(resp->error_code, 0);
    }
  }

  msg::LeaderAndIsrRequest leader_and_isr(int32_t controller_epoch, int32_t leader,
                                          int32_t leader_epoch, std::vector<int32_t> isr) {
    msg::LeaderAndIsrRequest req;
    req.controller_id = 1;
    req.controller_epoch = controller_epoch;
    req.topic_states.push_back({.topic_name = kTopic, .topic_id = topic_id_});
    req.topic_states[0].partition_states.push_back({.partition_index = 0,
                                                    .controller_epoch = controller_epoch,
                                                    .leader = leader,
                                                    .leader_epoch = leader_epoch,
                                                    .isr = isr,
                                                    .partition_epoch = leader_epoch,
                                                    .replicas = {1, 2},
                                                    .is_new = leader_epoch == 1});
    Broker& l = *brokers_[leader - 1];
    req.live_leaders.push_back({.broker_id = leader, .host_name = "127.0.0.1", .port = l.port()});
    return req;
  }

  // The partition error of a LeaderAndIsr answer (or the top-level one when set).
  std::optional<int16_t> send_leader_and_isr(Broker& b, const msg::LeaderAndIsrRequest& req) {
    auto resp = request_once<msg::LeaderAndIsrResponse>(b.port(), req, kLeaderAndIsrVersion, 30s);
    if (!resp) return std::nullopt;
    if (resp->error_code != 0) return resp->error_code;
    if (resp->topics.size() != 1 || resp->topics[0].partition_errors.size() != 1) {
      return std::nullopt;
    }
    return resp->topics[0].partition_errors[0].error_code;
  }

  std::optional<msg::ProduceResponse::PartitionProduceResponse> produce(Broker& b, int16_t acks,
                                                                        int records) {
    RecordBatchBuilder builder;
    for (int i = 0; i < records; ++i) {
      std::string v = "record-" + std::to_string(i);
      builder.append(1000 + i, std::nullopt, as_bytes(v));
    }
    Bytes batch;
    if (builder.build(batch) != RecordError::kNone) return std::nullopt;
    msg::ProduceRequest req;
    req.acks = acks;
    req.timeout_ms = 20'000;
    req.topic_data.push_back({.name = kTopic, .partition_data = {{.index = 0}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
    auto resp = request_once<msg::ProduceResponse>(b.port(), req, kProduceVersion, 30s);
    if (!resp || resp->responses.size() != 1 ||
        resp->responses[0].partition_responses.size() != 1) {
      return std::nullopt;
    }
    return resp->responses[0].partition_responses[0];
  }

  struct Fetched {
    int16_t error = 0;
    int64_t high_watermark = -1;
    size_t bytes = 0;
  };
  std::optional<Fetched> fetch(Broker& b, int64_t offset, int16_t version = kFetchVersion) {
    msg::FetchRequest req;
    req.replica_id = -1;
    req.max_wait_ms = 0;
    req.min_bytes = 0;
    req.session_epoch = -1;
    req.topics.push_back({.topic = kTopic});
    req.topics[0].partitions.push_back(
        {.partition = 0, .fetch_offset = offset, .partition_max_bytes = 1 << 20});
    auto resp = request_once<msg::FetchResponse>(b.port(), req, version, 30s);
    if (!resp || resp->responses.size() != 1 || resp->responses[0].partitions.size() != 1) {
      return std::nullopt;
    }
    const auto& p = resp->responses[0].partitions[0];
    return Fetched{p.error_code, p.high_watermark,
                   static_cast<size_t>(std::max(0, p.records.size()))};
  }

  ZooKeeper zookeeper_;
  std::vector<std::unique_ptr<Broker>> brokers_;
  Uuid topic_id_;
};

TEST_F(LeaderAndIsrTest, LeaderAndFollowerByHand) {
  Broker& one = *brokers_[0];
  Broker& two = *brokers_[1];
  update_metadata(1, 1, {1, 2});
  EXPECT_EQ(send_leader_and_isr(one, leader_and_isr(kControllerEpoch, 1, 1, {1, 2})), 0);
  EXPECT_EQ(send_leader_and_isr(two, leader_and_isr(kControllerEpoch, 1, 1, {1, 2})), 0);

  // acks=all is answered once broker 2 (in the ISR) has fetched the records.
  auto p = produce(one, -1, 10);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->error_code, 0);
  EXPECT_EQ(p->base_offset, 0);
  auto f = fetch(one, 0);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->error, 0);
  EXPECT_EQ(f->high_watermark, 10);
  EXPECT_GT(f->bytes, 0u);

  // The follower refuses producers and consumers before Fetch v11; from v11 (KIP-392) it
  // serves consumers up to the high watermark it learnt from the leader.
  auto on_follower = produce(two, 1, 1);
  ASSERT_TRUE(on_follower);
  EXPECT_EQ(on_follower->error_code, static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower));
  auto f2 = fetch(two, 0, 10);
  ASSERT_TRUE(f2);
  EXPECT_EQ(f2->error, static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower));
  std::optional<Fetched> f3;
  EXPECT_TRUE(wait_for(
      [&] {
        f3 = fetch(two, 0, 11);
        return f3 && f3->error == 0 && f3->high_watermark == 10 && f3->bytes > 0;
      },
      30s, 100ms))
      << "the follower did not serve a v11 consumer fetch up to the high watermark";

  // A deposed controller's request, and a leader epoch that is not newer, are refused.
  EXPECT_EQ(send_leader_and_isr(one, leader_and_isr(kControllerEpoch - 1, 1, 2, {1, 2})),
            static_cast<int16_t>(ErrorCode::kStaleControllerEpoch));
  EXPECT_EQ(send_leader_and_isr(one, leader_and_isr(kControllerEpoch, 1, 1, {1, 2})),
            static_cast<int16_t>(ErrorCode::kStaleControllerEpoch));

  // Leadership moves to broker 2 at epoch 2: it serves what it replicated, once broker 1 (now
  // its follower) has fetched and the high watermark covers it.
  update_metadata(2, 2, {2, 1});
  EXPECT_EQ(send_leader_and_isr(two, leader_and_isr(kControllerEpoch, 2, 2, {2, 1})), 0);
  EXPECT_EQ(send_leader_and_isr(one, leader_and_isr(kControllerEpoch, 2, 2, {2, 1})), 0);
  std::optional<Fetched> moved;
  EXPECT_TRUE(wait_for(
      [&] {
        moved = fetch(two, 0);
        return moved && moved->error == 0 && moved->high_watermark == 10 && moved->bytes > 0;
      },
      30s, 100ms))
      << "broker 2 did not serve the 10 replicated records as leader";
  auto p2 = produce(two, -1, 5);
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->error_code, 0);
  EXPECT_EQ(p2->base_offset, 10);

  // Epoch 1 ended at offset 10 in the new leader's log.
  msg::OffsetForLeaderEpochRequest q;
  q.replica_id = -1;
  q.topics.push_back(
      {.topic = kTopic,
       .partitions = {{.partition = 0, .current_leader_epoch = 2, .leader_epoch = 1}}});
  auto e = request_once<msg::OffsetForLeaderEpochResponse>(two.port(), q, 4, 30s);
  ASSERT_TRUE(e);
  ASSERT_EQ(e->topics.size(), 1u);
  EXPECT_EQ(e->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(e->topics[0].partitions[0].leader_epoch, 1);
  EXPECT_EQ(e->topics[0].partitions[0].end_offset, 10);
}

}  // namespace
}  // namespace fjord::itest
