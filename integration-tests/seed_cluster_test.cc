// The seed document's cluster parts, on a real ZooKeeper and three brokers of the target
// (FJORD_TEST_TARGET) in ZooKeeper mode, with the seed's own commands:
//  - 二.4: kafka-topics --zookeeper --create --replication-factor 2 --partitions 3 --topic test,
//    --list, --describe (Kafka 2.8 tools), console producers --broker-list (2.8, and the seed's
//    own 0.9.0.1) to the three brokers, and the Kafka 0.9.0.1 console consumer --zookeeper
//    --from-beginning, whose group lives in ZooKeeper under /consumers (its offsets read back
//    with zookeeper-shell `get`).
//  - 三: the Flume agent with the seed's fk.conf (brokerList of three brokers) into testflume,
//    created with --zookeeper, replication factor 2.
//  - 四: acks=-1 with min.insync.replicas=2: killing a partition's leader in the middle of a
//    produce run loses no acknowledged message.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/console_output.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_program.h"
#include "integration-tests/harness/paths.h"
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

class SeedCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(3, overrides());
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
    zk_ = cluster_->zookeeper().connect_string();
  }

  virtual std::map<std::string, std::string> overrides() const { return {}; }

  // kafka-topics --zookeeper ... --create --replication-factor rf --partitions 3 (Kafka 2.8).
  void create_topic_via_zookeeper(const std::string& topic, int rf) {
    CommandResult created =
        run_bin_script("kafka-topics.sh",
                       {"--zookeeper", zk_, "--create", "--replication-factor", std::to_string(rf),
                        "--partitions", "3", "--topic", topic},
                       "2.8");
    ASSERT_TRUE(created.ok()) << created.describe();
    EXPECT_TRUE(contains(created.out, "Created topic " + topic + ".")) << created.describe();
    // Returns once every partition has a leader that the brokers know of.
    ASSERT_TRUE(wait_for(
        [&] {
          CommandResult d = run_bin_script(
              "kafka-topics.sh",
              {"--bootstrap-server", cluster_->bootstrap(), "--describe", "--topic", topic}, "2.8");
          size_t led = 0;
          for (const std::string& line : lines_of(d.out)) {
            if (contains(line, "Partition: ") && !contains(line, "Leader: none") &&
                !contains(line, "Leader: -1")) {
              ++led;
            }
          }
          return d.ok() && led == 3;
        },
        60s, 500ms));
  }

  // The 0.9 console consumer --zookeeper --from-beginning in group `group`.
  CommandResult old_consumer(const std::string& topic, const std::string& group, size_t count) {
    write_file(dir_ / (group + ".properties"), "group.id=" + group + "\n");
    return run_bin_script("kafka-console-consumer.sh",
                          {"--zookeeper", zk_, "--from-beginning", "--topic", topic,
                           "--max-messages", std::to_string(count), "--timeout-ms", "30000",
                           "--consumer.config", (dir_ / (group + ".properties")).string()},
                          "0.9", {.timeout = 120s});
  }

  std::unique_ptr<Cluster> cluster_;
  std::string zk_;
  TempDir dir_{"fjord-seed-cluster"};
};

