// Kafka compatibility: Kafka 3.9's own DumpLogSegments (kafka-dump-log) reads the .log,
// .index and .timeindex files Fjord writes, and --verify-index-only finds no mismatch.
// Skipped when java or the Kafka jars (tools/fetch-jars.sh kafka-3.9.0) are missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "log/partition_log.h"
#include "log/segment_name.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::make_batch;
using testing::TempDir;
using testing::TestRecord;

fs::path kafka_jars() {
  const char* env = std::getenv("FJORD_JARS_DIR");
  fs::path base = env ? fs::path(env) : fs::path(FJORD_SOURCE_DIR) / ".cache" / "jars";
  return base / "kafka-3.9.0";
}

std::string run(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    status = -1;
    return out;
  }
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  status = ::pclose(p);
  return out;
}

TEST(KafkaCompatTest, KafkaDumpLogReadsOurSegmentsAndVerifiesTheIndexes) {
  fs::path jars = kafka_jars();
  if (std::system("java -version > /dev/null 2>&1") != 0 || !fs::exists(jars)) {
    GTEST_SKIP() << "java or " << jars << " missing";
  }
  TempDir tmp;
  fs::path dir = tmp.path() / "compat-0";
  LogConfig config;
  config.segment_bytes = 16 * 1024;
  config.index_interval_bytes = 1024;
  config.segment_index_bytes = 64 * 1024;
  int64_t records = 0;
  std::vector<int64_t> bases;
  {
    PartitionLogParams p;
    p.dir = dir;
    p.tp = {"compat", 0};
    p.config = config;
    auto log = std::move(PartitionLog::open(p).value());
    for (int i = 0; i < 300; ++i) {
      std::vector<TestRecord> recs;
      for (int r = 0; r < 1 + i % 7; ++r) {
        std::string key(1, static_cast<char>('a' + r));
        recs.push_back(
            {key, std::string(100 + (i * 37) % 400, 'v'), 1'700'000'000'000 + i * 10 + r});
      }
      Compression c = static_cast<Compression>(i % 5);  // none, gzip, snappy, lz4, zstd
      Bytes b = make_batch(0, recs, 0, c);
      ASSERT_TRUE(log->append_as_leader(b, i / 100).ok());
      records += static_cast<int64_t>(recs.size());
    }
    for (const auto& s : log->segments()) bases.push_back(s->base_offset());
    ASSERT_TRUE(log->close().ok());
  }
  ASSERT_GT(bases.size(), 2u);
  std::string files;
  for (int64_t b : bases) {
    for (auto suffix : {kLogSuffix, kIndexSuffix, kTimeIndexSuffix}) {
      if (!files.empty()) files += ",";
      files += segment_file(dir, b, suffix).string();
    }
  }
  std::string java = "java -cp '" + jars.string() + "/*' kafka.tools.DumpLogSegments ";
  int status = 0;
  std::string verify = run(java + "--verify-index-only --files " + files, status);
  EXPECT_EQ(status, 0) << verify;
  if (std::getenv("FJORD_VERBOSE")) std::printf("%s\n", verify.c_str());
  EXPECT_EQ(verify.find("Mismatch"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("not in"), std::string::npos) << verify;
  EXPECT_EQ(verify.find("Exception"), std::string::npos) << verify;

  std::string dump = run(java + "--deep-iteration --files " + files, status);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(dump.find("Exception"), std::string::npos) << dump.substr(0, 2000);
  // Every record is printed once with its offset ("| offset: N ").
  int64_t printed = 0;
  for (size_t pos = 0; (pos = dump.find("| offset: ", pos)) != std::string::npos; ++pos) ++printed;
  EXPECT_EQ(printed, records);
  if (std::getenv("FJORD_VERBOSE")) std::printf("%s\n", dump.substr(0, 3000).c_str());
  EXPECT_NE(dump.find("isvalid: true"), std::string::npos);
  // Index entries are printed too: "offset: N position: P" and "timestamp: T offset: N".
  EXPECT_NE(dump.find("\noffset: "), std::string::npos);
  EXPECT_NE(dump.find("\ntimestamp: "), std::string::npos);
  EXPECT_EQ(dump.find("isvalid: false"), std::string::npos);
}

}  // namespace
}  // namespace fjord::log
