// Kafka reads Fjord's log files (DESIGN.md "Storage layer"): Fjord's PartitionLog writes a
// partition — several segments, every codec, keys, headers, timestamps, an idempotent producer —
// and Apache Kafka 3.9's own kafka.tools.DumpLogSegments (what kafka-dump-log.sh runs) prints
// every batch and record of the .log files, dumps and verifies the .index and .timeindex files
// against the log, and finds nothing to complain about.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "integration-tests/harness/java_tool.h"
#include "integration-tests/harness/temp_dir.h"
#include "log/partition_log.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/control_record.h"

namespace fjord::itest {
namespace {

namespace stdfs = std::filesystem;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kProducerId = 4242;
constexpr int16_t kProducerEpoch = 3;
constexpr int32_t kLeaderEpoch = 5;
constexpr int64_t kTxnProducerId = 5000;
constexpr int32_t kCoordinatorEpoch = 7;
constexpr std::string_view kDumpLogSegments = "kafka.tools.DumpLogSegments";

// What DumpLogSegments prints when an index or a log disagrees with itself, or a batch does not
// decode (strings from kafka.tools.DumpLogSegments 3.9 and the exceptions it surfaces).
const std::vector<std::string> kComplaints = {
    "Mismatches in",  "mismatch",         "out of order", "not found in the log",
    "invalid bytes",  "Failed to decode", "Error at",     "is corrupt",
    "isvalid: false", "isValid: false",   "Exception",    "failed sanity",
};

void expect_no_complaint(const CommandResult& r) {
  EXPECT_TRUE(r.ok()) << r.describe();
  for (const auto& c : kComplaints) {
    EXPECT_EQ(r.out.find(c), std::string::npos) << "DumpLogSegments said \"" << c << "\":\n"
                                                << r.out.substr(0, 4000);
    EXPECT_EQ(r.err.find(c), std::string::npos) << "DumpLogSegments said \"" << c << "\":\n"
                                                << r.err.substr(0, 4000);
  }
}

struct Header {
  std::string key;
  std::string value;
};

struct Written {
  int64_t offset = 0;
  int64_t timestamp = 0;
  int32_t sequence = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<Header> headers;
};

struct WrittenBatch {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  std::string codec;
  int32_t base_sequence = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool transactional = false;
};

// Fjord's PartitionLog with small segments, filled the way an idempotent producer and a
// transactional producer with its coordinator would.
class FjordPartition {
 public:
  explicit FjordPartition(const stdfs::path& dir) {
    log::PartitionLogParams p;
    p.dir = dir;
    p.tp = {"dumped", 0};
    p.config.segment_bytes = 4096;
    p.config.index_interval_bytes = 512;
    auto opened = log::PartitionLog::open(p);
    if (!opened.ok()) {
      ADD_FAILURE() << "PartitionLog::open: " << error_name(opened.error());
      return;
    }
    log_ = std::move(*opened);
  }
  log::PartitionLog* log() { return log_.get(); }

  // One batch of the idempotent producer kProducerId.
  void append(Compression codec, std::vector<Written> records) {
    BatchOptions options;
    options.compression = codec;
    options.producer_id = kProducerId;
    options.producer_epoch = kProducerEpoch;
    options.base_sequence = next_sequence_;
    next_sequence_ += static_cast<int32_t>(records.size());
    append_batch(options, std::move(records));
  }

  // A transactional producer's batch followed by the coordinator's COMMIT marker.
  void append_committed_transaction(std::vector<Written> records) {
    BatchOptions options;
    options.compression = Compression::kGzip;
    options.producer_id = kTxnProducerId;
    options.producer_epoch = 0;
    options.base_sequence = 0;
    options.transactional = true;
    ASSERT_NO_FATAL_FAILURE(append_batch(options, std::move(records)));
    TransactionMarker marker{.type = ControlRecordType::kCommit,
                             .coordinator_epoch = kCoordinatorEpoch,
                             .producer_id = kTxnProducerId,
                             .producer_epoch = 0,
                             .timestamp = written_.back().timestamp + 1};
    Bytes batch;
    ASSERT_EQ(build_transaction_marker(marker, batch), RecordError::kNone);
    // Written as the transaction coordinator writes it (not a client's batch).
    auto info = log_->append_as_leader(batch, kLeaderEpoch, {.from_client = false});
    ASSERT_TRUE(info.ok()) << error_name(info.error());
    marker_offset_ = info->first_offset;
  }

