// Issue 7, test 1: the seed document's session against a three-broker ZooKeeper cluster.
// `test` is created with Kafka 2.8's `kafka-topics --zookeeper --replication-factor 2
// --partitions 3`, another topic through --bootstrap-server with the 3.9 tools; --list and
// --describe (Leader, Replicas, Isr) answer; `kafka-configs --zookeeper` (2.8) sets a topic
// config that the brokers pick up. The console producer and consumer on such a cluster, with
// the 2.8, 3.9 and 4.1 tools: console_session_test's ClusterConsoleSession. Run against
// Kafka 3.9 in ZooKeeper mode first.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/metadata_probe.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class ZooKeeperConsoleSession : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(3);
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    cluster_->start();
  }

  std::string bootstrap() const { return cluster_->bootstrap(); }
  CommandResult zk28(const std::string& main_class, std::vector<std::string> args) {
    args.insert(args.begin(), {"--zookeeper", cluster_->zookeeper().connect_string()});
    return kafka28_.run(main_class, args, {.timeout = 120s});
  }
  CommandResult boot39(const std::string& main_class, std::vector<std::string> args,
                       const RunOptions& options = {.timeout = 120s}) {
    args.insert(args.begin(), {"--bootstrap-server", bootstrap()});
    return kafka39_.run(main_class, args, options);
  }

  std::unique_ptr<Cluster> cluster_;
  JavaTool kafka28_{"kafka-2.8.2"};
  JavaTool kafka39_{"kafka-3.9.0"};
};

TEST_F(ZooKeeperConsoleSession, TopicsConfigsThroughZooKeeper) {
  CommandResult created = zk28("kafka.admin.TopicCommand", {"--create", "--topic", "test",
                                                            "--replication-factor", "2",
                                                            "--partitions", "3"});
  ASSERT_TRUE(created.ok()) << created.describe();
  CommandResult other = boot39("org.apache.kafka.tools.TopicCommand",
                               {"--create", "--topic", "other", "--replication-factor", "3",
                                "--partitions", "2"});
  ASSERT_TRUE(other.ok()) << other.describe();

  CommandResult listed = zk28("kafka.admin.TopicCommand", {"--list"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  std::vector<std::string> names = lines_of(listed.out);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            (std::set<std::string>{"other", "test"}))
      << listed.out;

  // Every partition gets a leader and a full ISR from the controller.
  const std::regex row(
      R"(Partition: (\d)\s+Leader: (\d)\s+Replicas: (\d),(\d)\s+Isr: (\d),(\d))");
  CommandResult described;
  ASSERT_TRUE(wait_for(
      [&] {
        described = zk28("kafka.admin.TopicCommand", {"--describe", "--topic", "test"});
        auto begin = std::sregex_iterator(described.out.begin(), described.out.end(), row);
        return std::distance(begin, std::sregex_iterator()) == 3;
      },
      120s, 1s))
      << described.describe();
  for (auto it = std::sregex_iterator(described.out.begin(), described.out.end(), row);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    EXPECT_EQ(m[2], m[3]) << "the preferred replica leads: " << m.str();
    EXPECT_EQ(std::set<std::string>({m[3], m[4]}), std::set<std::string>({m[5], m[6]}))
        << m.str();
  }
  CommandResult described39 =
      boot39("org.apache.kafka.tools.TopicCommand", {"--describe", "--topic", "other"});
  ASSERT_TRUE(described39.ok()) << described39.describe();
  EXPECT_NE(described39.out.find("ReplicationFactor: 3"), std::string::npos) << described39.out;

  // kafka-configs --zookeeper (2.8) writes /config/topics/test and a change notification; the
  // brokers apply it (DescribeConfigs through a broker shows the override).
  CommandResult altered = zk28("kafka.admin.ConfigCommand",
                               {"--alter", "--entity-type", "topics", "--entity-name", "test",
                                "--add-config", "retention.ms=60000"});
  ASSERT_TRUE(altered.ok()) << altered.describe();
  CommandResult zk_view = zk28("kafka.admin.ConfigCommand",
                               {"--describe", "--entity-type", "topics", "--entity-name", "test"});
  ASSERT_TRUE(zk_view.ok()) << zk_view.describe();
  EXPECT_NE(zk_view.out.find("retention.ms=60000"), std::string::npos) << zk_view.out;
  CommandResult broker_view;
  EXPECT_TRUE(wait_for(
      [&] {
        broker_view = boot39("kafka.admin.ConfigCommand",
                             {"--describe", "--entity-type", "topics", "--entity-name", "test"});
        return broker_view.out.find("retention.ms=60000") != std::string::npos;
      },
      60s, 1s))
      << broker_view.describe();
}

}  // namespace
}  // namespace fjord::itest
