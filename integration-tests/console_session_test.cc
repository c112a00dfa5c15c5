// The console session of the seed document (section 二.4), pasted as a new user would, through
// the project's bin/ wrappers that run the official Kafka tools: kafka-topics --create (3
// partitions), --list, --describe, kafka-console-producer, kafka-console-consumer
// --from-beginning; the lines typed into the producer come out of the consumer. With the Kafka
// 2.8 tools (--broker-list, the default of FJORD_KAFKA_VERSION) and the 3.9 and 4.1 tools
// (--bootstrap-server: 4.1's console producer has no --broker-list), each:
//  - ConsoleSession: on a fresh single broker of the target (FJORD_TEST_TARGET), as a new user
//    starts one; replication factor 1, topic `test`.
//  - ClusterConsoleSession: on a ZooKeeper + three-broker cluster in ZooKeeper mode, the seed's
//    own setting: --replication-factor 2; the 2.8 kafka-topics goes through --zookeeper as in
//    the seed, on the seed's topic `test`; 3.9 and 4.1 through --bootstrap-server on `test39`
//    and `test41`. One cluster serves the three versions (ctest runs them in one process).
// Also here: the version switch itself, bin/kafka-server-start.sh / kafka-server-stop.sh
// starting and stopping Fjord (Fjord only: those scripts start Fjord, never Kafka), and the
// ZooKeeper scripts.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <csignal>
#include <memory>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/console_output.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/paths.h"
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

struct ToolVersion {
  std::string version;                 // FJORD_KAFKA_VERSION
  std::string broker_flag;             // how its console producer is told the brokers
  bool topics_take_zookeeper = false;  // its kafka-topics still has --zookeeper (gone in 3.0)
  bool describe_prints_elr = false;    // its --describe has Elr and LastKnownElr (3.7, KIP-966)
};

// For test names and failure messages (instead of the bytes of the struct).
void PrintTo(const ToolVersion& v, std::ostream* os) {
  *os << "FJORD_KAFKA_VERSION=" << v.version << " " << v.broker_flag;
}

const auto kToolVersions = ::testing::Values(
    ToolVersion{.version = "2.8", .broker_flag = "--broker-list", .topics_take_zookeeper = true},
    ToolVersion{.version = "3.9", .broker_flag = "--bootstrap-server", .describe_prints_elr = true},
    ToolVersion{
        .version = "4.1", .broker_flag = "--bootstrap-server", .describe_prints_elr = true});

std::string test_name(const ::testing::TestParamInfo<ToolVersion>& info) {
  std::string name = "Kafka" + info.param.version;
  name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
  return name;
}

// The brokers a session talks to.
struct SessionBrokers {
  std::string bootstrap;       // every broker, comma-separated
  std::string zookeeper;       // their ZooKeeper; empty for a broker without one
  std::set<std::string> ids;   // every broker's id
  int replication_factor = 1;  // what the session asks for
  // How 3.7+'s --describe ends a partition row. A KRaft broker (and Fjord without ZooKeeper)
  // answers DescribeTopicPartitions: empty ELR lists. Kafka's ZooKeeper-mode brokers do not
  // serve it; the Admin client falls back to Metadata, which has no ELR: "N/A".
  std::string elr_columns;
};

// What is wrong with kafka-topics --describe --topic `topic` (empty: nothing): three partitions
// numbered 0-2, each with `replication_factor` distinct replicas among the brokers, led by one of
// them, and all of them in sync.
std::string describe_problem(const std::string& out, const std::string& topic,
                             const SessionBrokers& at, bool prints_elr) {
  const std::string rf = std::to_string(at.replication_factor);
  if (!contains(out, "Topic: " + topic + "\t")) return "no 'Topic: " + topic + "'";
  if (!contains(out, "PartitionCount: 3\t")) return "not 'PartitionCount: 3'";
  if (!contains(out, "ReplicationFactor: " + rf + "\t")) {
    return "not 'ReplicationFactor: " + rf + "'";
  }
  const std::regex row(R"(Partition: (\d+)\tLeader: (\S+)\tReplicas: ([\d,]+)\tIsr: ([\d,]*))");
  const std::regex id(R"(\d+)");
  auto ids_in = [&](const std::string& list) {
    std::vector<std::string> ids;
    for (auto it = std::sregex_iterator(list.begin(), list.end(), id);
         it != std::sregex_iterator(); ++it) {
      ids.push_back(it->str());
    }
    return ids;
  };
  int partition = 0;
  for (const std::string& line : lines_of(out)) {
    if (!contains(line, "Partition: ")) continue;
    std::smatch m;
    if (!std::regex_search(line, m, row)) return "unexpected row: " + line;
    if (prints_elr && !line.ends_with(at.elr_columns)) {
      return "not ending in '" + at.elr_columns + "': " + line;
    }
    if (m[1] != std::to_string(partition++)) return "partitions out of order: " + line;
    const std::vector<std::string> replicas = ids_in(m[3]);
    const std::set<std::string> distinct(replicas.begin(), replicas.end());
    if (replicas.size() != static_cast<size_t>(at.replication_factor) ||
        distinct.size() != replicas.size()) {
      return "not " + rf + " distinct replicas: " + line;
    }
    for (const std::string& r : replicas) {
      if (!at.ids.contains(r)) return "a replica on no broker: " + line;
    }
    if (!distinct.contains(m[2])) return "no leader among the replicas: " + line;
    const std::vector<std::string> isr = ids_in(m[4]);
    if (std::set<std::string>(isr.begin(), isr.end()) != distinct ||
        isr.size() != distinct.size()) {
      return "the ISR is not every replica: " + line;
    }
  }
  if (partition != 3) return std::to_string(partition) + " partition rows";
  return "";
}

