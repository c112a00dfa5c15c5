#include "log/log_cleaner.h"

#include <gtest/gtest.h>

#include <map>

#include "log/checkpoint_file.h"
#include "log/segment_name.h"
#include "log/test/test_batches.h"
#include "protocol/records/batch_iterator.h"

namespace fjord::log {
namespace {

using testing::make_batch;
using testing::TempDir;
using testing::TestRecord;

constexpr int64_t kT0 = 1'700'000'000'000;

// "key" + std::to_string(n) trips a GCC 12 -Wrestrict false positive.
std::string cat(const char* prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

struct Fixture {
  TempDir tmp;
  ManualClock clock{kT0};
  LogConfig config;
  std::shared_ptr<PartitionLog> log;
  Fixture() {
    config.cleanup_compact = true;
    config.cleanup_delete = false;
    config.segment_bytes = 2048;
    config.segment_index_bytes = 4096;
    config.delete_retention_ms = 1000;
    PartitionLogParams p;
    p.dir = tmp.path() / "compacted-0";
    p.tp = {"compacted", 0};
    p.config = config;
    p.clock = &clock;
    log = std::shared_ptr<PartitionLog>(std::move(PartitionLog::open(p).value()));
  }
  void put(const std::string& key, std::optional<std::string> value) {
    Bytes b = make_batch(0, {{key, value, clock.now_ms()}}, 1,
                         key.back() % 2 ? Compression::kLz4 : Compression::kNone);
    ASSERT_TRUE(log->append_as_leader(b, 1).ok());
  }
  // offset -> (key, value or "<null>") for everything readable.
  std::map<int64_t, std::pair<std::string, std::string>> contents() {
    std::map<int64_t, std::pair<std::string, std::string>> out;
    DecompressionBuffer scratch;
    for (const auto& seg : log->segments()) {
      Bytes buf(static_cast<size_t>(seg->size()));
      EXPECT_EQ(*seg->read_bytes(0, buf), buf.size());
      BatchIterator it(buf);
      for (BatchEntry e; it.next(e);) {
        auto v = RecordBatchView::parse(e.bytes);
        EXPECT_EQ(v->validate(), RecordError::kNone);
        auto reader = v->records(scratch);
        for (Record r; reader->next(r);) {
          auto s = [](std::optional<ByteView> b) {
            return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size())
                     : std::string("<null>");
          };
          out[r.offset] = {s(r.key), s(r.value)};
        }
      }
    }
    return out;
  }
};

TEST(LogCleanerTest, KeepsLatestPerKeyWithOriginalOffsetsAndNeverTheActiveSegment) {
  Fixture f;
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 5; ++k) {
      f.put(cat("key", k), cat("v", round));
    }
  }
  f.log->update_high_watermark(f.log->log_end_offset());
  int64_t active_base = f.log->segments().back()->base_offset();
  LogCleaner cleaner([&] { return std::vector<std::shared_ptr<PartitionLog>>{f.log}; }, f.clock);
  EXPECT_GT(cleaner.dirty_ratio(*f.log), 0.5);
  auto before = f.contents();
  auto stats = cleaner.clean_once();
  EXPECT_EQ(stats.logs_cleaned, 1);
  auto after = f.contents();
  // Below the active segment: one record per key, the latest one, at its original offset.
  std::map<std::string, int64_t> last_below;
  for (const auto& [o, kv] : before) {
    if (o < active_base) last_below[kv.first] = o;
  }
  for (const auto& [o, kv] : after) {
    if (o >= active_base) {
      EXPECT_EQ(before.at(o), kv);  // the active segment is untouched
      continue;
    }
    EXPECT_EQ(last_below[kv.first], o) << kv.first;
    EXPECT_EQ(before.at(o), kv);
  }
  // Everything at or above the active segment is still there.
  for (const auto& [o, kv] : before) {
    if (o >= active_base) {
      EXPECT_TRUE(after.count(o));
    }
  }
  EXPECT_EQ(cleaner.dirty_ratio(*f.log), 0.0);
  EXPECT_TRUE(file_exists(f.tmp.path() / kCleanerOffsetCheckpoint));
  EXPECT_EQ(f.log->read(0, 100000, f.log->log_end_offset(), true).ok(), true);
}

TEST(LogCleanerTest, TombstonesGoAfterDeleteRetention) {
  Fixture f;
  f.put("a", "1");
  f.put("b", "1");
  f.put("a", std::nullopt);  // tombstone
  for (int i = 0; i < 40; ++i) f.put(cat("filler", i % 3), "x");
  f.log->update_high_watermark(f.log->log_end_offset());
  LogCleaner cleaner([&] { return std::vector<std::shared_ptr<PartitionLog>>{f.log}; }, f.clock);
  ASSERT_TRUE(cleaner.clean(*f.log).ok());
  auto c = f.contents();
  EXPECT_FALSE(c.count(0));  // old "a" value
  ASSERT_TRUE(c.count(2));   // tombstone kept for now
  EXPECT_EQ(c.at(2).second, "<null>");
  f.clock.advance_ms(1001);
  ASSERT_TRUE(cleaner.clean(*f.log).ok());
  c = f.contents();
  EXPECT_FALSE(c.count(2));  // past delete.retention.ms
  EXPECT_TRUE(c.count(1));   // "b" stays
}

TEST(LogCleanerTest, MinCompactionLagProtectsRecentSegments) {
  Fixture f;
  auto cfg = f.log->config();
  cfg.min_compaction_lag_ms = 10'000;
  f.log->update_config(cfg);
  for (int i = 0; i < 40; ++i) f.put("k", std::to_string(i));
  f.log->update_high_watermark(f.log->log_end_offset());
  LogCleaner cleaner([&] { return std::vector<std::shared_ptr<PartitionLog>>{f.log}; }, f.clock);
  EXPECT_EQ(cleaner.clean_once().logs_cleaned, 0);
  f.clock.advance_ms(10'001);
  EXPECT_EQ(cleaner.clean_once().logs_cleaned, 1);
  EXPECT_LT(f.contents().size(), 40u);
}

TEST(LogCleanerTest, ReopenAfterCleaningFindsTheSameLog) {
  Fixture f;
  for (int i = 0; i < 60; ++i) f.put(cat("k", i % 4), std::to_string(i));
  f.log->update_high_watermark(f.log->log_end_offset());
  LogCleaner cleaner([&] { return std::vector<std::shared_ptr<PartitionLog>>{f.log}; }, f.clock);
  ASSERT_TRUE(cleaner.clean(*f.log).ok());
  auto c = f.contents();
  int64_t end = f.log->log_end_offset();
  ASSERT_TRUE(f.log->close().ok());
  f.log.reset();
  PartitionLogParams p;
  p.dir = f.tmp.path() / "compacted-0";
  p.tp = {"compacted", 0};
  p.config = f.config;
  p.clock = &f.clock;
  f.log = std::shared_ptr<PartitionLog>(std::move(PartitionLog::open(p).value()));  // unclean path
  EXPECT_EQ(f.log->log_end_offset(), end);
  EXPECT_EQ(f.contents(), c);
  EXPECT_EQ(f.log->load_report().bytes_cut(), 0);
}

}  // namespace
}  // namespace fjord::log
