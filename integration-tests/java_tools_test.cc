// The official Java console tools of Kafka 3.9 and 4.1, run against the broker under test
// (FJORD_TEST_TARGET): kafka-topics (--create/--list/--describe/--alter --partitions/--delete),
// kafka-console-producer then kafka-console-consumer --from-beginning --partition 0,
// kafka-configs (--describe/--alter --add-config/--delete-config on a topic) and
// kafka-get-offsets. One broker serves both tool bundles; each bundle uses its own topics.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/console_output.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

struct Bundle {
  std::string name;
  std::string topic_command;
  std::string console_producer;
  std::string console_consumer;
  std::string config_command;
  std::string get_offsets;
};

const Bundle kKafka39{"kafka-3.9.0",
                      "org.apache.kafka.tools.TopicCommand",
                      "kafka.tools.ConsoleProducer",
                      "org.apache.kafka.tools.consumer.ConsoleConsumer",
                      "kafka.admin.ConfigCommand",
                      "org.apache.kafka.tools.GetOffsetShell"};
const Bundle kKafka41{"kafka-4.1.0",
                      "org.apache.kafka.tools.TopicCommand",
                      "org.apache.kafka.tools.ConsoleProducer",
                      "org.apache.kafka.tools.consumer.ConsoleConsumer",
                      "kafka.admin.ConfigCommand",
                      "org.apache.kafka.tools.GetOffsetShell"};

// The per-partition lines of kafka-topics --describe.
std::vector<std::string> partition_lines(const std::string& out) {
  std::vector<std::string> lines;
  for (const std::string& line : lines_of(out)) {
    if (contains(line, "Partition: ")) lines.push_back(line);
  }
  return lines;
}

class JavaTools : public ::testing::TestWithParam<Bundle> {
 protected:
  static void SetUpTestSuite() {
    broker_ = make_broker().release();
    if (!broker_->unavailable_reason()) broker_->start();
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  CommandResult run(const std::string& main_class, std::vector<std::string> args,
                    const RunOptions& options = {}) {
    args.insert(args.begin(), {"--bootstrap-server", broker_->bootstrap()});
    return tool_.run(main_class, args, options);
  }
  CommandResult topics(std::vector<std::string> args) {
    return run(GetParam().topic_command, std::move(args));
  }
  CommandResult configs(std::vector<std::string> args) {
    args.insert(args.begin(), {"--entity-type", "topics"});
    return run(GetParam().config_command, std::move(args));
  }
  // A topic name of this bundle (the bundles share one broker).
  std::string topic(const std::string& base) const {
    std::string name = base + "-" + GetParam().name;
    for (char& c : name) {
      if (c == '.') c = '_';
    }
    return name;
  }

  static Broker* broker_;
  JavaTool tool_{GetParam().name};
};

Broker* JavaTools::broker_ = nullptr;

TEST_P(JavaTools, KafkaTopicsCreatesListsDescribesGrowsAndDeletesATopic) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  const std::string name = topic("topics");
  CommandResult created =
      topics({"--create", "--topic", name, "--partitions", "2", "--replication-factor", "1"});
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_TRUE(contains(created.out, "Created topic " + name + ".")) << created.out;

  CommandResult listed = topics({"--list"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  EXPECT_TRUE(contains(listed.out, name + "\n")) << listed.out;

  CommandResult described = topics({"--describe", "--topic", name});
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "PartitionCount: 2")) << described.out;
  EXPECT_TRUE(contains(described.out, "ReplicationFactor: 1")) << described.out;
  std::vector<std::string> parts = partition_lines(described.out);
  ASSERT_EQ(parts.size(), 2u) << described.out;
  for (size_t p = 0; p < parts.size(); ++p) {
    const std::string id = std::to_string(broker_->id());
    EXPECT_TRUE(contains(parts[p], "Partition: " + std::to_string(p) + "\t")) << parts[p];
    EXPECT_TRUE(contains(parts[p], "Leader: " + id + "\t")) << parts[p];
    EXPECT_TRUE(contains(parts[p], "Replicas: " + id + "\t")) << parts[p];
    EXPECT_TRUE(contains(parts[p], "Isr: " + id)) << parts[p];
  }

  CommandResult altered = topics({"--alter", "--topic", name, "--partitions", "5"});
  ASSERT_TRUE(altered.ok()) << altered.describe();
  described = topics({"--describe", "--topic", name});
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "PartitionCount: 5")) << described.out;
  EXPECT_EQ(partition_lines(described.out).size(), 5u) << described.out;

  // Shrinking is refused, as Kafka refuses it.
  CommandResult shrunk = topics({"--alter", "--topic", name, "--partitions", "3"});
  EXPECT_FALSE(shrunk.ok()) << shrunk.describe();
  EXPECT_TRUE(contains(shrunk.out + shrunk.err, "would not be an increase")) << shrunk.describe();

  CommandResult deleted = topics({"--delete", "--topic", name});
  ASSERT_TRUE(deleted.ok()) << deleted.describe();
  EXPECT_TRUE(wait_for(
      [&] {
        CommandResult l = topics({"--list"});
        return l.ok() && !contains(l.out, name + "\n");
      },
      30s, 500ms));
}