  const std::vector<Written>& written() const { return written_; }
  const std::vector<WrittenBatch>& batches() const { return batches_; }
  int64_t marker_offset() const { return marker_offset_; }

 private:
  void append_batch(const BatchOptions& options, std::vector<Written> records) {
    RecordBatchBuilder builder(options);
    for (auto& r : records) {
      std::vector<RecordHeader> headers;
      for (const auto& h : r.headers) headers.push_back({h.key, as_bytes(h.value)});
      std::optional<ByteView> key, value;
      if (r.key) key = as_bytes(*r.key);
      if (r.value) value = as_bytes(*r.value);
      builder.append(r.timestamp, key, value, headers);
    }
    Bytes batch;
    ASSERT_EQ(builder.build(batch), RecordError::kNone);
    auto info = log_->append_as_leader(batch, kLeaderEpoch);
    ASSERT_TRUE(info.ok()) << error_name(info.error());
    ASSERT_EQ(info->last_offset - info->first_offset + 1, static_cast<int64_t>(records.size()));
    batches_.push_back({info->first_offset, info->last_offset,
                        std::string(compression_name(options.compression)), options.base_sequence,
                        options.producer_id, options.producer_epoch, options.transactional});
    for (size_t i = 0; i < records.size(); ++i) {
      records[i].offset = info->first_offset + static_cast<int64_t>(i);
      records[i].sequence = options.base_sequence + static_cast<int32_t>(i);
      written_.push_back(records[i]);
    }
  }

  std::unique_ptr<log::PartitionLog> log_;
  std::vector<Written> written_;
  std::vector<WrittenBatch> batches_;
  int32_t next_sequence_ = 0;
  int64_t marker_offset_ = -1;
};

// The record line DumpLogSegments prints with --deep-iteration --print-data-log
// (kafka.tools.DumpLogSegments.dumpLog, default string decoders).
std::string expected_record_line(const Written& r) {
  std::string line =
      "| offset: " + std::to_string(r.offset) + " CreateTime: " + std::to_string(r.timestamp) +
      " keySize: " + std::to_string(r.key ? static_cast<int>(r.key->size()) : -1) +
      " valueSize: " + std::to_string(r.value ? static_cast<int>(r.value->size()) : -1) +
      " sequence: " + std::to_string(r.sequence) + " headerKeys: [";
  for (size_t i = 0; i < r.headers.size(); ++i) {
    if (i > 0) line += ',';
    line += r.headers[i].key;
  }
  line += "]";
  if (r.key) line += " key: " + *r.key;
  if (r.value) line += " payload: " + *r.value;
  return line;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::vector<std::string> files_with_suffix(const stdfs::path& dir, std::string_view suffix) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) {
    if (e.path().extension() == suffix) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LogFilesKafkaDumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FjordPartition partition(dir_);
    ASSERT_NE(partition.log(), nullptr);
    const Compression codecs[] = {Compression::kNone, Compression::kGzip, Compression::kSnappy,
                                  Compression::kLz4, Compression::kZstd};
    int64_t ts = kT0;
    for (int round = 0; round < 5; ++round) {
      for (Compression codec : codecs) {
        std::vector<Written> records;
        for (int i = 0; i < 8; ++i) {
          Written r;
          // Built with += only: GCC 12 warns (-Wrestrict) on "literal" + std::string here.
          std::string tag(compression_name(codec));
          tag += '-';
          tag += std::to_string(round);
          tag += '-';
          tag += std::to_string(i);
          r.timestamp = ts;
          ts += 7;
          r.key = std::string("key-").append(tag);
          r.value = std::string("value-").append(tag).append("-").append(40 + i, 'x');
          for (int h = 0; h < i % 3; ++h) {
            r.headers.push_back(
                {std::string("h").append(std::to_string(h)), std::string("hv-").append(tag)});
          }
          records.push_back(std::move(r));
        }
        ASSERT_NO_FATAL_FAILURE(partition.append(codec, std::move(records)));
      }
    }
    // A null key and a tombstone (null value).
    Written no_key{.timestamp = ts, .value = "value-without-key"};
    Written tombstone{.timestamp = ts + 1, .key = "tombstone"};
    ASSERT_NO_FATAL_FAILURE(partition.append(Compression::kLz4, {no_key, tombstone}));
    std::vector<Written> txn;
    for (int i = 0; i < 3; ++i) {
      std::string n = std::to_string(i);
      txn.push_back({.timestamp = ts + 2 + i,
                     .key = std::string("txn-key-").append(n),
                     .value = std::string("txn-value-").append(n),
                     .headers = {{"txn", "yes"}}});
    }
    ASSERT_NO_FATAL_FAILURE(partition.append_committed_transaction(std::move(txn)));
    marker_offset_ = partition.marker_offset();
    written_ = partition.written();
    batches_ = partition.batches();
    num_segments_ = partition.log()->num_segments();
    ASSERT_TRUE(partition.log()->close().ok());
  }

