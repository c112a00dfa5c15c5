// The console session of the seed document (section 二.4), pasted as a new user would, through
// the project's bin/ wrappers that run the official Kafka tools: kafka-topics --create (topic
// `test`, 3 partitions, replication factor 1 on one broker), --list, --describe,
// kafka-console-producer, kafka-console-consumer --from-beginning; the lines typed into the
// producer come out of the consumer. With the Kafka 2.8 tools (--broker-list, the default of
// FJORD_KAFKA_VERSION) and the 3.9 and 4.1 tools (--bootstrap-server). A fresh broker of the
// target (FJORD_TEST_TARGET) per tool version, as a new user starts one. Also here: the version
// switch itself, bin/kafka-server-start.sh / kafka-server-stop.sh starting and stopping
// Fjord (Fjord only: those scripts start Fjord, never Kafka), and the ZooKeeper scripts.
#include <gtest/gtest.h>

#include <algorithm>
#include <signal.h>

#include <csignal>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/paths.h"
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

struct ToolVersion {
  std::string version;      // FJORD_KAFKA_VERSION
  std::string broker_flag;  // how its console producer is told the brokers
};

// For test names and failure messages (instead of the bytes of the struct).
void PrintTo(const ToolVersion& v, std::ostream* os) {
  *os << "FJORD_KAFKA_VERSION=" << v.version << " " << v.broker_flag;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs bin/<script> with FJORD_KAFKA_VERSION=version (empty: unset, the default).
CommandResult wrapper(const std::string& script, const std::vector<std::string>& args,
                      const std::string& version, RunOptions options = {}) {
  std::vector<std::string> argv = {(source_dir() / "bin" / script).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  options.env["FJORD_KAFKA_VERSION"] = version;
  return run_command(argv, options);
}

class ConsoleSession : public ::testing::TestWithParam<ToolVersion> {
 protected:
  void SetUp() override {
    broker_ = make_broker();
    if (!broker_->unavailable_reason()) broker_->start();
  }

  CommandResult tool(const std::string& script, const std::vector<std::string>& args,
                     RunOptions options = {}) {
    return wrapper(script, args, GetParam().version, std::move(options));
  }

  std::unique_ptr<Broker> broker_;
};

TEST_P(ConsoleSession, TopicCreatedListedDescribedAndTypedLinesComeOutOfTheConsumer) {
  FJORD_SKIP_IF_UNAVAILABLE(*broker_);
  const std::string bootstrap = broker_->bootstrap();
  const std::string id = std::to_string(broker_->id());

  // 1. bin/kafka-topics.sh --create --replication-factor 2 --partitions 3 --topic test (one
  //    broker here: replication factor 1).
  CommandResult created =
      tool("kafka-topics.sh", {"--bootstrap-server", bootstrap, "--create", "--replication-factor",
                               "1", "--partitions", "3", "--topic", "test"});
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_EQ(lines_of(created.out), std::vector<std::string>{"Created topic test."})
      << created.describe();

  // 2. --list
  CommandResult listed = tool("kafka-topics.sh", {"--bootstrap-server", bootstrap, "--list"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  std::vector<std::string> names = lines_of(listed.out);
  EXPECT_NE(std::find(names.begin(), names.end(), "test"), names.end()) << listed.out;

  // 3. --describe --topic test: three partitions, each led by this broker, in sync.
  CommandResult described = tool(
      "kafka-topics.sh", {"--bootstrap-server", bootstrap, "--describe", "--topic", "test"});
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_TRUE(contains(described.out, "Topic: test\t")) << described.out;
  EXPECT_TRUE(contains(described.out, "PartitionCount: 3\t")) << described.out;
  EXPECT_TRUE(contains(described.out, "ReplicationFactor: 1\t")) << described.out;
  std::vector<std::string> partitions;
  for (const std::string& line : lines_of(described.out)) {
    if (contains(line, "Partition: ")) partitions.push_back(line);
  }
  ASSERT_EQ(partitions.size(), 3u) << described.out;
  for (size_t p = 0; p < partitions.size(); ++p) {
    EXPECT_TRUE(contains(partitions[p], "Partition: " + std::to_string(p) + "\t"))
        << partitions[p];
    EXPECT_TRUE(contains(partitions[p], "Leader: " + id + "\t")) << partitions[p];
    EXPECT_TRUE(contains(partitions[p], "Replicas: " + id + "\t")) << partitions[p];
    EXPECT_TRUE(contains(partitions[p], "Isr: " + id)) << partitions[p];
  }

  // 4. bin/kafka-console-producer.sh --broker-list ... --topic test, lines typed in.
  const std::vector<std::string> typed = {"hello fjord", "你好，Kafka", "line three",
                                          "  spaces kept  ", "the last line"};
  std::string input;
  for (const std::string& line : typed) input += line + "\n";
  CommandResult produced =
      tool("kafka-console-producer.sh", {GetParam().broker_flag, bootstrap, "--topic", "test"},
           {.stdin_data = input, .timeout = 60s});
  ASSERT_TRUE(produced.ok()) << produced.describe();

  // 5. bin/kafka-console-consumer.sh --from-beginning --topic test (a group of its own, as the
  //    console consumer makes one). Partitions are ordered separately: compare as sets.
  CommandResult consumed =
      tool("kafka-console-consumer.sh",
           {"--bootstrap-server", bootstrap, "--from-beginning", "--topic", "test",
            "--max-messages", std::to_string(typed.size()), "--timeout-ms", "30000"},
           {.timeout = 90s});
  ASSERT_TRUE(consumed.ok()) << consumed.describe();
  std::vector<std::string> got = lines_of(consumed.out);
  std::vector<std::string> want = typed;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want) << consumed.describe();
  EXPECT_TRUE(contains(consumed.err, "Processed a total of 5 messages")) << consumed.describe();
}

INSTANTIATE_TEST_SUITE_P(Tools, ConsoleSession,
                         ::testing::Values(ToolVersion{"2.8", "--broker-list"},
                                           ToolVersion{"3.9", "--bootstrap-server"},
                                           ToolVersion{"4.1", "--bootstrap-server"}),
                         [](const ::testing::TestParamInfo<ToolVersion>& info) {
                           std::string name = "Kafka" + info.param.version;
                           name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
                           return name;
                         });

TEST(ToolVersionSwitch, DefaultIs28AndEachVersionRunsItsOwnJars) {
  // --version prints the tools' own version without a broker.
  CommandResult fallback = wrapper("kafka-topics.sh", {"--version"}, "");
  ASSERT_TRUE(fallback.ok()) << fallback.describe();
  EXPECT_TRUE(fallback.out.starts_with("2.8.2 ")) << fallback.describe();
  CommandResult v41 = wrapper("kafka-console-consumer.sh", {"--version"}, "4.1");
  ASSERT_TRUE(v41.ok()) << v41.describe();
  EXPECT_TRUE(v41.out.starts_with("4.1.0")) << v41.describe();

  CommandResult unknown = wrapper("kafka-topics.sh", {"--version"}, "1.0");
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
      wrapper("kafka-console-producer.sh", {"--broker-list", bootstrap(), "--topic", "auto"},
              "2.8", {.stdin_data = "one\n"});
  ASSERT_TRUE(produced.ok()) << produced.describe();
  CommandResult described = wrapper(
      "kafka-topics.sh", {"--bootstrap-server", bootstrap(), "--describe", "--topic", "auto"},
      "2.8");
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
      wrapper("kafka-topics.sh", {"--bootstrap-server", bootstrap(), "--list"}, "3.9");
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
      wrapper("zookeeper-shell.sh", {server, "create", "/fjord", "hello"}, "");
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_TRUE(contains(created.out + created.err, "Created /fjord")) << created.describe();
  CommandResult got = wrapper("zookeeper-shell.sh", {server, "get", "/fjord"}, "3.9");
  ASSERT_TRUE(got.ok()) << got.describe();
  EXPECT_TRUE(contains(got.out, "\nhello\n")) << got.describe();

  CommandResult v41 = wrapper("zookeeper-shell.sh", {server, "ls", "/"}, "4.1");
  EXPECT_EQ(v41.exit_code, 1) << v41.describe();
  EXPECT_TRUE(contains(v41.err, "ships no ZooKeeper")) << v41.describe();
}

}  // namespace
}  // namespace fjord::itest