TEST_P(JavaTools, ConsoleProducerThenConsumerFromBeginningAndGetOffsets) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  const std::string name = topic("console");
  ASSERT_TRUE(
      topics({"--create", "--topic", name, "--partitions", "1", "--replication-factor", "1"}).ok());
  const std::vector<std::string> sent = {"first line", "second line", "third: with colon", "fourth",
                                         "fifth and last"};
  std::string input;
  for (const auto& line : sent) input += line + "\n";
  CommandResult produced =
      run(GetParam().console_producer, {"--topic", name}, {.stdin_data = input, .timeout = 60s});
  ASSERT_TRUE(produced.ok()) << produced.describe();

  CommandResult consumed =
      run(GetParam().console_consumer,
          {"--topic", name, "--from-beginning", "--partition", "0", "--max-messages",
           std::to_string(sent.size()), "--timeout-ms", "30000"});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  EXPECT_EQ(lines_of(consumed.out), sent) << consumed.describe();

  CommandResult offsets = run(GetParam().get_offsets, {"--topic", name});
  ASSERT_TRUE(offsets.ok()) << offsets.describe();
  EXPECT_EQ(lines_of(offsets.out), std::vector<std::string>{name + ":0:5"}) << offsets.out;
  CommandResult earliest = run(GetParam().get_offsets, {"--topic", name, "--time", "-2"});
  ASSERT_TRUE(earliest.ok()) << earliest.describe();
  EXPECT_EQ(lines_of(earliest.out), std::vector<std::string>{name + ":0:0"}) << earliest.out;
}

TEST_P(JavaTools, KafkaConfigsAltersAndDescribesTopicConfigs) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  const std::string name = topic("configs");
  ASSERT_TRUE(topics({"--create", "--topic", name, "--partitions", "1", "--replication-factor", "1",
                      "--config", "retention.ms=3600000"})
                  .ok());
  CommandResult added = configs({"--entity-name", name, "--alter", "--add-config",
                                 "max.message.bytes=2000000,cleanup.policy=compact"});
  ASSERT_TRUE(added.ok()) << added.describe();
  EXPECT_TRUE(contains(added.out, "Completed updating config for topic " + name + "."))
      << added.out;

  CommandResult described = configs({"--entity-name", name, "--describe"});
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "Dynamic configs for topic " + name + " are:"))
      << described.out;
  EXPECT_TRUE(contains(described.out,
                       "  retention.ms=3600000 sensitive=false "
                       "synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=3600000}\n"))
      << described.out;
  EXPECT_TRUE(contains(described.out,
                       "  max.message.bytes=2000000 sensitive=false "
                       "synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000000, "
                       "DEFAULT_CONFIG:message.max.bytes=1048588}\n"))
      << described.out;
  EXPECT_TRUE(contains(described.out,
                       "  cleanup.policy=compact sensitive=false "
                       "synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact, "
                       "DEFAULT_CONFIG:log.cleanup.policy=delete}\n"))
      << described.out;

  CommandResult removed =
      configs({"--entity-name", name, "--alter", "--delete-config", "retention.ms,cleanup.policy"});
  ASSERT_TRUE(removed.ok()) << removed.describe();
  described = configs({"--entity-name", name, "--describe", "--all"});
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "  max.message.bytes=2000000 sensitive=false"))
      << described.out;
  EXPECT_TRUE(contains(described.out,
                       "  cleanup.policy=delete sensitive=false "
                       "synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}\n"))
      << described.out;
  EXPECT_TRUE(contains(described.out, "  retention.ms=604800000 sensitive=false synonyms={}\n"))
      << described.out;
  EXPECT_TRUE(contains(described.out,
                       "  segment.bytes=1073741824 sensitive=false "
                       "synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}\n"))
      << described.out;

  // A bad value is refused with Kafka's message.
  CommandResult bad =
      configs({"--entity-name", name, "--alter", "--add-config", "retention.ms=abc"});
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.out + bad.err,
                       "Invalid value abc for configuration retention.ms: Not a number of type "
                       "LONG"))
      << bad.describe();
}

INSTANTIATE_TEST_SUITE_P(Bundles, JavaTools, ::testing::Values(kKafka39, kKafka41),
                         [](const ::testing::TestParamInfo<Bundle>& info) {
                           return info.param.name == "kafka-3.9.0" ? std::string("Kafka39")
                                                                   : std::string("Kafka41");
                         });

}  // namespace
}  // namespace fjord::itest
