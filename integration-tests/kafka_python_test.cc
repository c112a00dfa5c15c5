// A user runs kafka-python (the pure-Python client from PyPI) against the broker: a producer and
// an assigned-partition consumer, both detecting the broker's API versions themselves; and
// consumers in a group that commit, leave, resume and share partitions. The client runs in the
// git-ignored venv that tools/python-venv.sh builds; the checks are in python/*.py, which print
// one JSON line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/command.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/paths.h"

namespace fjord::itest {
namespace {

// The venv's python, built on first use (pip needs PyPI then).
std::string venv_python() {
  CommandResult r =
      run_command({(source_dir() / "tools" / "python-venv.sh").string()}, {.timeout = 600s});
  if (!r.ok()) throw std::runtime_error("tools/python-venv.sh failed: " + r.describe());
  std::string path = r.out;
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  return path;
}

TEST(KafkaPython, ProducerAndConsumerRoundTripWithDetectedApiVersions) {
  auto broker = make_broker({.overrides = {{"num.partitions", "4"}}});
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  const std::string python = venv_python();
  broker->start();

  CommandResult r = run_command(
      {python,
       (source_dir() / "integration-tests" / "python" / "kafka_python_roundtrip.py").string(),
       broker->bootstrap(), "kafka-python-roundtrip", "4", "2000"},
      {.timeout = 180s});
  ASSERT_TRUE(r.ok()) << r.describe();
  auto result = nlohmann::json::parse(r.out.substr(r.out.rfind('{')));
  EXPECT_EQ(result["ok"], true) << r.out;
  EXPECT_EQ(result["consumed"], 2000) << r.out;
  // Headers need magic 2 record batches, which kafka-python uses only for brokers it detects as
  // 0.11 or newer; the round trip above would have failed otherwise. Log what it detected.
  std::cerr << "[ kafka-python ] detected broker API version: producer "
            << result["producer_api_version"] << ", consumer " << result["consumer_api_version"]
            << "\n";
}

// Group round trip (python/kafka_python_group.py): A commits half and leaves, B resumes from
// the committed offsets (exactly once in total), the admin client sees the committed log ends,
// and two concurrent members split the partitions.
TEST(KafkaPython, ConsumerGroupCommitsResumesAndSplitsPartitions) {
  auto broker = make_broker({.overrides = {{"num.partitions", "4"}}});
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  const std::string python = venv_python();
  broker->start();

  CommandResult r = run_command(
      {python, (source_dir() / "integration-tests" / "python" / "kafka_python_group.py").string(),
       broker->bootstrap(), "kafka-python-group", "4", "2000"},
      {.timeout = 240s});
  ASSERT_TRUE(r.ok()) << r.describe();
  auto result = nlohmann::json::parse(r.out.substr(r.out.rfind('{')));
  EXPECT_EQ(result["ok"], true) << r.out;
  EXPECT_EQ(result["members"], 2) << r.out;
  EXPECT_EQ(result["protocol"], "range") << r.out;  // kafka-python's first default assignor
  std::cerr << "[ kafka-python ] " << r.out.substr(r.out.rfind('{'));
}

}  // namespace
}  // namespace fjord::itest