// The session itself, with `tools` against `at` on `topic`. kafka-topics goes through
// --zookeeper where the seed's does (tools that still have it, brokers with a ZooKeeper).
void console_session(const ToolVersion& tools, const SessionBrokers& at,
                     const std::string& topic) {
  std::vector<std::string> topics_at = {"--bootstrap-server", at.bootstrap};
  if (tools.topics_take_zookeeper && !at.zookeeper.empty()) {
    topics_at = {"--zookeeper", at.zookeeper};
  }
  auto topics = [&](std::vector<std::string> args) {
    args.insert(args.begin(), topics_at.begin(), topics_at.end());
    return run_bin_script("kafka-topics.sh", args, tools.version);
  };

  // 1. bin/kafka-topics.sh --create --replication-factor 2 --partitions 3 --topic test
  CommandResult created =
      topics({"--create", "--replication-factor", std::to_string(at.replication_factor),
              "--partitions", "3", "--topic", topic});
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_EQ(lines_of(created.out), std::vector<std::string>{"Created topic " + topic + "."})
      << created.describe();

  // 2. --list
  CommandResult listed = topics({"--list"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  std::vector<std::string> names = lines_of(listed.out);
  EXPECT_NE(std::find(names.begin(), names.end(), topic), names.end()) << listed.out;

  // 3. --describe --topic test: three partitions, each with a leader and every replica in sync
  //    (on a cluster, once the controller has elected the leaders).
  CommandResult described;
  std::string problem;
  EXPECT_TRUE(wait_for(
      [&] {
        described = topics({"--describe", "--topic", topic});
        problem = described.ok() ? describe_problem(described.out, topic, at,
                                                    tools.describe_prints_elr)
                                 : "failed";
        return problem.empty();
      },
      60s, 500ms))
      << problem << "\n" << described.describe();

  // 4. bin/kafka-console-producer.sh --broker-list ... --topic test, lines typed in.
  const std::vector<std::string> typed = {"hello fjord", "你好，Kafka", "line three",
                                          "  spaces kept  ", "the last line"};
  std::string input;
  for (const std::string& line : typed) input += line + "\n";
  CommandResult produced = run_bin_script("kafka-console-producer.sh",
                                          {tools.broker_flag, at.bootstrap, "--topic", topic},
                                          tools.version, {.stdin_data = input, .timeout = 60s});
  ASSERT_TRUE(produced.ok()) << produced.describe();

  // 5. bin/kafka-console-consumer.sh --from-beginning --topic test (a group of its own, as the
  //    console consumer makes one). Partitions are ordered separately: compare as sets.
  CommandResult consumed =
      run_bin_script("kafka-console-consumer.sh",
                     {"--bootstrap-server", at.bootstrap, "--from-beginning", "--topic", topic,
                      "--max-messages", std::to_string(typed.size()), "--timeout-ms", "30000"},
                     tools.version, {.timeout = 90s});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  std::vector<std::string> got = lines_of(consumed.out);
  std::vector<std::string> want = typed;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want) << consumed.describe();
  EXPECT_TRUE(contains(consumed.err, "Processed a total of 5 messages")) << consumed.describe();
}

class ConsoleSession : public ::testing::TestWithParam<ToolVersion> {
 protected:
  void SetUp() override {
    broker_ = make_broker();
    if (!broker_->unavailable_reason()) broker_->start();
  }

  std::unique_ptr<Broker> broker_;
};

TEST_P(ConsoleSession, TopicCreatedListedDescribedAndTypedLinesComeOutOfTheConsumer) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  // One broker: replication factor 1.
  console_session(GetParam(),
                  {.bootstrap = broker_->bootstrap(),
                   .ids = {std::to_string(broker_->id())},
                   .elr_columns = "\tElr: \tLastKnownElr: "},
                  "test");
}

