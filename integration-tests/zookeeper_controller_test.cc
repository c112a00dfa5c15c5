// The controller of a ZooKeeper-mode cluster, seen where Kafka's own ZooKeeper tools see it:
// three brokers, a topic created with Kafka 2.8's `kafka-topics --zookeeper` (which only writes
// the assignment), and the controller's decisions in the znodes: topic id, partition state
// (leader = first live replica, ISR = live replicas), re-election when a leader dies, a new
// controller when the old one's session is lost (SIGSTOP past zookeeper.session.timeout.ms), and
// the old one rejoining as a plain broker. The same test runs against Kafka 3.9 (the reference).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/wait.h"
#include "integration-tests/harness/zk_reader.h"
#include "integration-tests/harness/zookeeper.h"

namespace fjord::itest {
namespace {

using nlohmann::json;

class ZooKeeperControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int id = 1; id <= 3; ++id) {
      brokers_.push_back(make_broker({.broker_id = id,
                                      .zookeeper_connect = zookeeper_.connect_string(),
                                      .overrides = {{"offsets.topic.replication.factor", "3"}}}));
    }
    if (auto why = brokers_.front()->unavailable_reason()) GTEST_SKIP() << *why;
    zookeeper_.start();
    for (auto& b : brokers_) b->launch();
    for (auto& b : brokers_) b->wait_until_serving();
    zk_ = std::make_unique<ZkReader>(zookeeper_.connect_string());
  }
  void TearDown() override {
    for (auto& b : brokers_) {
      b->signal(SIGCONT);
      b->kill();
    }
  }

  Broker& broker(int32_t id) { return *brokers_.at(static_cast<size_t>(id - 1)); }

  // Kafka 2.8's kafka-topics --zookeeper, as in the seed document.
  CommandResult topics28(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--zookeeper", zookeeper_.connect_string()};
    all.insert(all.end(), args.begin(), args.end());
    return kafka28_.run("kafka.admin.TopicCommand", all, {.timeout = 120s});
  }

  ZooKeeper zookeeper_;
  std::vector<std::unique_ptr<Broker>> brokers_;
  std::unique_ptr<ZkReader> zk_;
  JavaTool kafka28_{"kafka-2.8.2"};
};

TEST_F(ZooKeeperControllerTest, ElectsLeadersAndMovesThemWhenBrokersDie) {
  ASSERT_TRUE(wait_for([&] { return zk_->controller_id() > 0; }, 60s));
  auto controller = zk_->read("/controller");
  ASSERT_TRUE(controller);
  EXPECT_EQ((*controller)["version"], 2);
  EXPECT_EQ((*controller)["kraftControllerEpoch"], -1);
  EXPECT_TRUE((*controller)["timestamp"].is_string());
  const int32_t epoch = zk_->controller_epoch();
  EXPECT_GE(epoch, 1);
  auto feature = zk_->read("/feature");
  ASSERT_TRUE(feature);
  EXPECT_EQ(*feature, (json{{"features", json::object()}, {"version", 2}, {"status", 1}}));

  CommandResult created = topics28({"--create", "--topic", "test", "--replication-factor", "2",
                                    "--partitions", "3"});
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_NE(created.out.find("Created topic test."), std::string::npos) << created.out;

  // The controller adds the topic id and writes every partition's state.
  ASSERT_TRUE(wait_for(
      [&] {
        auto t = zk_->read("/brokers/topics/test");
        return t && t->contains("topic_id") && zk_->state("test", 0) && zk_->state("test", 1) &&
               zk_->state("test", 2);
      },
      60s));
  std::set<int32_t> leaders;
  for (int p = 0; p < 3; ++p) {
    auto s = zk_->state("test", p);
    auto r = zk_->replicas("test", p);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ((*s)["leader"], r[0]) << s->dump();
    EXPECT_EQ((*s)["leader_epoch"], 0);
    EXPECT_EQ((*s)["version"], 1);
    EXPECT_EQ((*s)["controller_epoch"], zk_->controller_epoch());
    auto isr = (*s)["isr"].get<std::vector<int32_t>>();
    EXPECT_EQ(std::set<int32_t>(isr.begin(), isr.end()), std::set<int32_t>(r.begin(), r.end()));
    leaders.insert(r[0]);
  }
  EXPECT_EQ(leaders.size(), 3u) << "rack-unaware assignment spreads the leaders";

  CommandResult described = topics28({"--describe", "--topic", "test"});
  ASSERT_TRUE(described.ok()) << described.describe();
  for (int p = 0; p < 3; ++p) {
    auto r = zk_->replicas("test", p);
    std::string line = "Partition: " + std::to_string(p) + "\tLeader: " + std::to_string(r[0]) +
                       "\tReplicas: " + std::to_string(r[0]) + "," + std::to_string(r[1]);
    EXPECT_NE(described.out.find(line), std::string::npos) << line << "\n" << described.out;
  }

  // Kill a broker that is not the controller: the partition it led gets the other replica as
  // leader with a new leader epoch; it leaves every ISR.
  const int32_t victim = zk_->controller_id() == 3 ? 2 : 3;
  int led = -1;
  for (int p = 0; p < 3; ++p) {
    if (zk_->replicas("test", p)[0] == victim) led = p;
  }
  ASSERT_NE(led, -1);
  const int32_t successor = zk_->replicas("test", led)[1];
  broker(victim).kill();
  ASSERT_TRUE(wait_for(
      [&] {
        auto s = zk_->state("test", led);
        return s && (*s)["leader"] == successor;
      },
      60s))
      << zk_->state("test", led)->dump();
  auto moved = zk_->state("test", led);
  EXPECT_EQ((*moved)["leader_epoch"], 1);
  EXPECT_EQ((*moved)["isr"], json::array({successor}));
  EXPECT_TRUE(wait_for(
      [&] {
        for (int p = 0; p < 3; ++p) {
          auto isr = (*zk_->state("test", p))["isr"].get<std::vector<int32_t>>();
          if (std::find(isr.begin(), isr.end(), victim) != isr.end()) return false;
        }
        return true;
      },
      60s));

  // --delete: the controller removes the topic's znodes.
  CommandResult deleted = topics28({"--delete", "--topic", "test"});
  ASSERT_TRUE(deleted.ok()) << deleted.describe();
  broker(victim).start();  // Kafka waits for every replica before it completes a deletion
  EXPECT_TRUE(wait_for(
      [&] {
        return zk_->exists("/brokers/topics/test") == zk::ZkCode::kNoNode &&
               zk_->exists("/admin/delete_topics/test") == zk::ZkCode::kNoNode &&
               zk_->exists("/config/topics/test") == zk::ZkCode::kNoNode;
      },
      90s));
}

