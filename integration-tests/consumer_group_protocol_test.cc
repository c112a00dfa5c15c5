// The KIP-848 consumer group protocol (group.protocol=consumer) with Kafka 4.1's own tools:
// two kafka-console-consumers share a 4-partition topic through ConsumerGroupHeartbeat (the
// server-side uniform assignor splits it 2+2, the first member revoking before the second gets
// its partitions), kafka-consumer-groups --describe (ConsumerGroupDescribe) shows both members
// and a Stable group, every message is consumed, and when one consumer exits (leaving with
// member epoch -1) the other takes all four partitions. Against Kafka 3.9 the broker needs
// group.coordinator.rebalance.protocols=classic,consumer (KRaft only), and so does Fjord,
// whose default is 3.9's (classic).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/console_output.h"
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
constexpr const char* kTopic = "kip848-topic";
constexpr const char* kGroup = "kip848-group";
constexpr int32_t kPartitions = 4;

TEST(ConsumerGroupProtocol, TwoConsoleConsumersShareATopicAndDescribeShowsThem) {
  auto broker =
      make_broker({.overrides = {{"group.coordinator.rebalance.protocols", "classic,consumer"}}});
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  broker->start();
  const std::string bs = broker->bootstrap();
  create_topic(bs, kTopic, kPartitions);
  JavaTool kafka("kafka-4.1.0");
  TempDir dir("kip848");

  Producer producer(bs, {});
  size_t seq = 0;
  auto produce = [&](int n) {
    for (int i = 0; i < n; ++i, ++seq) {
      std::string v = "m";
      v += std::to_string(seq);
      producer.produce(kTopic, static_cast<int32_t>(seq % kPartitions), v, v, 0, {}, seq);
    }
    ASSERT_TRUE(producer.flush());
  };
  produce(40);

  auto consumer = [&](const std::string& name) {
    std::string client_id = "client.id=";
    client_id += name;
    return Process::spawn(
        {.argv =
             kafka.command(kConsole, {"--bootstrap-server", bs, "--topic", kTopic, "--group",
                                      kGroup, "--from-beginning", "--consumer-property",
                                      "group.protocol=consumer", "--consumer-property", client_id}),
         .log_file = dir / (std::string(name) += ".log")});
  };
  auto describe = [&](const std::string& what) {
    return kafka.run(kGroups, {"--bootstrap-server", bs, "--describe", "--group", kGroup, what},
                     {.timeout = 60s});
  };

  Process a = consumer("consumer-a");
  ASSERT_TRUE(wait_for([&] { return printed_values(dir / "consumer-a.log").size() == 40; }, 90s))
      << tail_file(dir / "consumer-a.log");

  Process b = consumer("consumer-b");
  // The uniform assignor gives each member two partitions once b has joined and a revoked.
  std::string last;
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = describe("--members");
        last = r.out + r.err;
        auto m = described_members(r.out, kGroup);
        return m.size() == 2 &&
               std::all_of(m.begin(), m.end(), [](const auto& kv) { return kv.second == 2; });
      },
      120s, 1s))
      << last << "\nconsumer-a:\n"
      << tail_file(dir / "consumer-a.log") << "\nconsumer-b:\n"
      << tail_file(dir / "consumer-b.log");

  auto state = describe("--state");
  ASSERT_TRUE(state.ok()) << state.describe();
  // GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS
  EXPECT_NE(state.out.find("uniform"), std::string::npos) << state.out;
  EXPECT_NE(state.out.find("Stable"), std::string::npos) << state.out;

  // New messages reach both members; together they read everything.
  produce(40);
  ASSERT_TRUE(wait_for(
      [&] {
        auto all = printed_values(dir / "consumer-a.log");
        auto from_b = printed_values(dir / "consumer-b.log");
        all.insert(from_b.begin(), from_b.end());
        return all.size() == 80 && !from_b.empty();
      },
      90s))
      << "consumer-a:\n"
      << tail_file(dir / "consumer-a.log") << "\nconsumer-b:\n"
      << tail_file(dir / "consumer-b.log");

  // b exits (it leaves the group with member epoch -1): a takes all four partitions.
  b.stop();
  ASSERT_TRUE(wait_for(
      [&] {
        auto r = describe("--members");
        last = r.out + r.err;
        auto m = described_members(r.out, kGroup);
        return m.size() == 1 && m.begin()->second == kPartitions;
      },
      120s, 1s))
      << last;
  a.stop();
}

}  // namespace
}  // namespace fjord::itest