INSTANTIATE_TEST_SUITE_P(Tools, ConsoleSession, kToolVersions, test_name);

class ClusterConsoleSession : public ::testing::TestWithParam<ToolVersion> {
 protected:
  // The first test starts the cluster (from the main thread, as brokers must be); the others
  // of the suite reuse it.
  void SetUp() override {
    if (!cluster_) {
      cluster_ = std::make_unique<Cluster>(3);
      if (!cluster_->unavailable_reason()) {
        try {
          cluster_->start();
        } catch (const HarnessError& e) {
          start_error_ = e.what();
        }
      }
    }
    FJORD_SKIP_IF_UNAVAILABLE(*cluster_);
    if (start_error_) FAIL() << "the cluster did not start: " << *start_error_;
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  static SessionBrokers brokers() {
    SessionBrokers at{.bootstrap = cluster_->bootstrap(),
                      .zookeeper = cluster_->zookeeper().connect_string(),
                      .replication_factor = 2,
                      .elr_columns = "\tElr: N/A\tLastKnownElr: N/A"};
    for (size_t i = 0; i < cluster_->size(); ++i) {
      at.ids.insert(std::to_string(cluster_->broker(i).id()));
    }
    return at;
  }

  static std::unique_ptr<Cluster> cluster_;
  static std::optional<std::string> start_error_;
};

std::unique_ptr<Cluster> ClusterConsoleSession::cluster_;
std::optional<std::string> ClusterConsoleSession::start_error_;

TEST_P(ClusterConsoleSession, TopicCreatedListedDescribedAndTypedLinesComeOutOfTheConsumer) {
  // The seed's topic name for the seed's own way (2.8, --zookeeper); one topic per version.
  std::string topic = "test";
  if (!GetParam().topics_take_zookeeper) {
    topic += GetParam().version;
    topic.erase(std::remove(topic.begin(), topic.end(), '.'), topic.end());
  }
  console_session(GetParam(), brokers(), topic);
}

INSTANTIATE_TEST_SUITE_P(Tools, ClusterConsoleSession, kToolVersions, test_name);

TEST(ToolVersionSwitch, DefaultIs28AndEachVersionRunsItsOwnJars) {
  // --version prints the tools' own version without a broker.
  CommandResult fallback = run_bin_script("kafka-topics.sh", {"--version"}, "");
  ASSERT_TRUE(fallback.ok()) << fallback.describe();
  EXPECT_TRUE(fallback.out.starts_with("2.8.2 ")) << fallback.describe();
  CommandResult v41 = run_bin_script("kafka-console-consumer.sh", {"--version"}, "4.1");
  ASSERT_TRUE(v41.ok()) << v41.describe();
  EXPECT_TRUE(v41.out.starts_with("4.1.0")) << v41.describe();

  CommandResult unknown = run_bin_script("kafka-topics.sh", {"--version"}, "1.0");
  EXPECT_EQ(unknown.exit_code, 1) << unknown.describe();
  EXPECT_TRUE(contains(unknown.err, "FJORD_KAFKA_VERSION=1.0: unknown; use 0.9, 2.8, 3.9 or 4.1"))
      << unknown.describe();
}

// bin/kafka-server-start.sh config/server.properties, as the seed starts each broker.
class ServerStartScript : public ::testing::Test {
 protected:
  void SetUp() override {
    if (target_from_env() != Target::kFjord) {
      GTEST_SKIP() << "kafka-server-start.sh starts Fjord; nothing to compare with Kafka";
    }
    if (!std::filesystem::exists(server_binary())) {
      GTEST_SKIP() << server_binary() << " is not built";
    }
    port_ = free_port();
    write_file(dir_ / "server.properties",
               "broker.id=0\n"
               "listeners=PLAINTEXT://127.0.0.1:" + std::to_string(port_) + "\n" +
               "log.dirs=" + (dir_ / "data").string() + "\n" +
               "offsets.topic.replication.factor=1\n");
  }

  // A daemon left behind by a failed test (it is not in a process group of ours).
  void TearDown() override {
    std::string pid = read_file(dir_ / "logs" / "fjordServer.pid");
    if (!pid.empty()) ::kill(std::stoi(pid), SIGKILL);
  }

  std::map<std::string, std::string> env() const {
    return {{"FJORD_SERVER_BIN", server_binary().string()},
            {"LOG_DIR", (dir_ / "logs").string()}};
  }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }

  TempDir dir_{"fjord-server-start"};
  uint16_t port_ = 0;
};

