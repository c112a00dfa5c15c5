// Smoke tests of the integration-test harness: processes, ports, temp dirs, polling, and a
// broker of the current target (FJORD_TEST_TARGET) driven by Kafka's own kafka-topics tool.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/process.h"
#include "integration-tests/harness/temp_dir.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {
namespace {

TEST(Harness, TempDirIsRemovedAtScopeExit) {
  std::filesystem::path path;
  {
    TempDir dir;
    path = dir.path();
    write_file(dir / "a.txt", "hello");
    EXPECT_EQ(read_file(dir / "a.txt"), "hello");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Harness, RunCommandCapturesOutputAndExitCode) {
  CommandResult r =
      run_command({"sh", "-c", "cat; echo err >&2; exit 3"}, {.stdin_data = "from stdin\n"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "from stdin\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Harness, RunCommandKillsAProgramThatOverrunsItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  CommandResult r = run_command({"sleep", "30"}, {.timeout = 300ms});
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Harness, ProcessStopEndsTheWholeGroupAndLogsOutput) {
  TempDir dir;
  // The shell starts a grandchild; stop() must end it too (it shares the process group).
  Process p = Process::spawn(
      {.argv = {"sh", "-c", "echo started; sleep 60 & wait"}, .log_file = dir / "p.log"});
  ASSERT_TRUE(wait_for([&] { return read_file(dir / "p.log") == "started\n"; }, 10s));
  EXPECT_TRUE(p.running());
  int code = p.stop(5s);
  EXPECT_EQ(code, 128 + SIGTERM);
  EXPECT_FALSE(p.running());
}

TEST(Harness, SpawningAMissingProgramThrows) {
  EXPECT_ANY_THROW(Process::spawn({.argv = {"/nonexistent/fjord-program"}}));
}

TEST(Harness, FreePortsAreDistinctAndBecomeReachableWhenSomethingListens) {
  uint16_t a = free_port();
  uint16_t b = free_port();
  EXPECT_NE(a, b);
  EXPECT_FALSE(port_accepts(a));
  // python3 is a build dependency; it listens on the port until stopped.
  Process listener = Process::spawn({.argv = {"python3", "-c",
                                              "import socket,time\n"
                                              "s=socket.socket(); s.bind(('127.0.0.1'," +
                                                  std::to_string(a) +
                                                  ")); s.listen()\n"
                                                  "time.sleep(60)\n"}});
  EXPECT_TRUE(wait_for_port(a, 10s));
}

TEST(Harness, WaitForGivesUpAfterItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_for([] { return false; }, 200ms, 20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

// Starts a broker of the current target and creates and lists a topic with Kafka 3.9's
// kafka-topics (org.apache.kafka.tools.TopicCommand).
TEST(BrokerSmoke, KafkaTopicsCreatesAndListsATopic) {
  auto broker = make_broker();
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  auto start = std::chrono::steady_clock::now();
  broker->start();
  std::cerr << "[ harness ] " << target_name(broker->target()) << " broker serving on "
            << broker->bootstrap() << " after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms\n";

  JavaTool kafka("kafka-3.9.0");
  CommandResult created =
      kafka.run("org.apache.kafka.tools.TopicCommand",
                {"--bootstrap-server", broker->bootstrap(), "--create", "--topic", "smoke-topic",
                 "--partitions", "2", "--replication-factor", "1"});
  ASSERT_TRUE(created.ok()) << created.describe();
  EXPECT_NE(created.out.find("Created topic smoke-topic."), std::string::npos) << created.out;

  CommandResult listed = kafka.run("org.apache.kafka.tools.TopicCommand",
                                   {"--bootstrap-server", broker->bootstrap(), "--list"});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  EXPECT_NE(listed.out.find("smoke-topic\n"), std::string::npos) << listed.out;
}

// Two brokers of the current target in ZooKeeper mode; a topic replicated on both.
TEST(BrokerSmoke, ZooKeeperClusterReplicatesATopicOnTwoBrokers) {
  Cluster cluster(2);
  FJORD_SKIP_IF_UNAVAILABLE(cluster);
  auto start = std::chrono::steady_clock::now();
  cluster.start();
  std::cerr << "[ harness ] ZooKeeper + 2 brokers serving after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms\n";

  JavaTool kafka("kafka-3.9.0");
  CommandResult created =
      kafka.run("org.apache.kafka.tools.TopicCommand",
                {"--bootstrap-server", cluster.bootstrap(), "--create", "--topic", "replicated",
                 "--partitions", "1", "--replication-factor", "2"});
  ASSERT_TRUE(created.ok()) << created.describe();
  CommandResult described = kafka.run(
      "org.apache.kafka.tools.TopicCommand",
      {"--bootstrap-server", cluster.broker(1).bootstrap(), "--describe", "--topic", "replicated"});
  ASSERT_TRUE(described.ok()) << described.describe();
  EXPECT_NE(described.out.find("ReplicationFactor: 2"), std::string::npos) << described.out;
}

}  // namespace
}  // namespace fjord::itest
