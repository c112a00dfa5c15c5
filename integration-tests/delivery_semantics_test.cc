// Delivery semantics of the seed document's section 四, on one broker and on a three-broker
// ZooKeeper cluster (topic replicated three times, acks=all; the group's coordinator is the
// leader of its __consumer_offsets partition) of the target (FJORD_TEST_TARGET): a consumer
// with automatic commits off (delivery/ManualCommitConsumer.java, Kafka 3.9 clients, compiled
// with javac at test time) is killed with SIGKILL in the middle of a batch, then started again
// in the same group.
//  - Committing after processing (the seed's advice): the restarted consumer re-reads exactly
//    the records processed but not yet committed; nothing is lost (at-least-once, duplicates).
//  - Committing before processing (the seed's example of loss): the records of the committed
//    batch that were not yet processed are never seen again (at-most-once).
// The producer side of section 四 on a cluster (acks=-1, min.insync.replicas=2, a killed
// leader) is in seed_cluster_test.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_program.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

constexpr std::string_view kKafka = "kafka-3.9.0";
constexpr const char* kTopic = "orders";
constexpr int kPartitions = 3;
constexpr int kMessages = 100;

using Record = std::pair<int32_t, int64_t>;  // partition, offset

// What one run of ManualCommitConsumer printed.
struct ConsumerRun {
  std::vector<Record> records;            // processed, in order
  std::map<Record, std::string> values;   // value of each processed record
  std::map<int32_t, int64_t> committed;   // last committed offset per partition
  bool paused = false;
  bool done = false;
};

ConsumerRun parse_run(const std::string& out) {
  ConsumerRun run;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "record") {
      Record r;
      std::string value;
      words >> r.first >> r.second >> value;
      run.records.push_back(r);
      run.values[r] = value;
    } else if (kind == "commit") {
      for (std::string po; words >> po;) {
        run.committed[std::stoi(po.substr(0, po.find(':')))] =
            std::stoll(po.substr(po.find(':') + 1));
      }
    } else if (kind == "paused") {
      run.paused = true;
    } else if (kind == "done") {
      run.done = true;
    }
  }
  return run;
}

// The parameter: how many brokers (1: a single broker, 3: a ZooKeeper cluster).
class DeliverySemantics : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (GetParam() == 1) {
      broker_ = make_broker();
      FJORD_SKIP_IF_UNAVAILABLE(*broker_);
      broker_->start();
      bootstrap_ = broker_->bootstrap();
    } else {
      cluster_ = std::make_unique<Cluster>(GetParam());
      FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
      cluster_->start();
      bootstrap_ = cluster_->bootstrap();
    }
    create_topic(bootstrap_, kTopic, kPartitions, {}, GetParam());
    Producer producer(bootstrap_, {{"acks", "all"}});
    for (int i = 0; i < kMessages; ++i) {
      // (+= rather than "k" + std::to_string(i): GCC 12's -Wrestrict false positive at -O3)
      std::string key = "k", value = "m";
      key += std::to_string(i);
      value += std::to_string(i);
      producer.produce(kTopic, -1, key, value, 0, {}, i);
    }
    ASSERT_TRUE(producer.flush());
    for (const auto& d : producer.deliveries()) {
      ASSERT_TRUE(d && d->error == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    classes_ = compile_java("integration-tests/delivery/ManualCommitConsumer.java", kKafka);
  }

  std::vector<std::string> consumer(const std::string& mode, const std::string& group,
                                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {bootstrap_, kTopic, group, mode};
    args.insert(args.end(), extra.begin(), extra.end());
    return java_program_command(classes_, kKafka, "ManualCommitConsumer", args);
  }

  // Starts the consumer, lets it process at least `records` records, kills it (SIGKILL) in the
  // middle of its batch, and returns what it printed.
  ConsumerRun killed_mid_batch(const std::string& mode, const std::string& group, int records) {
    const std::filesystem::path log = dir_ / (group + "-first.out");
    Process p = Process::spawn(
        {.argv = consumer(mode, group, {"--pause-after", std::to_string(records)}),
         .log_file = log});
    EXPECT_TRUE(wait_for(
        [&] { return parse_run(read_file(log)).paused || !p.running(); }, 90s))
        << tail_file(log);
    p.kill();
    ConsumerRun run = parse_run(read_file(log));
    EXPECT_TRUE(run.paused) << tail_file(log);
    return run;
  }

  // Starts the consumer again in the same group and lets it run to the end of the topic.
  ConsumerRun restarted(const std::string& mode, const std::string& group) {
    CommandResult r = run_command(consumer(mode, group), {.timeout = 120s});
    EXPECT_TRUE(r.ok()) << r.describe();
    ConsumerRun run = parse_run(r.out);
    EXPECT_TRUE(run.done) << r.describe();
    return run;
  }

  std::unique_ptr<Broker> broker_;
  std::unique_ptr<Cluster> cluster_;
  std::string bootstrap_;
  TempDir dir_{"fjord-delivery"};
  std::filesystem::path classes_;
};

