// The Flume-to-broker pipeline of the seed document (section 三): a Flume 1.11 agent (bin/flume-ng,
// from the jar cache) with the seed's fk.conf, changed only in host names and ports (avro
// source, memory channel, KafkaSink with the old keys topic/brokerList/requiredAcks/batchSize),
// our RpcClientDemo (flume/RpcClientDemo.java, compiled with javac into the build dir) sending
// events with Flume's default avro RPC client, and bin/kafka-console-consumer.sh --from-beginning
// --topic testflume receiving every one. Then the current key names (kafka.bootstrap.servers,
// kafka.producer.acks=all, flumeBatchSize) with 100,000 events, none lost, counted at the
// consumer. Against the broker FJORD_TEST_TARGET names, a fresh one per test.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/console_output.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/java_program.h"
#include "integration-tests/harness/paths.h"
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

constexpr std::string_view kFlume = "flume-1.11.0";

// Replaces the one occurrence of `from` (throws if there is not exactly one).
void replace_once(std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    throw HarnessError("expected exactly one '" + from + "' in the agent configuration");
  }
  text.replace(at, from.size(), to);
}

// The seed's hosts and ports (node1..node3, 9092, 41414) replaced by the test's.
std::string localised_conf(const std::string& file, uint16_t avro_port,
                           const std::string& bootstrap) {
  std::string conf = read_file(source_dir() / "integration-tests/flume" / file);
  replace_once(conf, "bind = node3", "bind = 127.0.0.1");
  replace_once(conf, "port = 41414", "port = " + std::to_string(avro_port));
  replace_once(conf, "node1:9092,node2:9092,node3:9092", bootstrap);
  return conf;
}

// RpcClientDemo HOST PORT COUNT BATCH BODY; prints "sent N events, R retries".
CommandResult send_events(uint16_t avro_port, int count, int batch, const std::string& body) {
  const std::filesystem::path classes =
      compile_java("integration-tests/flume/RpcClientDemo.java", kFlume);
  return run_command(java_program_command(classes, kFlume, "RpcClientDemo",
                                          {"127.0.0.1", std::to_string(avro_port),
                                           std::to_string(count), std::to_string(batch), body}),
                     {.timeout = 300s});
}

// bin/<script> with the default tool version (2.8), as the seed's user runs it.
CommandResult wrapper(const std::string& script, const std::vector<std::string>& args,
                      RunOptions options = {}) {
  std::vector<std::string> argv = {(source_dir() / "bin" / script).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, options);
}

class FlumePipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = make_broker();
    if (broker_->unavailable_reason()) return;
    broker_->start();
    // As the seed: the topic first (3 partitions; replication factor 1 on one broker).
    CommandResult created = wrapper(
        "kafka-topics.sh", {"--bootstrap-server", broker_->bootstrap(), "--create", "--topic",
                            "testflume", "--partitions", "3", "--replication-factor", "1"});
    ASSERT_TRUE(created.ok()) << created.describe();
  }

  // bin/flume-ng agent -n a1 -c conf -f conf/fk.conf -Dflume.root.logger=INFO,console, in the
  // test's dir; returns once the avro source accepts connections.
  void start_agent(const std::string& conf_file) {
    avro_port_ = free_port();
    std::filesystem::create_directories(dir_ / "conf");
    write_file(dir_ / "conf/fk.conf", localised_conf(conf_file, avro_port_, broker_->bootstrap()));
    agent_ = Process::spawn({.argv = {(source_dir() / "bin/flume-ng").string(), "agent", "-n",
                                      "a1", "-c", "conf", "-f", "conf/fk.conf",
                                      "-Dflume.root.logger=INFO,console"},
                             .cwd = dir_.path(),
                             .log_file = agent_log()});
    ASSERT_TRUE(wait_for([&] { return port_accepts(avro_port_) || !agent_.running(); }, 90s));
    ASSERT_TRUE(agent_.running()) << tail_file(agent_log());
  }

  std::filesystem::path agent_log() const { return dir_ / "flume.log"; }

  // kafka-console-consumer --from-beginning --topic testflume, until `count` messages or 30 s
  // without one.
  CommandResult consume(int count) {
    return wrapper("kafka-console-consumer.sh",
                   {"--bootstrap-server", broker_->bootstrap(), "--from-beginning", "--topic",
                    "testflume", "--max-messages", std::to_string(count), "--timeout-ms",
                    "30000"},
                   {.timeout = 300s});
  }

  // Sum of the partitions' end offsets: every record the sink stored, duplicates included.
  int64_t stored_records() {
    CommandResult r =
        run_command({(source_dir() / "bin/kafka-get-offsets.sh").string(), "--bootstrap-server",
                     broker_->bootstrap(), "--topic", "testflume"},
                    {.env = {{"FJORD_KAFKA_VERSION", "3.9"}}});
    EXPECT_TRUE(r.ok()) << r.describe();
    int64_t sum = 0;
    for (const std::string& line : lines_of(r.out)) {  // testflume:<partition>:<end offset>
      sum += std::stoll(line.substr(line.rfind(':') + 1));
    }
    return sum;
  }

  std::unique_ptr<Broker> broker_;
  TempDir dir_{"fjord-flume"};
  uint16_t avro_port_ = 0;
  Process agent_;  // declared after broker_: the agent stops before the broker
};

