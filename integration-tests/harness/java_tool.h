// JavaTool runs Java main classes (Kafka's console tools, Kafka itself, ZooKeeper, Flume) from a
// jar bundle in .cache/jars/<bundle>/ with `java -cp '<dir>/*'`, logging only warnings to stderr
// (log4j 1 or log4j 2 config chosen by what the bundle ships). The bundle is fetched on first
// use. Thread-compatible: const methods may be called concurrently.
//
//   JavaTool kafka("kafka-3.9.0");
//   auto r = kafka.run("org.apache.kafka.tools.TopicCommand",
//                      {"--bootstrap-server", broker.bootstrap(), "--list"});
//   ASSERT_TRUE(r.ok()) << r.describe();
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "integration-tests/harness/command.h"

namespace fjord::itest {

class JavaTool {
 public:
  // Throws HarnessError if the bundle cannot be fetched.
  explicit JavaTool(std::string_view bundle = "kafka-3.9.0");

  // Runs main_class to completion (see run_command). jvm_options go before the class name.
  CommandResult run(std::string_view main_class, const std::vector<std::string>& args,
                    const RunOptions& options = {},
                    const std::vector<std::string>& jvm_options = {}) const;

  // The argv that run() uses, for long-running programs started with Process::spawn. Short
  // tools get a small heap and quick-start JIT flags unless jvm_options set their own -Xmx.
  std::vector<std::string> command(std::string_view main_class,
                                   const std::vector<std::string>& args,
                                   const std::vector<std::string>& jvm_options = {}) const;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& bundle() const { return bundle_; }

 private:
  std::string bundle_;
  std::filesystem::path dir_;
  bool log4j1_ = false;
};

// The member table of `kafka-consumer-groups --describe --members` for `group`:
// CONSUMER-ID -> #PARTITIONS (columns GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS).
std::map<std::string, int> described_members(const std::string& out, const std::string& group);

}  // namespace fjord::itest
