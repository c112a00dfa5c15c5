#include "zk/zk_metadata_store.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <new>

#include "integration-tests/harness/wait.h"
#include "zk/broker_registration.h"
#include "zk/test/zookeeper_test.h"
#include "zk/zk_data.h"

namespace fjord::zk {
namespace {

using namespace std::chrono_literals;

class ZkMetadataStoreTest : public ZooKeeperTest {
 protected:
  void SetUp() override {
    chroot_ = test_chroot();
    zk_ = connect();
    ASSERT_EQ(ensure_persistent_paths(*zk_), ZkCode::kOk);
    // Three live brokers, as their registrations would leave them.
    for (int id = 1; id <= 3; ++id) {
      BrokerInfo info{id, {{"PLAINTEXT", "127.0.0.1", 9090 + id, "PLAINTEXT"}}, {}, -1};
      std::string error;
      ASSERT_TRUE(register_broker(*zk_, info, &error)) << error;
    }
  }
  std::unique_ptr<ZooKeeperClient> connect() { return connect_session(chroot_, 6000); }
  std::unique_ptr<ZkMetadataStore> open(ZooKeeperClient& zk) {
    auto s = std::make_unique<ZkMetadataStore>(zk, ZkMetadataStoreOptions{3, 2, "cid"});
    std::string error;
    EXPECT_TRUE(s->start(&error)) << error;
    return s;
  }