TEST_F(FlumePipeline, SeedConfigWithOldKeysDeliversEveryEventToTheConsoleConsumer) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  ASSERT_NO_FATAL_FAILURE(start_agent("fk.conf"));

  // The seed's demo: ten "Hello Flume!" events, one append() each.
  CommandResult sent = send_events(avro_port_, 10, 1, "Hello Flume!");
  ASSERT_TRUE(sent.ok()) << sent.describe();
  ASSERT_EQ(lines_of(sent.out), std::vector<std::string>{"sent 10 events, 0 retries"})
      << sent.describe();

  CommandResult consumed = consume(10);
  ASSERT_TRUE(consumed.ok()) << consumed.describe() << tail_file(agent_log());
  EXPECT_EQ(lines_of(consumed.out), std::vector<std::string>(10, "Hello Flume!"))
      << consumed.describe();
  EXPECT_EQ(stored_records(), 10);

  // The old keys were the ones in use: the sink translated each, and the producer got acks=1.
  const std::string log = read_file(agent_log());
  for (const char* key : {"topic", "brokerList", "requiredAcks", "batchSize"}) {
    EXPECT_TRUE(contains(log, std::string(key) + " is deprecated")) << key;
  }
  EXPECT_TRUE(contains(log, "\tacks = 1\n")) << tail_file(agent_log());
  // Flume 1.11's KafkaSink runs the kafka-clients 2.7.2 producer (Produce v8, record batches).
  EXPECT_TRUE(contains(log, "Kafka version: 2.7.2")) << tail_file(agent_log());
}

TEST_F(FlumePipeline, CurrentKeysCarry100000EventsNoneLost) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  ASSERT_NO_FATAL_FAILURE(start_agent("fk-current.conf"));

  constexpr int kEvents = 100000;
  CommandResult sent = send_events(avro_port_, kEvents, 100, "event-%d");
  ASSERT_TRUE(sent.ok()) << sent.describe();
  std::vector<std::string> report = lines_of(sent.out);
  ASSERT_EQ(report.size(), 1u) << sent.describe();
  ASSERT_TRUE(report[0].starts_with("sent 100000 events, ")) << sent.describe();
  const bool retried = report[0] != "sent 100000 events, 0 retries";

  CommandResult consumed = consume(kEvents);
  std::vector<std::string> lines = lines_of(consumed.out);
  std::set<int> seen;
  for (const std::string& line : lines) {
    ASSERT_TRUE(line.starts_with("event-")) << line;
    seen.insert(std::stoi(line.substr(6)));
  }
  ASSERT_TRUE(consumed.ok()) << consumed.describe() << tail_file(agent_log());
  EXPECT_EQ(lines.size(), static_cast<size_t>(kEvents));
  // None lost: every number 0..99999 arrived.
  EXPECT_EQ(seen.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), kEvents - 1);
  // And, when the sender never had to retry, none twice.
  if (!retried) {
    EXPECT_EQ(stored_records(), kEvents);
  }

  const std::string log = read_file(agent_log());
  EXPECT_FALSE(contains(log, "is deprecated")) << tail_file(agent_log());
  EXPECT_TRUE(contains(log, "\tacks = -1\n"))
      << tail_file(agent_log());
}

}  // namespace
}  // namespace fjord::itest