TEST_F(ZooKeeperControllerTest, LostSessionMovesTheControllerAndTheOldOneRejoins) {
  ASSERT_TRUE(wait_for([&] { return zk_->controller_id() > 0; }, 60s));
  const int32_t old_controller = zk_->controller_id();
  const int32_t old_epoch = zk_->controller_epoch();
  zk::ZkStat registered;
  ASSERT_EQ(zk_->exists("/brokers/ids/" + std::to_string(old_controller), &registered),
            zk::ZkCode::kOk);

  // Frozen past zookeeper.session.timeout.ms (6 s in the harness): its session expires.
  broker(old_controller).signal(SIGSTOP);
  ASSERT_TRUE(wait_for(
      [&] {
        int32_t now = zk_->controller_id();
        return now > 0 && now != old_controller;
      },
      60s));
  const int32_t new_controller = zk_->controller_id();
  EXPECT_GT(zk_->controller_epoch(), old_epoch);
  EXPECT_EQ(zk_->exists("/brokers/ids/" + std::to_string(old_controller)), zk::ZkCode::kNoNode);

  // The new controller serves: a topic created now gets its partition state from it.
  CommandResult created = topics28({"--create", "--topic", "after", "--replication-factor", "2",
                                    "--partitions", "2"});
  ASSERT_TRUE(created.ok()) << created.describe();
  ASSERT_TRUE(wait_for([&] { return zk_->state("after", 0) && zk_->state("after", 1); }, 60s));
  EXPECT_EQ((*zk_->state("after", 0))["controller_epoch"], zk_->controller_epoch());
  for (int p = 0; p < 2; ++p) {
    auto r = zk_->replicas("after", p);
    EXPECT_EQ(std::find(r.begin(), r.end(), old_controller), r.end())
        << "only live brokers get replicas";
  }

  // Resumed, the old controller notices the expiry, registers again and stays a follower.
  broker(old_controller).signal(SIGCONT);
  zk::ZkStat again;
  ASSERT_TRUE(wait_for(
      [&] {
        return zk_->exists("/brokers/ids/" + std::to_string(old_controller), &again) ==
               zk::ZkCode::kOk;
      },
      60s));
  EXPECT_NE(again.czxid, registered.czxid) << "a new registration (new broker epoch)";
  EXPECT_EQ(zk_->controller_id(), new_controller);
  EXPECT_TRUE(broker(old_controller).running());
}

}  // namespace
}  // namespace fjord::itest
