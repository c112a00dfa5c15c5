// KIP-951's current-leader hints on a three-broker ZooKeeper cluster of the target
// (FJORD_TEST_TARGET), over raw sockets. Partition 0 of `hints` has replicas 1 (leader) and 2;
// broker 3 holds no replica. Produce v10+ sent to broker 2 or 3 answers NOT_LEADER_OR_FOLLOWER
// with current_leader (leader 1 and its epoch) and broker 1's endpoint in node_endpoints; v9
// has neither field. Fetch v16 sent to broker 3 answers the same error with the same hints.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "protocol/error_code.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"
#include "protocol/records/batch_builder.h"

namespace fjord::itest {
namespace {

constexpr const char* kTopic = "hints";
constexpr int16_t kNotLeader = static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower);

Bytes one_batch() {
  RecordBatchBuilder builder;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  builder.append(now, std::nullopt, as_bytes(std::string("v")));
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

class CurrentLeaderHints : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(3);
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
    create_topic(cluster_->bootstrap(), kTopic, std::vector<std::vector<int32_t>>{{1, 2}});
    // Every broker knows the partition (the controller's UpdateMetadata reached each).
    msg::MetadataRequest req;
    req.topics = std::vector<msg::MetadataRequest::MetadataRequestTopic>{{.name = kTopic}};
    for (int32_t id : {1, 2, 3}) {
      ASSERT_TRUE(wait_for(
          [&] {
            auto r = request_once<msg::MetadataResponse>(port_of(id), req, 12);
            if (!r || r->topics.size() != 1 || r->topics[0].error_code != 0 ||
                r->topics[0].partitions.size() != 1 ||
                r->topics[0].partitions[0].leader_id != 1) {
              return false;
            }
            topic_id_ = r->topics[0].topic_id;
            leader_epoch_ = r->topics[0].partitions[0].leader_epoch;
            return true;
          },
          60s))
          << "broker " << id;
    }
  }
  uint16_t port_of(int32_t id) { return cluster_->broker(static_cast<size_t>(id - 1)).port(); }

  std::optional<msg::ProduceResponse> produce_to(int32_t broker_id, int16_t version) {
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    req.topic_data.push_back({.name = kTopic, .partition_data = {{.index = 0}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch_);
    return request_once<msg::ProduceResponse>(port_of(broker_id), req, version);
  }

  void expect_hints(int32_t leader_id, int32_t leader_epoch, const auto& node_endpoints) {
    EXPECT_EQ(leader_id, 1);
    EXPECT_EQ(leader_epoch, leader_epoch_);
    ASSERT_EQ(node_endpoints.size(), 1u);
    EXPECT_EQ(node_endpoints[0].node_id, 1);
    EXPECT_EQ(node_endpoints[0].port, port_of(1));
  }

  std::unique_ptr<Cluster> cluster_;
  Uuid topic_id_;
  int32_t leader_epoch_ = -1;
  Bytes batch_ = one_batch();
};

TEST_F(CurrentLeaderHints, ProduceToAFollowerOrANonReplicaNamesTheLeader) {
  for (int32_t broker : {2, 3}) {
    SCOPED_TRACE("broker " + std::to_string(broker));
    auto r = produce_to(broker, 10);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->responses.size(), 1u);
    ASSERT_EQ(r->responses[0].partition_responses.size(), 1u);
    const auto& p = r->responses[0].partition_responses[0];
    EXPECT_EQ(p.error_code, kNotLeader);
    expect_hints(p.current_leader.leader_id, p.current_leader.leader_epoch, r->node_endpoints);

    auto old = produce_to(broker, 9);  // before KIP-951: the error alone
    ASSERT_TRUE(old);
    EXPECT_EQ(old->responses[0].partition_responses[0].error_code, kNotLeader);
    EXPECT_EQ(old->responses[0].partition_responses[0].current_leader.leader_id, -1);
    EXPECT_TRUE(old->node_endpoints.empty());
  }
  // The leader takes it.
  auto ok = produce_to(1, 10);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->responses[0].partition_responses[0].error_code, 0);
  EXPECT_TRUE(ok->node_endpoints.empty());
}

TEST_F(CurrentLeaderHints, FetchFromANonReplicaNamesTheLeader) {
  msg::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 1 << 20;
  req.topics.push_back(
      {.topic_id = topic_id_,
       .partitions = {{.partition = 0, .fetch_offset = 0, .partition_max_bytes = 1 << 20}}});
  auto r = request_once<msg::FetchResponse>(port_of(3), req, 16);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_code, 0);
  ASSERT_EQ(r->responses.size(), 1u);
  ASSERT_EQ(r->responses[0].partitions.size(), 1u);
  const auto& p = r->responses[0].partitions[0];
  EXPECT_EQ(p.error_code, kNotLeader);
  expect_hints(p.current_leader.leader_id, p.current_leader.leader_epoch, r->node_endpoints);
}

}  // namespace
}  // namespace fjord::itest
