// Consumer groups on a three-broker ZooKeeper cluster (issue 7: "the group coordinator moves
// with its partition's leadership"), over raw sockets and with librdkafka:
//  - every broker answers FindCoordinator for a group with the leader of __consumer_offsets
//    partition abs(hash(group)) % 50, which Metadata names too;
//  - Metadata and DescribeCluster name the controller that /controller holds, and list the
//    three brokers;
//  - a committed offset survives the coordinator's death: after SIGKILL another broker leads
//    the partition, FindCoordinator names it, and it returns the offset (it loaded the group);
//    kafka-consumer-groups (3.9) --list and --describe through the survivors see the group;
//  - commits wait for the ISR (offsets.commit.required.acks=-1): with both followers of the
//    group's partition frozen (SIGSTOP) a commit fails with REQUEST_TIMED_OUT after
//    offsets.commit.timeout.ms, and succeeds once they resume.
// The same test runs against Kafka 3.9 in ZooKeeper mode (the reference).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/offset_commit.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "integration-tests/harness/zk_reader.h"
#include "protocol/error_code.h"
#include "protocol/generated/describe_cluster.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/offset_commit.h"

namespace fjord::itest {
namespace {

constexpr const char* kGroup = "failover-group";
constexpr const char* kTopic = "events";

// Kafka's Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions for an ASCII group id.
int32_t offsets_partition(const std::string& group, int32_t partitions) {
  uint32_t h = 0;
  for (unsigned char c : group) h = 31 * h + c;
  int32_t v = static_cast<int32_t>(h);
  v = v == INT32_MIN ? 0 : (v < 0 ? -v : v);
  return v % partitions;
}

class ClusterGroupCoordinator : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(3, overrides());
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
    zk_ = std::make_unique<ZkReader>(cluster_->zookeeper().connect_string());
  }

  virtual std::map<std::string, std::string> overrides() const { return {}; }

  // FindCoordinator v3 for kGroup: the node id, or -1 with the error.
  int32_t find_coordinator(uint16_t port) {
    msg::FindCoordinatorRequest req;
    req.key = kGroup;
    req.key_type = 0;
    auto r = request_once<msg::FindCoordinatorResponse>(port, req, 3, 30s);
    return r && r->error_code == 0 ? r->node_id : -1;
  }
  std::optional<msg::MetadataResponse> metadata(uint16_t port, std::optional<std::string> topic) {
    msg::MetadataRequest req;
    if (topic) {
      req.topics.emplace();
      msg::MetadataRequest::MetadataRequestTopic t;
      t.name = *topic;
      req.topics->push_back(t);
    }
    return request_once<msg::MetadataResponse>(port, req, 9, 30s);
  }
  int32_t offsets_leader(uint16_t port, int32_t partition) {
    auto m = metadata(port, "__consumer_offsets");
    if (!m || m->topics.empty()) return -1;
    for (const auto& p : m->topics[0].partitions) {
      if (p.partition_index == partition && p.error_code == 0) return p.leader_id;
    }
    return -1;
  }
  // OffsetCommit v2 for kTopic-0 in kGroup (a standalone commit): the partition's error code,
  // or -1 without an answer.
  int16_t raw_commit(uint16_t port, int64_t offset) {
    auto r = request_once<msg::OffsetCommitResponse>(
        port, one_partition_commit(kGroup, kTopic, offset), 2, 30s);
    return r ? one_partition_error(*r) : -1;
  }
  Broker& broker_with_id(int32_t id) { return cluster_->broker(static_cast<size_t>(id - 1)); }

  // Commits `offset` for kTopic-0 in kGroup (a standalone commit) through the brokers at
  // bootstrap.
  static rd_kafka_resp_err_t commit(const std::string& bootstrap, int64_t offset) {
    auto rk = consumer(bootstrap);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, kTopic, 0)->offset = offset;
    rd_kafka_resp_err_t err = rd_kafka_commit(rk.get(), list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk.get());
    return err;
  }
  static int64_t committed(const std::string& bootstrap) {
    auto rk = consumer(bootstrap);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, kTopic, 0);
    rd_kafka_resp_err_t err = rd_kafka_committed(rk.get(), list, 30000);
    int64_t out = err == RD_KAFKA_RESP_ERR_NO_ERROR ? list->elems[0].offset : -2000 - err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].err) out = -2000 - list->elems[0].err;
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(rk.get());
    return out;
  }
  static std::unique_ptr<rd_kafka_t, RdKafkaDeleter> consumer(const std::string& bootstrap) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", kGroup, err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    return std::unique_ptr<rd_kafka_t, RdKafkaDeleter>(rk);
  }

  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<ZkReader> zk_;
};

TEST_F(ClusterGroupCoordinator, ControllerAndBrokersInMetadataAndDescribeCluster) {
  const int32_t controller = zk_->wait_for_controller();
  ASSERT_GT(controller, 0);
  for (size_t i = 0; i < cluster_->size(); ++i) {
    const uint16_t port = cluster_->broker(i).port();
    std::optional<msg::MetadataResponse> m;
    ASSERT_TRUE(wait_for(
        [&] {
          m = metadata(port, std::nullopt);
          return m && m->brokers.size() == 3 && m->controller_id == controller;
        },
        60s))
        << "broker " << cluster_->broker(i).id() << " controller " << (m ? m->controller_id : -2);
    msg::DescribeClusterRequest req;
    auto d = request_once<msg::DescribeClusterResponse>(port, req, 0, 30s);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->error_code, 0);
    EXPECT_EQ(d->controller_id, controller) << "broker " << cluster_->broker(i).id();
    std::set<int32_t> ids;
    for (const auto& b : d->brokers) ids.insert(b.broker_id);
    EXPECT_EQ(ids, (std::set<int32_t>{1, 2, 3}));
  }
}