  CommandResult dump(const std::vector<std::string>& args) const {
    return kafka_.run(kDumpLogSegments, args, {.timeout = 180s});
  }

  TempDir tmp_{"fjord-dump-log"};
  stdfs::path dir_ = tmp_ / "dumped-0";
  JavaTool kafka_{"kafka-3.9.0"};
  std::vector<Written> written_;
  std::vector<WrittenBatch> batches_;
  int num_segments_ = 0;
  int64_t marker_offset_ = -1;
};

TEST_F(LogFilesKafkaDumpTest, DumpLogSegmentsPrintsEveryBatchAndRecord) {
  ASSERT_GE(num_segments_, 3) << "segment.bytes=4096 should roll several segments";
  auto logs = files_with_suffix(dir_, ".log");
  ASSERT_EQ(static_cast<int>(logs.size()), num_segments_);
  CommandResult r = dump({"--files", join(logs, ','), "--print-data-log", "--deep-iteration"});
  expect_no_complaint(r);
  auto lines = lines_of(r.out);
  auto has_line = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  for (const auto& w : written_) {
    std::string line = expected_record_line(w);
    EXPECT_TRUE(has_line(line)) << "missing: " << line;
  }
  for (const auto& b : batches_) {
    // "baseOffset: 0 lastOffset: 7 count: 8 baseSequence: 0 lastSequence: 7 producerId: ..."
    std::string head =
        "baseOffset: " + std::to_string(b.base_offset) +
        " lastOffset: " + std::to_string(b.last_offset) +
        " count: " + std::to_string(b.last_offset - b.base_offset + 1) +
        " baseSequence: " + std::to_string(b.base_sequence) +
        " lastSequence: " + std::to_string(b.base_sequence + b.last_offset - b.base_offset) +
        " producerId: " + std::to_string(b.producer_id) +
        " producerEpoch: " + std::to_string(b.producer_epoch) +
        " partitionLeaderEpoch: " + std::to_string(kLeaderEpoch) +
        " isTransactional: " + (b.transactional ? "true" : "false") + " isControl: false";
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const std::string& l) { return l.starts_with(head); });
    ASSERT_NE(it, lines.end()) << "missing batch: " << head;
    EXPECT_NE(it->find(" magic: 2 compresscodec: " + b.codec + " "), std::string::npos) << *it;
    EXPECT_TRUE(it->ends_with(" isvalid: true")) << *it;
  }
  // The COMMIT marker: a control batch whose one record DumpLogSegments decodes.
  std::string marker_head =
      "baseOffset: " + std::to_string(marker_offset_) +
      " lastOffset: " + std::to_string(marker_offset_) +
      " count: 1 baseSequence: -1 lastSequence: -1 producerId: " + std::to_string(kTxnProducerId) +
      " producerEpoch: 0" + " partitionLeaderEpoch: " + std::to_string(kLeaderEpoch) +
      " isTransactional: true isControl: true";
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [&](const std::string& l) { return l.starts_with(marker_head); }))
      << "missing marker batch: " << marker_head;
  std::string marker_record = "| offset: " + std::to_string(marker_offset_) + " ";
  std::string marker_tail =
      " endTxnMarker: COMMIT coordinatorEpoch: " + std::to_string(kCoordinatorEpoch);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [&](const std::string& l) {
                            return l.starts_with(marker_record) && l.ends_with(marker_tail);
                          }))
      << "missing marker record at offset " << marker_offset_;

  // Every segment file is announced, with the base offset Kafka derives from its name.
  for (const auto& f : logs) {
    EXPECT_TRUE(has_line("Dumping " + f)) << f;
    auto base = log::parse_base_offset(stdfs::path(f).filename().string());
    ASSERT_TRUE(base.has_value()) << f;
    EXPECT_TRUE(has_line("Log starting offset: " + std::to_string(*base))) << f;
  }
}