  std::string chroot_;
  std::unique_ptr<ZooKeeperClient> zk_;
};

TEST_F(ZkMetadataStoreTest, CreateTopicWritesKafkasZnodes) {
  auto store = open(*zk_);
  std::shared_ptr<const TopicMetadata> created;
  StoreStatus st = store->create_topic({"t1", -1, -1, {}, {{"retention.ms", "60000"}}}, false,
                                       &created);
  ASSERT_TRUE(st.ok()) << st.message;
  std::string data;
  ASSERT_EQ(zk_->get("/brokers/topics/t1", &data), ZkCode::kOk);
  auto znode = decode_topic_znode(data);
  ASSERT_TRUE(znode);
  EXPECT_EQ(znode->topic_id, created->topic_id);
  ASSERT_EQ(znode->partitions.size(), 3u);  // num.partitions
  std::set<int32_t> leaders;
  for (const auto& [p, replicas] : znode->partitions) {
    EXPECT_EQ(replicas.size(), 2u);  // default.replication.factor
    leaders.insert(replicas.front());
  }
  EXPECT_EQ(leaders.size(), 3u);
  EXPECT_NE(data.find("\"adding_replicas\":{}"), std::string::npos) << data;
  EXPECT_NE(data.find("\"version\":3"), std::string::npos) << data;
  ASSERT_EQ(zk_->get("/config/topics/t1", &data), ZkCode::kOk);
  EXPECT_EQ(data, R"({"config":{"retention.ms":"60000"},"version":1})");
  EXPECT_TRUE(store->snapshot()->find("t1"));

  EXPECT_EQ(store->create_topic({"t1", 1, 1, {}, {}}, false, nullptr).code,
            ErrorCode::kTopicAlreadyExists);
  st = store->create_topic({"t2", 1, 4, {}, {}}, false, nullptr);
  EXPECT_EQ(st.code, ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(st.message, "Replication factor: 4 larger than available brokers: 3.");
  EXPECT_EQ(store->create_topic({"t3", -1, -1, {{1, 9}}, {}}, false, nullptr).code,
            ErrorCode::kBrokerNotAvailable);
  EXPECT_TRUE(store->create_topic({"t4", 2, 1, {}, {}}, true, nullptr).ok());
  EXPECT_EQ(zk_->exists("/brokers/topics/t4"), ZkCode::kNoNode);
}

TEST_F(ZkMetadataStoreTest, OtherBrokersFollowThroughWatches) {
  auto writer = open(*zk_);
  auto other_zk = connect();
  auto reader = open(*other_zk);
  ASSERT_TRUE(writer->create_topic({"w", 2, 3, {}, {}}, false, nullptr).ok());
  EXPECT_TRUE(itest::wait_for([&] { return reader->snapshot()->find("w") != nullptr; }, 10s, 10ms));
  ASSERT_TRUE(writer->create_partitions("w", 5, {}, false).ok());
  EXPECT_TRUE(itest::wait_for(
      [&] {
        auto t = reader->snapshot()->find("w");
        return t && t->partitions.size() == 5;
      },
      10s, 10ms));
  EXPECT_EQ(reader->snapshot()->find("w")->partitions[4].replicas.size(), 3u);
  EXPECT_EQ(writer->create_partitions("w", 4, {}, false).code, ErrorCode::kInvalidPartitions);

  ASSERT_TRUE(writer->set_topic_configs("w", {{"cleanup.policy", "compact"}}).ok());
  std::vector<std::string> changes;
  ASSERT_EQ(zk_->get_children("/config/changes", &changes), ZkCode::kOk);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "config_change_0000000000");
  std::string data;
  ASSERT_EQ(zk_->get("/config/changes/" + changes[0], &data), ZkCode::kOk);
  EXPECT_EQ(data, R"({"entity_path":"topics/w","version":2})");
  EXPECT_TRUE(itest::wait_for(
      [&] {
        auto t = reader->snapshot()->find("w");
        return t && t->configs.count("cleanup.policy") == 1;
      },
      10s, 10ms));

  // Deletion only marks the topic; the controller removes it.
  ASSERT_TRUE(writer->delete_topic("w").ok());
  EXPECT_EQ(zk_->exists("/admin/delete_topics/w"), ZkCode::kOk);
  EXPECT_TRUE(writer->delete_topic("w").ok());  // marking twice is fine
  EXPECT_EQ(writer->topics_marked_for_deletion(), std::set<std::string>{"w"});
  EXPECT_EQ(writer->delete_topic("nope").code, ErrorCode::kUnknownTopicOrPartition);
  ASSERT_EQ(zk_->remove_recursive("/brokers/topics/w"), ZkCode::kOk);
  EXPECT_TRUE(itest::wait_for([&] { return reader->snapshot()->find("w") == nullptr; }, 10s, 10ms));
}

// A store that goes while its ZooKeeper session lives on (a test's store, before the fixture's
// session) leaves no handler behind: the watch it had set on /brokers/topics fires afterwards
// and must not run on its freed memory (a SIGSEGV in CI once).
TEST_F(ZkMetadataStoreTest, AStoreThatWentLeavesNoHandlerOnTheSession) {
  // The store lives in memory the test poisons once it went (zeros: its ZooKeeper client
  // reference reads as null), so a handler left behind crashes at once, with or without ASan.
  alignas(ZkMetadataStore) std::array<std::byte, sizeof(ZkMetadataStore)> memory;
  auto* store = new (memory.data()) ZkMetadataStore(*zk_, ZkMetadataStoreOptions{3, 2, "cid"});
  std::string error;
  ASSERT_TRUE(store->start(&error)) << error;  // watches the children of /brokers/topics
  store->~ZkMetadataStore();
  std::memset(memory.data(), 0, memory.size());

  // Another owner on the same path and session is handed the same event: once it has seen the
  // new topic, the store's old watch has fired after the store went.
  std::atomic<int> seen{0};
  int probe = 0;
  zk_->on_children("/brokers/topics", [&](ZkEvent, const std::string&) { ++seen; }, &probe);
  auto other_zk = connect();
  auto writer = open(*other_zk);
  ASSERT_TRUE(writer->create_topic({"after", 1, 1, {}, {}}, false, nullptr).ok());
  EXPECT_TRUE(itest::wait_for([&] { return seen.load() == 1; }, 10s, 10ms));
  zk_->drain();  // the dispatch that ran the probe is over, and everything it could have run
  zk_->remove_owner(&probe);
  EXPECT_EQ(seen.load(), 1);
}

TEST_F(ZkMetadataStoreTest, ReadsTopicsWrittenByKafka28Tools) {
  // kafka-topics --zookeeper (2.8) writes the config and a topic znode without topic_id.
  ASSERT_EQ(zk_->create("/config/topics/old", R"({"version":1,"config":{}})",
                        CreateMode::kPersistent),
            ZkCode::kOk);
  ASSERT_EQ(zk_->create("/brokers/topics/old",
                        R"({"version":2,"partitions":{"0":[1,2],"1":[2,3]},"adding_replicas":{},"removing_replicas":{}})",
                        CreateMode::kPersistent),
            ZkCode::kOk);
  auto store = open(*zk_);
  const TopicMetadata* t = store->snapshot()->find("old");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->partitions.size(), 2u);
  EXPECT_EQ(t->partitions[1].replicas, (std::vector<int32_t>{2, 3}));
}

}  // namespace
}  // namespace fjord::zk
