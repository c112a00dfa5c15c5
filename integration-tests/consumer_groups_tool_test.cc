// The official tools against groups: kafka-console-consumer --group commits what it read;
// kafka-consumer-groups (Kafka 3.9 and 4.1) --list, --describe (offsets and lag),
// --reset-offsets --to-earliest --execute and --delete; a broker restart keeps the committed
// offsets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

constexpr const char* kGroups = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
constexpr const char* kConsole = "org.apache.kafka.tools.consumer.ConsoleConsumer";

class ConsumerGroupsTool : public ::testing::TestWithParam<const char*> {};

TEST_P(ConsumerGroupsTool, ConsoleConsumerGroupThenListDescribeResetDelete) {
  auto broker = make_broker();
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  broker->start();
  JavaTool kafka(GetParam());
  const std::string bs = broker->bootstrap();
  create_topic(bs, "tool-topic", 1);
  Producer producer(bs, {});
  for (size_t i = 0; i < 10; ++i) {
    const std::string v = std::to_string(i);
    producer.produce("tool-topic", 0, v, v, 0, {}, i);
  }
  ASSERT_TRUE(producer.flush());

  auto consumed = kafka.run(kConsole,
                            {"--bootstrap-server", bs, "--topic", "tool-topic", "--group",
                             "tool-group", "--from-beginning", "--max-messages", "10"},
                            {.timeout = 120s});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  EXPECT_NE(consumed.out.find("9"), std::string::npos);

  auto groups = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--bootstrap-server", bs});
    return kafka.run(kGroups, args, {.timeout = 120s});
  };
  auto list = groups({"--list"});
  ASSERT_TRUE(list.ok()) << list.describe();
  EXPECT_NE(list.out.find("tool-group"), std::string::npos) << list.out;

  auto describe = groups({"--describe", "--group", "tool-group"});
  ASSERT_TRUE(describe.ok()) << describe.describe();
  // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG ...
  EXPECT_NE(describe.out.find("tool-topic      0          10              10              0"),
            std::string::npos)
      << describe.out;

  // A running member: --describe --members shows it holding the partition; once it exits
  // (leaving the group) the group has no active member and its offsets may be reset.
  TempDir dir("groups-tool");
  Process member = Process::spawn(
      {.argv = kafka.command(kConsole, {"--bootstrap-server", bs, "--topic", "tool-topic",
                                        "--group", "tool-group"}),
       .log_file = dir / "member.log"});
  std::string last;
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = groups({"--describe", "--group", "tool-group", "--members"});
        last = r.out + r.err;
        auto m = described_members(r.out, "tool-group");
        return m.size() == 1 && m.begin()->second == 1;
      },
      120s, 1s))
      << last;
  member.stop();
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = groups({"--describe", "--group", "tool-group", "--members"});
        last = r.out + r.err;
        return r.ok() && last.find("has no active members") != std::string::npos;
      },
      60s, 1s))
      << last;

  auto reset = groups({"--reset-offsets", "--group", "tool-group", "--topic", "tool-topic",
                       "--to-earliest", "--execute"});
  ASSERT_TRUE(reset.ok()) << reset.describe();
  describe = groups({"--describe", "--group", "tool-group"});
  EXPECT_NE(describe.out.find("tool-topic      0          0               10              10"),
            std::string::npos)
      << describe.out;

  // The committed offsets survive a restart.
  broker->stop();
  broker->start();
  describe = groups({"--describe", "--group", "tool-group"});
  ASSERT_TRUE(describe.ok()) << describe.describe();
  EXPECT_NE(describe.out.find("tool-topic      0          0               10              10"),
            std::string::npos)
      << describe.out;

  auto del = groups({"--delete", "--group", "tool-group"});
  ASSERT_TRUE(del.ok()) << del.describe();
  EXPECT_NE(del.out.find("Deletion of requested consumer groups ('tool-group') was successful"),
            std::string::npos)
      << del.out;
  list = groups({"--list"});
  EXPECT_EQ(list.out.find("tool-group"), std::string::npos) << list.out;
}

INSTANTIATE_TEST_SUITE_P(Tools, ConsumerGroupsTool, ::testing::Values("kafka-3.9.0", "kafka-4.1.0"),
                         [](const auto& info) {
                           return std::string(info.param) == "kafka-3.9.0" ? "Kafka39" : "Kafka41";
                         });

}  // namespace
}  // namespace fjord::itest
