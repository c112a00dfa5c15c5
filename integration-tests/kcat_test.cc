// A user drives the broker with kcat (librdkafka's command-line client): lists the cluster
// metadata (-L), produces keyed lines (-P -K) and consumes them back (-C -K), and looks offsets
// up by timestamp (-Q).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

class KcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = make_broker({.overrides = {{"num.partitions", "3"}}});
    FJORD_SKIP_IF_UNAVAILABLE(*broker_);
    broker_->start();
  }

  CommandResult kcat(std::vector<std::string> args, std::string stdin_data = "") {
    std::vector<std::string> argv = {"kcat", "-b", broker_->bootstrap()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {.stdin_data = std::move(stdin_data), .timeout = 60s});
  }

  std::unique_ptr<Broker> broker_;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(KcatTest, MetadataListsTheBrokerTheTopicAndItsPartitions) {
  // -P to a new topic creates it (auto.create.topics.enable) with num.partitions partitions.
  CommandResult produced = kcat({"-P", "-t", "listed", "-p", "0"}, "one\ntwo\n");
  ASSERT_TRUE(produced.ok()) << produced.describe();

  CommandResult listed = kcat({"-L", "-J", "-t", "listed"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  auto md = nlohmann::json::parse(listed.out);
  ASSERT_EQ(md["brokers"].size(), 1u) << listed.out;
  EXPECT_EQ(md["brokers"][0]["id"], 1);
  EXPECT_EQ(md["brokers"][0]["name"], broker_->bootstrap());
  ASSERT_EQ(md["topics"].size(), 1u) << listed.out;
  const auto& topic = md["topics"][0];
  EXPECT_EQ(topic["topic"], "listed");
  ASSERT_EQ(topic["partitions"].size(), 3u) << listed.out;
  for (int p = 0; p < 3; ++p) {
    const auto& part = topic["partitions"][p];
    EXPECT_EQ(part["partition"], p);
    EXPECT_EQ(part["leader"], 1);
    EXPECT_EQ(part["replicas"], nlohmann::json::parse(R"([{"id":1}])"));
    EXPECT_EQ(part["isrs"], nlohmann::json::parse(R"([{"id":1}])"));
  }

  // Without -t, every topic: ours is among them.
  CommandResult all = kcat({"-L"});
  ASSERT_TRUE(all.ok()) << all.describe();
  EXPECT_NE(all.out.find("1 brokers:"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("topic \"listed\" with 3 partitions:"), std::string::npos) << all.out;
}

TEST_F(KcatTest, KeyedLinesProducedWithKeyDelimiterComeBackInOrderPerPartition) {
  constexpr int kCount = 300;
  std::string input;
  std::map<std::string, std::string> value_of_key;
  for (int i = 0; i < kCount; ++i) {
    std::string key = "key-" + std::to_string(i % 40);  // keys repeat: one partition per key
    std::string value = "value-" + std::to_string(i);
    input += key + ":" + value + "\n";
  }
  CommandResult produced = kcat({"-P", "-t", "keyed", "-K", ":"}, input);
  ASSERT_TRUE(produced.ok()) << produced.describe();

  CommandResult consumed =
      kcat({"-C", "-t", "keyed", "-o", "beginning", "-e", "-f", "%p %o %k %s\n"});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();

  std::istringstream lines(consumed.out);
  std::map<int, std::vector<int>> seq_by_partition;  // partition -> message numbers in order
  std::map<std::string, int> partition_of_key;
  std::map<int, int64_t> next_offset;
  int total = 0;
  int partition;
  int64_t offset;
  std::string key, value;
  while (lines >> partition >> offset >> key >> value) {
    ++total;
    EXPECT_EQ(offset, next_offset[partition]) << "partition " << partition;
    next_offset[partition] = offset + 1;
    auto [it, fresh] = partition_of_key.emplace(key, partition);
    EXPECT_EQ(it->second, partition) << key << " is on two partitions";
    ASSERT_EQ(value.rfind("value-", 0), 0u) << value;
    int seq = std::stoi(value.substr(6));
    EXPECT_EQ(key, "key-" + std::to_string(seq % 40));
    seq_by_partition[partition].push_back(seq);
  }
  EXPECT_EQ(total, kCount) << consumed.out;
  for (const auto& [p, seqs] : seq_by_partition) {
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << "partition " << p;
  }
  EXPECT_GT(seq_by_partition.size(), 1u) << "40 keys should spread over 3 partitions";
}

TEST_F(KcatTest, QueryFindsTheFirstOffsetAtOrAfterATimestamp) {
  ASSERT_TRUE(kcat({"-P", "-t", "timed", "-p", "0"}, "a\nb\nc\n").ok());
  // Every message of the second run gets a CreateTime later than `between`.
  const int64_t between = now_ms() + 1;
  ASSERT_TRUE(wait_for([&] { return now_ms() > between; }, 1s, 1ms));
  ASSERT_TRUE(kcat({"-P", "-t", "timed", "-p", "0"}, "d\ne\n").ok());

  CommandResult q = kcat({"-Q", "-t", "timed:0:" + std::to_string(between)});
  ASSERT_TRUE(q.ok()) << q.describe();
  EXPECT_NE(q.out.find("timed [0] offset 3"), std::string::npos) << q.out;

  // A timestamp after every message: no offset (-1, the log end in kcat's output).
  CommandResult later = kcat({"-Q", "-t", "timed:0:" + std::to_string(now_ms() + 3'600'000)});
  ASSERT_TRUE(later.ok()) << later.describe();
  EXPECT_NE(later.out.find("timed [0] offset -1"), std::string::npos) << later.out;
}

}  // namespace
}  // namespace fjord::itest