TEST_P(DeliverySemantics, CommitAfterProcessingRereadsTheUncommittedRecordsAfterAKill) {
  ConsumerRun first = killed_mid_batch("after", "commit-after", 25);
  ASSERT_TRUE(first.paused);
  ASSERT_GE(first.records.size(), 25u);

  // Processed but not committed when it died: at least one record (killed mid-batch).
  std::set<Record> uncommitted;
  for (const Record& r : first.records) {
    auto c = first.committed.find(r.first);
    if (c == first.committed.end() || r.second >= c->second) uncommitted.insert(r);
  }
  ASSERT_FALSE(uncommitted.empty());
  ASSERT_LT(uncommitted.size(), 10u);  // max.poll.records

  ConsumerRun second = restarted("after", "commit-after");
  // Each partition resumes at its committed offset (0 where nothing was committed).
  std::map<int32_t, int64_t> resumed;
  for (const Record& r : second.records) resumed.emplace(r.first, r.second);
  for (const auto& [partition, offset] : resumed) {
    auto c = first.committed.find(partition);
    EXPECT_EQ(offset, c == first.committed.end() ? 0 : c->second) << "partition " << partition;
  }

  // Nothing lost: every message was processed by one run or the other.
  std::set<std::string> values;
  for (const auto& [r, v] : first.values) values.insert(v);
  for (const auto& [r, v] : second.values) values.insert(v);
  EXPECT_EQ(values.size(), static_cast<size_t>(kMessages));
  // The duplicates are exactly the uncommitted records, with the same values.
  std::set<Record> twice;
  for (const Record& r : second.records) {
    if (first.values.contains(r)) {
      twice.insert(r);
      EXPECT_EQ(first.values[r], second.values[r]);
    }
  }
  EXPECT_EQ(twice, uncommitted);
  EXPECT_EQ(first.records.size() + second.records.size(), kMessages + uncommitted.size());
}

TEST_P(DeliverySemantics, CommitBeforeProcessingLosesTheRestOfTheBatchAfterAKill) {
  ConsumerRun first = killed_mid_batch("before", "commit-before", 25);
  ASSERT_TRUE(first.paused);

  ConsumerRun second = restarted("before", "commit-before");
  std::set<std::string> values;
  for (const auto& [r, v] : first.values) values.insert(v);
  for (const auto& [r, v] : second.values) values.insert(v);
  // The committed batch's unprocessed records are gone (at-most-once), and none came twice.
  EXPECT_GT(kMessages - values.size(), 0u);
  EXPECT_LT(kMessages - values.size(), 10u);  // max.poll.records
  EXPECT_EQ(first.records.size() + second.records.size(), values.size());
  for (const Record& r : second.records) {
    auto c = first.committed.find(r.first);
    if (c != first.committed.end()) {
      EXPECT_GE(r.second, c->second);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Brokers, DeliverySemantics, ::testing::Values(1, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 1 ? std::string("OneBroker")
                                                  : std::string("ThreeBrokerCluster");
                         });

}  // namespace
}  // namespace fjord::itest
