#include "zk/replica_assignment.h"

#include <gtest/gtest.h>

#include <map>

#include "zk/zk_data.h"

namespace fjord::zk {
namespace {

// Kafka's AdminTest.testReplicaAssignment: brokers 0..4, 10 partitions, 3 replicas, start 0.
TEST(ReplicaAssignment, MatchesKafkasRackUnawarePlacement) {
  std::string error;
  auto a = assign_replicas_rack_unaware({4, 3, 2, 1, 0}, 10, 3, 0, 0, &error);
  std::vector<std::vector<int32_t>> expected = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0},
                                                {4, 0, 1}, {0, 2, 3}, {1, 3, 4}, {2, 4, 0},
                                                {3, 0, 1}, {4, 1, 2}};
  EXPECT_EQ(a, expected);
}

TEST(ReplicaAssignment, RandomStartStillSpreadsLeadersEvenly) {
  std::string error;
  auto a = assign_replicas_rack_unaware({1, 2, 3}, 3, 2, -1, 0, &error);
  ASSERT_EQ(a.size(), 3u);
  std::map<int32_t, int> leaders;
  for (const auto& r : a) {
    ASSERT_EQ(r.size(), 2u);
    EXPECT_NE(r[0], r[1]);
    ++leaders[r[0]];
  }
  EXPECT_EQ(leaders.size(), 3u);
}

TEST(ReplicaAssignment, RefusesMoreReplicasThanBrokers) {
  std::string error;
  EXPECT_TRUE(assign_replicas_rack_unaware({1, 2}, 3, 3, -1, 0, &error).empty());
  EXPECT_EQ(error, "Replication factor: 3 larger than available brokers: 2.");
}

TEST(ReplicaAssignment, AddedPartitionsContinueFromPartitionZerosLeader) {
  EXPECT_EQ(start_index_for_added_partitions({1, 2, 3}, 2), 1);
  std::string error;
  auto a = assign_replicas_rack_unaware({1, 2, 3}, 2, 1, 1, 3, &error);
  EXPECT_EQ(a, (std::vector<std::vector<int32_t>>{{2}, {3}}));
}

TEST(ZkData, TopicAndStateJsonRoundTrip) {
  // What Kafka 2.8's kafka-topics --zookeeper writes (no topic_id) parses.
  auto t = decode_topic_znode(
      R"({"version":2,"partitions":{"1":[2,1],"0":[1,2]},"adding_replicas":{},"removing_replicas":{}})");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->topic_id);
  EXPECT_EQ(t->partitions.at(1), (std::vector<int32_t>{2, 1}));
  t->topic_id = random_uuid();
  auto back = decode_topic_znode(encode_topic_znode(*t));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->topic_id, t->topic_id);
  EXPECT_EQ(back->partitions, t->partitions);

  auto s = decode_partition_state(
      R"({"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1]})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(encode_partition_state(*s),
            R"({"controller_epoch":1,"isr":[1],"leader":1,"leader_epoch":0,"version":1})");
  EXPECT_FALSE(decode_partition_state("{}"));
  EXPECT_EQ(encode_entity_config({{"retention.ms", "60000"}}),
            R"({"config":{"retention.ms":"60000"},"version":1})");
  EXPECT_EQ(decode_config_change(R"({"version":2,"entity_path":"topics/t"})"), "topics/t");
  EXPECT_EQ(decode_controller(encode_controller(3, 1)), 3);
}

}  // namespace
}  // namespace fjord::zk