TEST_F(ClusterGroupCoordinator, CommittedOffsetsSurviveTheCoordinatorsDeath) {
  create_topic(cluster_->bootstrap(), kTopic, 1, {}, 3);
  const int32_t partition = offsets_partition(kGroup, 50);
  // The first lookup creates __consumer_offsets; every broker then names the same coordinator,
  // the leader of the group's partition.
  int32_t coordinator = -1;
  ASSERT_TRUE(wait_for(
      [&] {
        std::set<int32_t> answers;
        for (size_t i = 0; i < cluster_->size(); ++i) {
          answers.insert(find_coordinator(cluster_->broker(i).port()));
        }
        coordinator = *answers.begin();
        return answers.size() == 1 && coordinator > 0;
      },
      120s, 500ms));
  EXPECT_EQ(offsets_leader(cluster_->broker(0).port(), partition), coordinator);

  ASSERT_EQ(commit(cluster_->bootstrap(), 42), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(committed(cluster_->bootstrap()), 42);

  broker_with_id(coordinator).kill();
  const auto killed = std::chrono::steady_clock::now();
  std::string survivors;
  uint16_t survivor_port = 0;
  for (size_t i = 0; i < cluster_->size(); ++i) {
    if (cluster_->broker(i).id() == coordinator) continue;
    if (!survivors.empty()) survivors += ',';
    survivors += cluster_->broker(i).bootstrap();
    survivor_port = cluster_->broker(i).port();
  }
  int32_t successor = -1;
  ASSERT_TRUE(wait_for(
      [&] {
        successor = find_coordinator(survivor_port);
        return successor > 0 && successor != coordinator;
      },
      60s, 200ms))
      << "FindCoordinator still names " << successor;
  const auto moved = std::chrono::steady_clock::now();
  EXPECT_EQ(offsets_leader(survivor_port, partition), successor);
  EXPECT_EQ(committed(survivors), 42) << "the new coordinator loaded the group's offsets";
  auto ms = [&](auto t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - killed).count();
  };
  std::cerr << "[ figures  ] coordinator " << coordinator << " killed: broker " << successor
            << " named after " << ms(moved) << " ms, the offset read from it after "
            << ms(std::chrono::steady_clock::now()) << " ms\n";
  ASSERT_EQ(commit(survivors, 43), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(committed(survivors), 43);

  // ListGroups goes to every broker, DescribeGroups and OffsetFetch to the coordinator.
  JavaTool kafka("kafka-3.9.0");
  const char* groups_tool = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
  CommandResult listed = kafka.run(groups_tool, {"--bootstrap-server", survivors, "--list"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  EXPECT_NE(listed.out.find(kGroup), std::string::npos) << listed.describe();
  CommandResult described =
      kafka.run(groups_tool, {"--bootstrap-server", survivors, "--describe", "--group", kGroup});
  ASSERT_TRUE(described.ok()) << described.describe();
  // "GROUP TOPIC PARTITION CURRENT-OFFSET ...": the row of events-0 commits 43.
  bool found = false;
  std::istringstream rows(described.out);
  for (std::string line; std::getline(rows, line);) {
    std::istringstream words(line);
    std::string group, topic, partition, offset;
    words >> group >> topic >> partition >> offset;
    if (group == kGroup && topic == kTopic && partition == "0") found = offset == "43";
  }
  EXPECT_TRUE(found) << described.describe();
}

class ClusterGroupCoordinatorShortCommitTimeout : public ClusterGroupCoordinator {
 protected:
  std::map<std::string, std::string> overrides() const override {
    return {{"offsets.commit.timeout.ms", "2000"}};
  }
  void TearDown() override {
    for (size_t i = 0; i < cluster_->size(); ++i) cluster_->broker(i).signal(SIGCONT);
  }
};

TEST_F(ClusterGroupCoordinatorShortCommitTimeout, CommitsWaitForTheIsr) {
  create_topic(cluster_->bootstrap(), kTopic, 1, {}, 3);
  int32_t coordinator = -1;
  ASSERT_TRUE(wait_for(
      [&] {
        coordinator = find_coordinator(cluster_->broker(0).port());
        return coordinator > 0;
      },
      120s, 500ms));
  const uint16_t port = broker_with_id(coordinator).port();
  int16_t error = -1;
  // A commit is acknowledged first.
  ASSERT_TRUE(wait_for([&] { return (error = raw_commit(port, 7)) == 0; }, 60s, 200ms))
      << "error " << error;
  // The controller starts the ISR with the replicas it saw alive, and one that registered a
  // moment later joins once it has caught up: freeze nothing until all three are in it.
  const int32_t partition = offsets_partition(kGroup, 50);
  ASSERT_TRUE(
      wait_for([&] { return zk_->isr("__consumer_offsets", partition).size() == 3; }, 60s, 200ms))
      << "ISR of __consumer_offsets-" << partition << " never held the three brokers";

  for (size_t i = 0; i < cluster_->size(); ++i) {
    if (cluster_->broker(i).id() != coordinator) cluster_->broker(i).signal(SIGSTOP);
  }
  const auto frozen = std::chrono::steady_clock::now();
  EXPECT_EQ(raw_commit(port, 8), static_cast<int16_t>(ErrorCode::kRequestTimedOut));
  EXPECT_GE(std::chrono::steady_clock::now() - frozen, 1900ms) << "answered before the timeout";

  for (size_t i = 0; i < cluster_->size(); ++i) cluster_->broker(i).signal(SIGCONT);
  EXPECT_TRUE(wait_for([&] { return (error = raw_commit(port, 9)) == 0; }, 60s, 200ms))
      << "error " << error;
}

}  // namespace
}  // namespace fjord::itest
