// Fjord opens a partition directory written by Apache Kafka 3.9 (test/data/kafka-3.9.0-
// fixture-0: 300 records of 300 bytes produced by ProducerPerformance with each codec,
// segment.bytes=16384, index.interval.bytes=1024, cleanly shut down) and reads every record.
// Kafka's own .index files must equal what our index rule gives for the same .log bytes.
#include <gtest/gtest.h>

#include "log/batch_scanner.h"
#include "log/partition_log.h"
#include "log/partition_metadata.h"
#include "log/test/test_batches.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {
namespace {

using testing::TempDir;

fs::path copy_fixture(const TempDir& tmp) {
  fs::path src = fs::path(FJORD_SOURCE_DIR) / "log/test/data/kafka-3.9.0-fixture-0";
  fs::path dst = tmp.path() / "fixture-0";
  fs::copy(src, dst, fs::copy_options::recursive);
  return dst;
}

std::unique_ptr<PartitionLog> open_fixture(const fs::path& dir, bool clean) {
  PartitionLogParams p;
  p.dir = dir;
  p.tp = {"fixture", 0};
  p.config.segment_bytes = 16384;
  p.config.index_interval_bytes = 1024;
  p.recovery_point = clean ? 300 : 0;
  p.clean_shutdown = clean;
  auto log = PartitionLog::open(p);
  EXPECT_TRUE(log.ok());
  return log.ok() ? std::move(log.value()) : nullptr;
}

int64_t count_records(const PartitionLog& log) {
  int64_t n = 0, next = log.log_start_offset();
  DecompressionBuffer scratch;
  while (next < log.log_end_offset()) {
    auto r = log.read(next, 1 << 20, log.log_end_offset(), true);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r->region.length == 0) break;
    Bytes buf(static_cast<size_t>(r->region.length));
    EXPECT_EQ(*r->segment->read_bytes(r->region.position, buf), buf.size());
    BatchIterator it(buf);
    for (BatchEntry e; it.next(e);) {
      auto v = RecordBatchView::parse(e.bytes);
      EXPECT_EQ(v->validate_records(scratch, {.contiguous_offsets = true}), RecordError::kNone);
      n += v->records_count();
      next = v->last_offset() + 1;
    }
  }
  return n;
}

TEST(KafkaLogDirTest, OpensAndReadsADirectoryWrittenByKafka39) {
  TempDir tmp;
  fs::path dir = copy_fixture(tmp);
  // Kafka's index files, before anything of ours touches them.
  std::map<int64_t, Bytes> kafka_index;
  auto files = list_dir(dir);
  ASSERT_TRUE(files.ok());
  for (const auto& p : files.value()) {
    if (p.extension() == ".index") {
      auto text = read_small_file(p);
      kafka_index[*parse_base_offset(p.filename().string())] = Bytes(text->begin(), text->end());
    }
  }
  auto log = open_fixture(dir, /*clean=*/true);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 300);
  EXPECT_EQ(log->num_segments(), 6);
  EXPECT_TRUE(log->load_report().recovered.empty());
  EXPECT_EQ(count_records(*log), 300);
  EXPECT_EQ(log->leader_epoch_cache().entries(), (std::vector<EpochEntry>{{0, 0}}));
  EXPECT_EQ(uuid_to_base64(*read_partition_metadata(dir)), "1sfah9unRLWilDPv0VINjA");
  // Kafka's sparse index is exactly what our rule computes over the same bytes.
  for (const auto& seg : log->segments()) {
    Bytes expected;
    int64_t since = 0;
    BatchScanner scan(seg->log_file(), 0, seg->size());
    for (BatchHeaderAt b; scan.next(b);) {
      if (since > 1024) {
        Bytes e(8);
        batch_header::store_be<int32_t>(e.data(),
                                        static_cast<int32_t>(b.last_offset() - seg->base_offset()));
        batch_header::store_be<int32_t>(e.data() + 4, static_cast<int32_t>(b.position));
        expected.insert(expected.end(), e.begin(), e.end());
        since = 0;
      }
      since += b.size;
    }
    EXPECT_EQ(kafka_index[seg->base_offset()], expected) << seg->base_offset();
  }
  auto ts = log->fetch_offset_by_timestamp(kMaxTimestamp);
  ASSERT_TRUE(ts.ok());
  EXPECT_GE(ts->offset, 0);
  // And it keeps going: append after Kafka's data.
  Bytes b = testing::make_simple_batch(0, 3, 10, ts->timestamp + 1);
  EXPECT_EQ(log->append_as_leader(b, 1)->first_offset, 300);
  EXPECT_EQ(count_records(*log), 303);
}

TEST(KafkaLogDirTest, FullRecoveryOfKafkasFilesCutsNothing) {
  TempDir tmp;
  auto log = open_fixture(copy_fixture(tmp), /*clean=*/false);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_end_offset(), 300);
  EXPECT_EQ(log->load_report().bytes_cut(), 0);
  EXPECT_EQ(log->load_report().recovered.size(), 6u);
  EXPECT_EQ(count_records(*log), 300);
}

}  // namespace
}  // namespace fjord::log
