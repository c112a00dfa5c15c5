// A KIP-848 consumer group (group.protocol=consumer, Kafka 4.1's console consumer) across broker
// restarts: the group's epoch, members and assignments are records in __consumer_offsets, so
// after a restart the running consumer carries on as the same member at the same epochs (no
// rebalance), an Empty group is still described with its epoch, and a new consumer resumes from
// the committed offsets. Kafka 3.9 and Fjord both need
// group.coordinator.rebalance.protocols=classic,consumer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/console_output.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/offset_fetch.h"

namespace fjord::itest {
namespace {

using Described = msg::ConsumerGroupDescribeResponse::DescribedGroup;

constexpr const char* kConsole = "org.apache.kafka.tools.consumer.ConsoleConsumer";
constexpr const char* kTopic = "kip848-restart";
constexpr const char* kGroup = "kip848-restart-group";
constexpr int32_t kPartitions = 2;

std::set<std::string> values(int from, int to) {
  std::set<std::string> out;
  for (int i = from; i < to; ++i) {
    std::string v = "m";
    v += std::to_string(i);
    out.insert(v);
  }
  return out;
}

// One request, one response over a fresh connection; nullopt while the broker does not answer.
template <typename Response, typename Request>
std::optional<Response> call(uint16_t port, const Request& req, int16_t version) {
  try {
    return request_once<Response>(port, req, version, 10s);
  } catch (const std::exception&) {
    return std::nullopt;  // refused: the broker is restarting
  }
}

std::optional<Described> describe(uint16_t port) {
  msg::ConsumerGroupDescribeRequest req;
  req.group_ids = {kGroup};
  auto resp = call<msg::ConsumerGroupDescribeResponse>(port, req, 0);
  if (!resp || resp->groups.size() != 1) return std::nullopt;
  return resp->groups[0];
}

// The sum of the group's committed offsets (-1 while the coordinator does not answer).
int64_t committed(uint16_t port) {
  msg::OffsetFetchRequest req;
  msg::OffsetFetchRequest::OffsetFetchRequestGroup g;
  g.group_id = kGroup;
  g.topics.reset();
  req.groups.push_back(g);
  auto resp = call<msg::OffsetFetchResponse>(port, req, 8);
  if (!resp || resp->groups.size() != 1 || resp->groups[0].error_code != 0) return -1;
  int64_t sum = 0;
  for (const auto& t : resp->groups[0].topics) {
    for (const auto& p : t.partitions) sum += std::max<int64_t>(p.committed_offset, 0);
  }
  return sum;
}

std::string show(const std::optional<Described>& d) {
  if (!d) return "no answer";
  std::string s = "error ";
  s += std::to_string(d->error_code);
  s += " state ";
  s += d->group_state;
  s += " epoch ";
  s += std::to_string(d->group_epoch);
  s += " members";
  for (const auto& m : d->members) {
    s += ' ';
    s += m.member_id;
    s += '@';
    s += std::to_string(m.member_epoch);
  }
  return s;
}

TEST(ConsumerGroupRestart, GroupAndOffsetsSurviveBrokerRestarts) {
  auto broker =
      make_broker({.overrides = {{"group.coordinator.rebalance.protocols", "classic,consumer"}}});
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  broker->start();
  const std::string bs = broker->bootstrap();
  const uint16_t port = broker->port();
  create_topic(bs, kTopic, kPartitions);
  JavaTool kafka("kafka-4.1.0");
  TempDir dir("kip848-restart");

  Producer producer(bs, {});
  int seq = 0;
  auto produce = [&](int n) {
    for (int i = 0; i < n; ++i, ++seq) {
      std::string v = "m";
      v += std::to_string(seq);
      producer.produce(kTopic, seq % kPartitions, v, v, 0, {}, static_cast<size_t>(seq));
    }
    ASSERT_TRUE(producer.flush());
  };
  auto consumer = [&](const std::string& name) {
    return Process::spawn(
        {.argv = kafka.command(
             kConsole, {"--bootstrap-server", bs, "--topic", kTopic, "--group", kGroup,
                        "--from-beginning", "--consumer-property", "group.protocol=consumer",
                        "--consumer-property", "auto.commit.interval.ms=500", "--consumer-property",
                        std::string("client.id=").append(name)}),
         .log_file = dir / std::string(name).append(".log")});
  };
  auto restart = [&] {
    const int code = broker->stop();
    // Kafka exits 143 (128 + SIGTERM) from its shutdown hook, Fjord 0: both are clean.
    EXPECT_TRUE(code == 0 || code == 143) << "exit code " << code;
    broker->start();
  };
  std::optional<Described> d;

  produce(20);
  Process a = consumer("consumer-a");
  Process b = consumer("consumer-b");
  ASSERT_TRUE(wait_for(
      [&] {
        d = describe(port);
        return d && d->error_code == 0 && d->group_state == "Stable" && d->members.size() == 2;
      },
      120s, 500ms))
      << show(d);
  // b leaves: the group epoch moves past what a new group would start with.
  b.stop();
  ASSERT_TRUE(wait_for(
      [&] {
        d = describe(port);
        return d && d->error_code == 0 && d->group_state == "Stable" && d->members.size() == 1 &&
               d->members[0].assignment.topic_partitions.size() == 1 &&
               d->members[0].assignment.topic_partitions[0].partitions.size() == kPartitions;
      },
      120s, 500ms))
      << show(d);
  ASSERT_TRUE(wait_for([&] { return committed(port) == 20; }, 60s)) << committed(port);
  const Described before = *d;
  ASSERT_GE(before.group_epoch, 3) << show(d);

  // 1. A restart with the consumer running: the same member at the same epochs, no rebalance.
  restart();
  ASSERT_TRUE(wait_for(
      [&] {
        d = describe(port);
        return d && d->error_code == 0;
      },
      60s, 500ms))
      << show(d);
  EXPECT_EQ(d->group_epoch, before.group_epoch) << show(d);
  ASSERT_EQ(d->members.size(), 1u) << show(d);
  EXPECT_EQ(d->members[0].member_id, before.members[0].member_id);
  EXPECT_EQ(d->members[0].member_epoch, before.members[0].member_epoch);
  EXPECT_EQ(d->members[0].assignment, before.members[0].assignment);
  produce(20);
  // a reads the new messages; a and b together read each message once.
  auto contains = [](const std::set<std::string>& all, const std::set<std::string>& part) {
    return std::includes(all.begin(), all.end(), part.begin(), part.end());
  };
  ASSERT_TRUE(wait_for(
      [&] { return contains(printed_values(dir / "consumer-a.log"), values(20, 40)); }, 90s))
      << tail_file(dir / "consumer-a.log");
  {
    auto from_a = printed_values(dir / "consumer-a.log");
    auto from_b = printed_values(dir / "consumer-b.log");
    std::set<std::string> all = from_a;
    all.insert(from_b.begin(), from_b.end());
    EXPECT_EQ(all, values(0, 40));
  }
  ASSERT_TRUE(wait_for([&] { return committed(port) == 40; }, 60s)) << committed(port);
  d = describe(port);
  ASSERT_TRUE(d && d->error_code == 0) << show(d);
  EXPECT_EQ(d->group_epoch, before.group_epoch) << "the member rejoined after the restart";
  ASSERT_EQ(d->members.size(), 1u) << show(d);
  EXPECT_EQ(d->members[0].member_epoch, before.members[0].member_epoch) << show(d);

  // 2. The consumer leaves; after another restart the Empty group keeps its epoch and a new
  // consumer starts from the committed offsets, not from the beginning.
  a.stop();
  ASSERT_TRUE(wait_for(
      [&] {
        d = describe(port);
        return d && d->error_code == 0 && d->group_state == "Empty";
      },
      60s, 500ms))
      << show(d);
  const int32_t empty_epoch = d->group_epoch;
  EXPECT_GT(empty_epoch, before.group_epoch);
  restart();
  ASSERT_TRUE(wait_for(
      [&] {
        d = describe(port);
        return d && d->error_code == 0;
      },
      60s, 500ms))
      << show(d);
  EXPECT_EQ(d->group_state, "Empty");
  EXPECT_EQ(d->group_epoch, empty_epoch);
  EXPECT_TRUE(d->members.empty());

  // Kafka 3.9's DescribeGroups knows only classic groups: a consumer group is Dead there.
  msg::DescribeGroupsRequest dg;
  dg.groups = {kGroup};
  auto classic = call<msg::DescribeGroupsResponse>(port, dg, 5);
  ASSERT_TRUE(classic && classic->groups.size() == 1);
  EXPECT_EQ(classic->groups[0].error_code, 0);
  EXPECT_EQ(classic->groups[0].group_state, "Dead");
  EXPECT_EQ(classic->groups[0].protocol_type, "");

  Process c = consumer("consumer-c");
  produce(10);
  ASSERT_TRUE(wait_for([&] { return printed_values(dir / "consumer-c.log").size() >= 10; }, 90s))
      << tail_file(dir / "consumer-c.log");
  EXPECT_EQ(printed_values(dir / "consumer-c.log"), values(40, 50));
  c.stop();

  // Kafka 4.1's kafka-dump-log --offsets-decoder reads every record of __consumer_offsets,
  // the consumer group's key types 3-8 among them.
  std::string files;
  for (const auto& entry : std::filesystem::directory_iterator(broker->data_dir())) {
    if (!entry.path().filename().string().starts_with("__consumer_offsets-")) continue;
    auto log = entry.path() / "00000000000000000000.log";
    if (!std::filesystem::exists(log)) continue;
    if (!files.empty()) files += ',';
    files += log.string();
  }
  ASSERT_FALSE(files.empty());
  auto dump = kafka.run("kafka.tools.DumpLogSegments", {"--offsets-decoder", "--files", files},
                        {.timeout = 120s});
  ASSERT_TRUE(dump.ok()) << dump.describe();
  for (int type = 3; type <= 8; ++type) {
    std::string key = "\"type\":\"";
    key += std::to_string(type);
    key += '"';
    EXPECT_NE(dump.out.find(key), std::string::npos) << "no record of type " << type;
  }
  EXPECT_NE(dump.out.find(std::string("\"groupId\":\"").append(kGroup).append("\"")),
            std::string::npos);
  EXPECT_NE(dump.out.find(std::string("\"epoch\":").append(std::to_string(empty_epoch))),
            std::string::npos)
      << dump.out.substr(0, 4000);
  EXPECT_EQ(dump.out.find("Exception"), std::string::npos) << dump.out.substr(0, 4000);
  EXPECT_EQ(dump.out.find("Unknown"), std::string::npos) << dump.out.substr(0, 4000);
}

}  // namespace
}  // namespace fjord::itest
