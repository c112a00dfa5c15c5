// The seed document installs kafka_2.10-0.9.0.1; its own console tools (the kafka-0.9.0.1 jar
// bundle, FJORD_KAFKA_VERSION=0.9 in bin/) against the broker under test (FJORD_TEST_TARGET):
// kafka-console-producer --broker-list (the 0.9 Java producer: Produce v1, magic 0 messages,
// uncompressed and gzip/snappy/lz4 wrapper messages; --old-producer: the Scala producer,
// Produce v0), and the lines come out of a Kafka 3.9 console consumer. The other way round,
// the 0.9 console consumer (--new-consumer: Fetch v1, the v0 group APIs) reads lines a 3.9
// producer wrote. The seed's --zookeeper consumer needs a ZooKeeper cluster: not here.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/console_output.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/paths.h"

namespace fjord::itest {
namespace {

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines = lines_of(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

class SeedKafka09Tools : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = make_broker();
    if (broker_->unavailable_reason()) return;
    broker_->start();
    // The 0.9 kafka-topics talks only to ZooKeeper: the topic comes from the 2.8 tool.
    CommandResult created =
        run_bin_script("kafka-topics.sh",
                       {"--bootstrap-server", broker_->bootstrap(), "--create",
                        "--replication-factor", "1", "--partitions", "3", "--topic", "test"},
                       "2.8");
    ASSERT_TRUE(created.ok()) << created.describe();
  }

  // The 0.9 console producer, --broker-list as in the seed, plus `extra` options.
  void produce_09(const std::vector<std::string>& lines, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--broker-list", broker_->bootstrap(), "--topic", "test"};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = run_bin_script("kafka-console-producer.sh", args, "0.9",
                                     {.stdin_data = joined(lines), .timeout = 60s});
    ASSERT_TRUE(r.ok()) << r.describe();
    // A failed send shows only in what the 0.9 producer logs to stderr ("ERROR Error when
    // sending message to topic ..."); warnings (a topic's leader not known yet) may appear.
    EXPECT_EQ(r.err.find("ERROR"), std::string::npos) << r.describe();
  }

  std::unique_ptr<Broker> broker_;
};

TEST_F(SeedKafka09Tools, ProducerBrokerListLinesComeOutOfA39Consumer) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  std::vector<std::string> sent;
  auto batch = [&](const std::string& tag, std::vector<std::string> extra) {
    std::vector<std::string> lines = {tag + " one", tag + " two", tag + " three"};
    produce_09(lines, std::move(extra));
    sent.insert(sent.end(), lines.begin(), lines.end());
  };
  ASSERT_NO_FATAL_FAILURE(batch("plain", {}));
  ASSERT_NO_FATAL_FAILURE(batch("gzip", {"--compression-codec", "gzip"}));
  ASSERT_NO_FATAL_FAILURE(batch("snappy", {"--compression-codec", "snappy"}));
  ASSERT_NO_FATAL_FAILURE(batch("lz4", {"--compression-codec", "lz4"}));
  ASSERT_NO_FATAL_FAILURE(batch("old-producer", {"--old-producer"}));

  CommandResult consumed =
      run_bin_script("kafka-console-consumer.sh",
                     {"--bootstrap-server", broker_->bootstrap(), "--from-beginning", "--topic",
                      "test", "--max-messages", std::to_string(sent.size()), "--timeout-ms",
                      "30000", "--property", "print.timestamp=true"},
                     "3.9", {.timeout = 90s});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  // Magic 0 messages carry no timestamp: each record shows CreateTime -1.
  std::vector<std::string> want;
  for (const std::string& line : sent) want.push_back("CreateTime:-1\t" + line);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(sorted_lines(consumed.out), want) << consumed.describe();
}

TEST_F(SeedKafka09Tools, NewConsumerReadsLinesOfA39Producer) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  const std::vector<std::string> sent = {"written by 3.9", "read by 0.9", "你好", "last"};
  CommandResult produced = run_bin_script(
      "kafka-console-producer.sh", {"--bootstrap-server", broker_->bootstrap(), "--topic", "test"},
      "3.9", {.stdin_data = joined(sent), .timeout = 60s});
  ASSERT_TRUE(produced.ok()) << produced.describe();

  // The 0.9 consumer has no --timeout-ms: it stops after --max-messages (or run_command's
  // timeout kills it).
  CommandResult consumed = run_bin_script(
      "kafka-console-consumer.sh",
      {"--new-consumer", "--bootstrap-server", broker_->bootstrap(), "--from-beginning", "--topic",
       "test", "--max-messages", std::to_string(sent.size())},
      "0.9", {.timeout = 60s});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  std::vector<std::string> want = sent;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(sorted_lines(consumed.out), want) << consumed.describe();
}

}  // namespace
}  // namespace fjord::itest
