#include "log/log_cleaner.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "log/checkpoint_file.h"
#include "log/segment_name.h"
#include "log/test/test_batches.h"
#include "protocol/records/batch_iterator.h"

namespace fjord::log {
namespace {

using testing::cat;
using testing::make_batch;
using testing::TempDir;
using testing::TestRecord;

constexpr int64_t kT0 = 1'700'000'000'000;

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

TEST(SkimpyOffsetMapTest, PutGetOverwriteAndClear) {
  SkimpyOffsetMap map(100 * SkimpyOffsetMap::kBytesPerEntry);
  EXPECT_EQ(map.slots(), 100);
  auto key = [](int i) {
    std::string k = cat("key-", i);
    return Bytes(k.begin(), k.end());
  };
  for (int i = 0; i < 90; ++i) map.put(key(i), i);  // load factor 0.9: probing collisions
  EXPECT_EQ(map.size(), 90);
  EXPECT_EQ(map.latest_offset(), 89);
  for (int i = 0; i < 90; ++i) EXPECT_EQ(map.get(key(i)), i) << i;
  EXPECT_EQ(map.get(key(1000)), -1);
  map.put(key(7), 500);  // an existing key: overwritten, no new entry
  EXPECT_EQ(map.size(), 90);
  EXPECT_EQ(map.get(key(7)), 500);
  EXPECT_EQ(map.latest_offset(), 500);
  map.clear();
  EXPECT_EQ(map.size(), 0);
  EXPECT_EQ(map.latest_offset(), -1);
  EXPECT_EQ(map.get(key(7)), -1);
  // A full map still answers (Kafka bounds the probing of a lookup).
  SkimpyOffsetMap tiny(3 * SkimpyOffsetMap::kBytesPerEntry);
  for (int i = 0; i < 3; ++i) tiny.put(key(i), i);
  EXPECT_EQ(tiny.get(key(2)), 2);
  EXPECT_EQ(tiny.get(key(3)), -1);
}

// A dedupe buffer too small for the dirty section's keys: every cleaning stops at the last
// offset that fit and the next one continues from there; the end result is the same log as
// one cleaning with a big enough map.
TEST(LogCleanerTest, SmallDedupeBufferCleansInSeveralPassesToTheSameResult) {
  Fixture full_log, small_log;
  std::mt19937 rng(42);
  for (int i = 0; i < 400; ++i) {
    std::string key = cat("key", static_cast<int64_t>(rng() % 60));
    std::optional<std::string> value;
    if (rng() % 10 != 0) value = cat("v", i);  // one in ten is a tombstone
    full_log.put(key, value);
    small_log.put(key, value);
  }
  for (Fixture* f : {&full_log, &small_log}) {
    f->log->update_high_watermark(f->log->log_end_offset());
  }
  ASSERT_GT(full_log.log->num_segments(), 10);
  const auto before = full_log.contents();

  LogCleaner big([&] { return std::vector<std::shared_ptr<PartitionLog>>{full_log.log}; },
                 full_log.clock);
  auto one = big.clean(*full_log.log);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(big.dirty_ratio(*full_log.log), 0.0);
  const auto expected = full_log.contents();
  EXPECT_LT(expected.size(), before.size() / 2);

  CleanerConfig tiny;
  tiny.dedupe_buffer_size = 10 * SkimpyOffsetMap::kBytesPerEntry;  // 10 slots, 9 keys a pass
  LogCleaner small([&] { return std::vector<std::shared_ptr<PartitionLog>>{small_log.log}; },
                   small_log.clock, tiny);
  int passes = 0;
  int64_t checkpoint = -1;
  while (small.dirty_ratio(*small_log.log) > 0.0 && passes < 200) {
    auto s = small.clean(*small_log.log);
    ASSERT_TRUE(s.ok());
    ++passes;
    auto cp = read_offset_checkpoint(small_log.tmp.path() / kCleanerOffsetCheckpoint);
    ASSERT_TRUE(cp.ok());
    int64_t next = cp->at({"compacted", 0});
    EXPECT_GT(next, checkpoint) << "pass " << passes << " made no progress";
    checkpoint = next;
    // Every pass keeps the log readable and every offset it had that a full cleaning keeps.
    auto now = small_log.contents();
    for (const auto& [o, kv] : expected) EXPECT_EQ(now.at(o), kv) << "pass " << passes;
  }
  EXPECT_GE(passes, 5);
  EXPECT_LT(passes, 200);
  EXPECT_EQ(small_log.contents(), expected);
  EXPECT_EQ(small_log.log->log_end_offset(), full_log.log->log_end_offset());
}

}  // namespace
}  // namespace fjord::log
