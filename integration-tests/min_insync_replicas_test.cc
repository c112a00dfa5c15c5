// Issue 7's test 5: a partition with min.insync.replicas=2 and two replicas. Its follower is
// frozen (SIGSTOP; its ZooKeeper session outlives the pause): after replica.lag.time.max.ms the
// leader shrinks the ISR to itself through AlterPartition, which the controller writes to the
// partition state znode. An acks=all produce already appended keeps waiting (the high watermark
// stays while the ISR is below min.insync.replicas) and times out; the next ones fail with
// NOT_ENOUGH_REPLICAS. Resumed (SIGCONT), the follower catches up, the leader expands the ISR
// again, and acks=all produce succeeds. The same test runs against Kafka 3.9 in ZooKeeper mode (the
// reference).
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "integration-tests/harness/zk_reader.h"

namespace fjord::itest {
namespace {

using nlohmann::json;

class MinInsyncReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The follower's pause (about 7 s) stays within its ZooKeeper session (10 s, the most the
    // harness's ZooKeeper grants), so only the leader's lag check takes it out of the ISR.
    cluster_ = std::make_unique<Cluster>(
        3, std::map<std::string, std::string>{{"replica.lag.time.max.ms", "3000"},
                                              {"zookeeper.session.timeout.ms", "10000"}});
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
    zk_ = std::make_unique<ZkReader>(cluster_->zookeeper().connect_string());
  }
  void TearDown() override {
    if (cluster_) {
      for (size_t i = 0; i < cluster_->size(); ++i) cluster_->broker(i).signal(SIGCONT);
    }
  }

  std::vector<int32_t> isr() { return zk_->isr("guarded", 0); }
  Broker& broker(int32_t id) { return cluster_->broker(static_cast<size_t>(id - 1)); }

  // Sends one message; its number.
  size_t send(Producer& producer, const std::string& value) {
    producer.produce("guarded", 0, "", value, 0, {}, next_);
    return next_++;
  }
  // Waits for the delivery report of message `seq`; its error.
  rd_kafka_resp_err_t result(Producer& producer, size_t seq) {
    if (!producer.flush(60s)) return RD_KAFKA_RESP_ERR__TIMED_OUT;
    return producer.deliveries()[seq]->error;
  }
  rd_kafka_resp_err_t produce(Producer& producer, const std::string& value) {
    return result(producer, send(producer, value));
  }

  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<ZkReader> zk_;
  size_t next_ = 0;
};

TEST_F(MinInsyncReplicasTest, RefusesAcksAllWhileTheIsrIsTooSmall) {
  const int32_t controller = zk_->wait_for_controller();
  ASSERT_GT(controller, 0);
  // Leader and follower are not the controller: a frozen controller would hold the ISR change.
  const std::vector<int32_t> others = cluster_->broker_ids_other_than(controller);
  const int32_t leader = others[0];
  const int32_t follower = others[1];
  create_topic(cluster_->bootstrap(), "guarded", {{leader, follower}},
               {{"min.insync.replicas", "2"}});
  ASSERT_TRUE(wait_for([&] { return isr().size() == 2; }, 30s));

  Producer producer(cluster_->bootstrap(),
                    {{"acks", "all"}, {"retries", "0"}, {"request.timeout.ms", "6000"}});
  ASSERT_EQ(produce(producer, "before"), RD_KAFKA_RESP_ERR_NO_ERROR);

  // A loaded machine may have delayed a fetch past replica.lag.time.max.ms: start from a full ISR.
  ASSERT_TRUE(wait_for([&] { return isr().size() == 2; }, 30s));

  // Frozen, the follower stops fetching. The produce sent now is appended while the ISR still
  // holds two replicas and waits for the follower, until the leader drops it.
  broker(follower).signal(SIGSTOP);
  const auto paused = std::chrono::steady_clock::now();
  const size_t during = send(producer, "during");
  ASSERT_TRUE(wait_for([&] { return isr() == std::vector<int32_t>{leader}; }, 30s))
      << "ISR " << json(isr()).dump();
  const auto shrink_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - paused)
                             .count();
  EXPECT_GE(shrink_ms, 3000) << "replica.lag.time.max.ms has not passed";
  // The high watermark does not advance while the ISR is below min.insync.replicas (Kafka 3.9):
  // the waiting produce times out instead of answering NOT_ENOUGH_REPLICAS_AFTER_APPEND.
  EXPECT_EQ(result(producer, during), RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  EXPECT_EQ(produce(producer, "refused"), RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  EXPECT_EQ(produce(producer, "refused again"), RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);

  // Resumed, the follower catches up and the leader takes it back into the ISR.
  broker(follower).signal(SIGCONT);
  const auto resumed = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_for([&] { return isr().size() == 2; }, 30s)) << "ISR " << json(isr()).dump();
  const auto expand_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - resumed)
                             .count();
  // The state znode is written before the leader hears the controller's AlterPartition answer:
  // produce until the leader has the ISR back too. A refused attempt appends nothing
  // (NOT_ENOUGH_REPLICAS is checked before the append), so "after" is written once.
  rd_kafka_resp_err_t after = RD_KAFKA_RESP_ERR_NO_ERROR;
  EXPECT_TRUE(wait_for(
      [&] {
        after = produce(producer, "after");
        return after != RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS;
      },
      30s));
  EXPECT_EQ(after, RD_KAFKA_RESP_ERR_NO_ERROR);
  std::printf("ISR shrank %lld ms after the follower froze, grew back %lld ms after it resumed\n",
              static_cast<long long>(shrink_ms), static_cast<long long>(expand_ms));

  // Brokers report ISR changes with AlterPartition, not through /isr_change_notification.
  std::vector<std::string> notifications;
  ASSERT_EQ(zk_->get_children("/isr_change_notification", &notifications), zk::ZkCode::kOk);
  EXPECT_TRUE(notifications.empty());

  // What was acknowledged, and what was appended before the shrink, is there; the refused
  // messages are not.
  auto consumed = consume_from_beginning(cluster_->bootstrap(), "guarded", 1, 3, 30s, 1s);
  std::vector<std::string> values;
  for (const auto& m : consumed) values.push_back(m.value.value_or(""));
  EXPECT_EQ(values, (std::vector<std::string>{"before", "during", "after"}));
}

}  // namespace
}  // namespace fjord::itest