TEST_F(LogFilesKafkaDumpTest, DumpLogSegmentsReadsAndVerifiesTheIndexes) {
  auto indexes = files_with_suffix(dir_, ".index");
  auto time_indexes = files_with_suffix(dir_, ".timeindex");
  ASSERT_EQ(static_cast<int>(indexes.size()), num_segments_);
  ASSERT_EQ(static_cast<int>(time_indexes.size()), num_segments_);
  std::vector<std::string> all = indexes;
  all.insert(all.end(), time_indexes.begin(), time_indexes.end());

  // Dumping an index also checks each entry against the .log beside it.
  CommandResult r = dump({"--files", join(all, ',')});
  expect_no_complaint(r);
  auto lines = lines_of(r.out);
  int offset_entries = 0, time_entries = 0;
  for (const auto& l : lines) {
    if (l.starts_with("offset: ") && l.find(" position: ") != std::string::npos) {
      ++offset_entries;
    }
    if (l.starts_with("timestamp: ") && l.find(" offset: ") != std::string::npos) ++time_entries;
  }
  // index.interval.bytes=512 over ~4 KiB segments: several entries, so the check is not vacuous.
  EXPECT_GE(offset_entries, num_segments_);
  EXPECT_GE(time_entries, num_segments_);

  r = dump({"--verify-index-only", "--files", join(all, ',')});
  expect_no_complaint(r);
  for (const auto& l : lines_of(r.out)) {
    EXPECT_TRUE(l.starts_with("Dumping ")) << "unexpected output of --verify-index-only: " << l;
  }

  // The check a Kafka broker runs on start-up to decide whether to rebuild an index.
  r = dump({"--index-sanity-check", "--files", join(all, ',')});
  expect_no_complaint(r);
  for (const auto& f : all) {
    EXPECT_NE(r.out.find(f + " passed sanity check."), std::string::npos) << r.out;
  }
}

// The negative control: the complaints this test looks for are the ones DumpLogSegments really
// prints, so a silent pass above means agreement, not a changed output format.
TEST_F(LogFilesKafkaDumpTest, DumpLogSegmentsReportsADamagedIndex) {
  auto indexes = files_with_suffix(dir_, ".index");
  std::string damaged;
  for (const auto& f : indexes) {
    if (stdfs::file_size(f) >= 16) damaged = f;
  }
  ASSERT_FALSE(damaged.empty());
  {
    // The second entry's position (bytes 12..15) now points at the first entry's batch.
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    char first_position[4];
    f.seekg(4);
    f.read(first_position, 4);
    f.seekp(12);
    f.write(first_position, 4);
    ASSERT_TRUE(f.good());
  }
  CommandResult r = dump({"--verify-index-only", "--files", damaged});
  // kafka.tools.DumpLogSegments prints "Mismatches in :<file>" and the pairs to stderr.
  EXPECT_NE(r.err.find("Mismatches in :" + damaged), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("Index offset: "), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace fjord::itest