TEST_F(ServerStartScript, ForegroundServesUntilSigterm) {
  Process server = Process::spawn({.argv = {(source_dir() / "bin/kafka-server-start.sh").string(),
                                            (dir_ / "server.properties").string(), "--override",
                                            "num.partitions=2"},
                                   .env = env(),
                                   .log_file = dir_ / "server.out"});
  ASSERT_TRUE(wait_for_port(port_, 30s)) << tail_file(dir_ / "server.out");
  // The override reached the broker: an auto-created topic gets two partitions.
  CommandResult produced =
      run_bin_script("kafka-console-producer.sh", {"--broker-list", bootstrap(), "--topic", "auto"},
                     "2.8", {.stdin_data = "one\n"});
  ASSERT_TRUE(produced.ok()) << produced.describe();
  CommandResult described =
      run_bin_script("kafka-topics.sh",
                     {"--bootstrap-server", bootstrap(), "--describe", "--topic", "auto"}, "2.8");
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "PartitionCount: 2\t")) << described.out;

  // The script execs the broker: SIGTERM reaches it and it shuts down cleanly.
  EXPECT_EQ(server.stop(30s), 0) << tail_file(dir_ / "server.out");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data" / ".kafka_cleanshutdown"))
      << tail_file(dir_ / "server.out");
}

TEST_F(ServerStartScript, DaemonThenServerStop) {
  CommandResult started =
      run_command({(source_dir() / "bin/kafka-server-start.sh").string(), "-daemon",
                   (dir_ / "server.properties").string()},
                  {.env = env()});
  ASSERT_TRUE(started.ok()) << started.describe();
  ASSERT_TRUE(wait_for_port(port_, 30s)) << tail_file(dir_ / "logs" / "fjordServer.out");
  CommandResult listed =
      run_bin_script("kafka-topics.sh", {"--bootstrap-server", bootstrap(), "--list"}, "3.9");
  EXPECT_TRUE(listed.ok()) << listed.describe();

  CommandResult stopped =
      run_command({(source_dir() / "bin/kafka-server-stop.sh").string()}, {.env = env()});
  ASSERT_TRUE(stopped.ok()) << stopped.describe();
  EXPECT_TRUE(wait_for([&] { return !port_accepts(port_); }, 30s));
  EXPECT_TRUE(contains(read_file(dir_ / "logs" / "fjordServer.out"), "shutting down"))
      << tail_file(dir_ / "logs" / "fjordServer.out");

  CommandResult again =
      run_command({(source_dir() / "bin/kafka-server-stop.sh").string()}, {.env = env()});
  EXPECT_EQ(again.exit_code, 1) << again.describe();
  EXPECT_TRUE(contains(again.err, "No kafka server to stop")) << again.describe();
}

// bin/zookeeper-server-start.sh and bin/zookeeper-shell.sh: the ZooKeeper of the Kafka bundle,
// for the seed's cluster (no broker involved).
TEST(ZooKeeperScripts, ServerStartsAndTheShellWritesAndReadsAZnode) {
  TempDir dir("fjord-zk-scripts");
  const uint16_t port = free_port();
  write_file(dir / "zookeeper.properties",
             "dataDir=" + (dir / "zk").string() + "\nclientPort=" + std::to_string(port) +
                 "\nmaxClientCnxns=0\nadmin.enableServer=false\n");
  Process zk = Process::spawn(
      {.argv = {(source_dir() / "bin/zookeeper-server-start.sh").string(),
                (dir / "zookeeper.properties").string()},
       .env = {{"FJORD_KAFKA_VERSION", ""}},
       .log_file = dir / "zookeeper.out"});
  ASSERT_TRUE(wait_for([&] { return port_accepts(port) || !zk.running(); }, 60s));
  ASSERT_TRUE(zk.running()) << tail_file(dir / "zookeeper.out");
  const std::string server = "127.0.0.1:" + std::to_string(port);

  CommandResult created =
      run_bin_script("zookeeper-shell.sh", {server, "create", "/fjord", "hello"}, "");
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_TRUE(contains(created.out + created.err, "Created /fjord")) << created.describe();
  CommandResult got = run_bin_script("zookeeper-shell.sh", {server, "get", "/fjord"}, "3.9");
  ASSERT_TRUE(got.ok()) << got.describe();
  EXPECT_TRUE(contains(got.out, "\nhello\n")) << got.describe();

  CommandResult v41 = run_bin_script("zookeeper-shell.sh", {server, "ls", "/"}, "4.1");
  EXPECT_EQ(v41.exit_code, 1) << v41.describe();
  EXPECT_TRUE(contains(v41.err, "ships no ZooKeeper")) << v41.describe();
}

}  // namespace
}  // namespace fjord::itest
