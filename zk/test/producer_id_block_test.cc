#include "zk/producer_id_block.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "zk/broker_registration.h"
#include "zk/test/zookeeper_test.h"

namespace fjord::zk {
namespace {

class ProducerIdBlockTest : public ZooKeeperTest {
 protected:
  void SetUp() override {
    chroot_ = test_chroot();
    zk_ = connect();
    ASSERT_TRUE(zk_);
    ASSERT_EQ(ensure_persistent_paths(*zk_), ZkCode::kOk);
  }
  std::unique_ptr<ZooKeeperClient> connect() { return connect_session(chroot_, 6000); }
  std::string znode() {
    std::string data;
    EXPECT_EQ(zk_->get("/latest_producer_id_block", &data), ZkCode::kOk);
    return data;
  }

  std::string chroot_;
  std::unique_ptr<ZooKeeperClient> zk_;
};

TEST_F(ProducerIdBlockTest, BlocksFollowEachOtherInKafkasZnode) {
  EXPECT_EQ(znode(), "") << "the persistent path starts empty";
  std::string error;
  auto first = claim_producer_id_block(*zk_, 2, 1000, &error);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(first->first, 0);
  EXPECT_EQ(first->last, 999);
  auto written = nlohmann::json::parse(znode());
  EXPECT_EQ(written, nlohmann::json::parse(
                         R"({"version":1,"broker":2,"block_start":"0","block_end":"999"})"));
  auto second = claim_producer_id_block(*zk_, 1, 1000, &error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(second->first, 1000);
  EXPECT_EQ(second->last, 1999);
  EXPECT_EQ(decode_producer_id_block(znode())->broker, 1);
}

TEST_F(ProducerIdBlockTest, ContinuesAfterABlockKafkaWrote) {
  // As Kafka 3.9 writes it (the controller, for an AllocateProducerIds from broker 3).
  ASSERT_EQ(zk_->set("/latest_producer_id_block",
                     R"({"version":1,"broker":3,"block_start":"5000","block_end":"5999"})"),
            ZkCode::kOk);
  std::string error;
  auto block = claim_producer_id_block(*zk_, 1, 1000, &error);
  ASSERT_TRUE(block) << error;
  EXPECT_EQ(block->first, 6000);
  EXPECT_EQ(block->last, 6999);
}

TEST_F(ProducerIdBlockTest, ConcurrentBrokersNeverShareABlock) {
  // Four brokers, each with its own session, claim blocks at once: the conditional set makes
  // the losers read again, so every block is distinct and they tile the ids from 0.
  std::vector<std::unique_ptr<ZooKeeperClient>> sessions;
  for (int i = 0; i < 4; ++i) sessions.push_back(connect());
  std::vector<std::future<std::vector<int64_t>>> claims;
  for (int i = 0; i < 4; ++i) {
    claims.push_back(std::async(std::launch::async, [&, i] {
      std::vector<int64_t> starts;
      for (int n = 0; n < 10; ++n) {
        std::string error;
        auto b = claim_producer_id_block(*sessions[i], i + 1, 100, &error);
        EXPECT_TRUE(b) << error;
        if (b) starts.push_back(b->first);
      }
      return starts;
    }));
  }
  std::set<int64_t> starts;
  for (auto& c : claims) {
    for (int64_t s : c.get()) EXPECT_TRUE(starts.insert(s).second) << "block " << s << " twice";
  }
  ASSERT_EQ(starts.size(), 40u);
  EXPECT_EQ(*starts.begin(), 0);
  EXPECT_EQ(*starts.rbegin(), 3900);
}

TEST_F(ProducerIdBlockTest, ARefusedZnodeIsAnError) {
  ASSERT_EQ(zk_->set("/latest_producer_id_block", "not json"), ZkCode::kOk);
  std::string error;
  EXPECT_FALSE(claim_producer_id_block(*zk_, 1, 1000, &error));
  EXPECT_NE(error.find("/latest_producer_id_block"), std::string::npos) << error;
  EXPECT_FALSE(decode_producer_id_block(R"({"version":1,"broker":1,"block_start":"9","block_end":"3"})"));
  EXPECT_FALSE(decode_producer_id_block(R"({"version":1,"broker":1,"block_start":0,"block_end":"3"})"));
}

}  // namespace
}  // namespace fjord::zk