TEST_F(SeedCluster, ConsoleSessionWithZooKeeperTools) {
  // 1-3: create, list, describe through ZooKeeper.
  ASSERT_NO_FATAL_FAILURE(create_topic_via_zookeeper("test", 2));
  CommandResult listed = run_bin_script("kafka-topics.sh", {"--zookeeper", zk_, "--list"}, "2.8");
  ASSERT_TRUE(listed.ok()) << listed.describe();
  std::vector<std::string> names = lines_of(listed.out);
  EXPECT_NE(std::find(names.begin(), names.end(), "test"), names.end()) << listed.out;
  CommandResult described = run_bin_script(
      "kafka-topics.sh", {"--zookeeper", zk_, "--describe", "--topic", "test"}, "2.8");
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "PartitionCount: 3\t")) << described.out;
  EXPECT_TRUE(contains(described.out, "ReplicationFactor: 2\t")) << described.out;
  size_t partitions = 0;
  for (const std::string& line : lines_of(described.out)) {
    if (!contains(line, "Partition: ")) continue;
    ++partitions;
    // Two replicas on two different brokers, both in sync: "Replicas: a,b\tIsr: c,d".
    const std::string replicas = line.substr(line.find("Replicas: ") + 10);
    EXPECT_EQ(std::count(replicas.begin(), replicas.begin() + replicas.find('\t'), ','), 1)
        << line;
    const std::string isr = line.substr(line.find("Isr: ") + 5);
    EXPECT_EQ(std::count(isr.begin(), isr.end(), ','), 1) << line;
  }
  EXPECT_EQ(partitions, 3u) << described.out;

  // 4: the producer on the three brokers.
  const std::vector<std::string> typed = {"hello", "from the seed", "你好", "last line"};
  std::string input;
  for (const std::string& line : typed) input += line + "\n";
  CommandResult produced = run_bin_script(
      "kafka-console-producer.sh", {"--broker-list", cluster_->bootstrap(), "--topic", "test"},
      "2.8", {.stdin_data = input, .timeout = 60s});
  ASSERT_TRUE(produced.ok()) << produced.describe();
  // ... and the seed's own 0.9 producer (Produce v1, magic 0 messages), --broker-list too.
  const std::vector<std::string> typed09 = {"from kafka 0.9", "second 0.9 line"};
  std::string input09;
  for (const std::string& line : typed09) input09 += line + "\n";
  CommandResult produced09 = run_bin_script(
      "kafka-console-producer.sh", {"--broker-list", cluster_->bootstrap(), "--topic", "test"},
      "0.9", {.stdin_data = input09, .timeout = 60s});
  ASSERT_TRUE(produced09.ok()) << produced09.describe();
  // A failed send shows only in what the 0.9 producer logs to stderr.
  EXPECT_EQ(produced09.err.find("ERROR"), std::string::npos) << produced09.describe();

  // 5: the old consumer, --zookeeper, --from-beginning.
  std::vector<std::string> want = typed;
  want.insert(want.end(), typed09.begin(), typed09.end());
  CommandResult consumed = old_consumer("test", "seed-group", want.size());
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  std::vector<std::string> got = lines_of(consumed.out);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want) << consumed.describe();

  // Its offsets are in ZooKeeper: /consumers/<group>/offsets/<topic>/<partition>, summing to
  // the number of messages.
  int64_t sum = 0;
  for (int p = 0; p < 3; ++p) {
    CommandResult got_offset = run_bin_script(
        "zookeeper-shell.sh",
        {zk_, "get", "/consumers/seed-group/offsets/test/" + std::to_string(p)}, "2.8");
    ASSERT_TRUE(got_offset.ok()) << got_offset.describe();
    // The node's data is a line of digits; the shell's "WATCHER::" / "WatchedEvent ..." lines
    // come from its event thread and may be printed before or after it.
    std::optional<int64_t> offset;
    for (const std::string& line : lines_of(got_offset.out)) {
      if (!line.empty() &&
          std::all_of(line.begin(), line.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        offset = std::stoll(line);
      }
    }
    ASSERT_TRUE(offset.has_value()) << "no offset in partition " << p << "'s znode\n"
                                    << got_offset.describe();
    sum += *offset;
  }
  EXPECT_EQ(sum, static_cast<int64_t>(want.size()));
}

TEST_F(SeedCluster, FlumeAgentIntoThreeBrokers) {
  ASSERT_NO_FATAL_FAILURE(create_topic_via_zookeeper("testflume", 2));
  const uint16_t avro_port = free_port();
  std::string conf = read_file(source_dir() / "integration-tests/flume/fk.conf");
  auto replace = [&](const std::string& from, const std::string& to) {
    size_t at = conf.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    conf.replace(at, from.size(), to);
  };
  ASSERT_NO_FATAL_FAILURE(replace("bind = node3", "bind = 127.0.0.1"));
  ASSERT_NO_FATAL_FAILURE(replace("port = 41414", "port = " + std::to_string(avro_port)));
  ASSERT_NO_FATAL_FAILURE(replace("node1:9092,node2:9092,node3:9092", cluster_->bootstrap()));
  std::filesystem::create_directories(dir_ / "conf");
  write_file(dir_ / "conf/fk.conf", conf);
  Process agent = Process::spawn(
      {.argv = {(source_dir() / "bin/flume-ng").string(), "agent", "-n", "a1", "-c", "conf", "-f",
                "conf/fk.conf", "-Dflume.root.logger=INFO,console"},
       .cwd = dir_.path(),
       .log_file = dir_ / "flume.log"});
  ASSERT_TRUE(wait_for([&] { return port_accepts(avro_port) || !agent.running(); }, 90s));
  ASSERT_TRUE(agent.running()) << tail_file(dir_ / "flume.log");

  const std::filesystem::path classes =
      compile_java("integration-tests/flume/RpcClientDemo.java", "flume-1.11.0");
  CommandResult sent = run_command(
      java_program_command(classes, "flume-1.11.0", "RpcClientDemo",
                           {"127.0.0.1", std::to_string(avro_port), "100", "1", "event-%d"}),
      {.timeout = 120s});
  ASSERT_TRUE(sent.ok()) << sent.describe();

  CommandResult consumed = old_consumer("testflume", "flume-group", 100);
  ASSERT_TRUE(consumed.ok()) << consumed.describe() << tail_file(dir_ / "flume.log");
  std::set<std::string> got;
  for (const std::string& line : lines_of(consumed.out)) got.insert(line);
  EXPECT_EQ(got.size(), 100u) << consumed.describe();
  EXPECT_TRUE(got.contains("event-0") && got.contains("event-99")) << consumed.describe();
}

class SeedClusterAcksAll : public SeedCluster {
 protected:
  std::map<std::string, std::string> overrides() const override {
    return {{"min.insync.replicas", "2"}};
  }
};

TEST_F(SeedClusterAcksAll, KillingALeaderLosesNoAcknowledgedMessage) {
  ASSERT_NO_FATAL_FAILURE(create_topic_via_zookeeper("acked", 3));
  constexpr int kMessages = 3000;
  Producer producer(cluster_->bootstrap(),
                    {{"acks", "-1"}, {"linger.ms", "5"}, {"message.timeout.ms", "60000"}});
  auto produce_range = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      std::string value = "acked-";
      value += std::to_string(i);
      producer.produce("acked", i % 3, "", value, 0, {}, i);
    }
  };
  produce_range(0, kMessages / 2);
  ASSERT_TRUE(producer.flush());

  // The leader of partition 0, from --describe.
  CommandResult described = run_bin_script(
      "kafka-topics.sh", {"--zookeeper", zk_, "--describe", "--topic", "acked"}, "2.8");
  ASSERT_TRUE(described.ok()) << described.describe();
  int leader = -1;
  for (const std::string& line : lines_of(described.out)) {
    if (contains(line, "Partition: 0\t")) {
      leader = std::stoi(line.substr(line.find("Leader: ") + 8));
    }
  }
  ASSERT_GE(leader, 1) << described.out;
  produce_range(kMessages / 2, kMessages);
  cluster_->broker(leader - 1).kill();
  ASSERT_TRUE(producer.flush(90s));

  std::set<std::string> acknowledged;
  for (int i = 0; i < kMessages; ++i) {
    const auto& d = producer.deliveries()[i];
    if (d && d->error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string value = "acked-";
      value += std::to_string(i);
      acknowledged.insert(value);
    }
  }
  EXPECT_GE(acknowledged.size(), static_cast<size_t>(kMessages / 2));

  std::vector<ConsumedMessage> consumed =
      consume_from_beginning(cluster_->bootstrap(), "acked", 3, acknowledged.size(), 90s, 2s);
  std::set<std::string> present;
  for (const ConsumedMessage& m : consumed) {
    if (m.value) present.insert(*m.value);
  }
  for (const std::string& v : acknowledged) {
    EXPECT_TRUE(present.contains(v)) << v << " was acknowledged and is gone";
  }
}

}  // namespace
}  // namespace fjord::itest
