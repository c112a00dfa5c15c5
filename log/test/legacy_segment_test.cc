// Segments holding legacy message sets (magic 0/1, as a log dir written by Kafka before 0.11
// holds): recovery re-validates them (CRC-32 of each message, a compressed wrapper as one
// entry), the indexes are rebuilt over them, reads find every offset, and a damaged legacy
// entry is cut like a damaged batch.
#include <gtest/gtest.h>

#include "log/batch_scanner.h"
#include "log/partition_log.h"
#include "log/segment_name.h"
#include "log/test/expected_index.h"
#include "log/test/test_batches.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/legacy_message.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {
namespace {

using testing::cat;
using testing::make_batch;
using testing::TempDir;
using testing::TestRecord;

constexpr int64_t kT0 = 1'700'000'000'000;

std::string str(ByteView b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

struct Entry {
  int64_t position;
  int64_t first_offset;
  int64_t last_offset;
};

// A .log in the order an upgraded Kafka leaves it: magic 0 plain and gzip-wrapped messages,
// magic 1 plain, gzip- and lz4-wrapped messages, then magic-2 batches. Offsets 0..kEnd-1.
constexpr int64_t kEnd = 42;
struct LegacyLog {
  Bytes bytes;
  std::vector<Entry> entries;

  LegacyLog() {
    int64_t next = 0;
    auto add_set = [&](int8_t magic, Compression c, int n) {
      legacy::LegacyMessageSetBuilder b(magic, c);
      for (int i = 0; i < n; ++i, ++next) {
        std::string key = cat("key", next % 7), value = cat("value-", next) + std::string(40, 'x');
        b.append(next, kT0 + next, as_bytes(key), as_bytes(value));
      }
      size_t start = bytes.size();
      ASSERT_EQ(b.build(bytes), RecordError::kNone);
      // One entry per message, or one wrapper for the set.
      BatchIterator it(ByteView(bytes).subspan(start));
      for (BatchEntry e; it.next(e);) {
        auto m = legacy::LegacyMessageView::parse(e.bytes);
        ASSERT_TRUE(m.ok());
        int64_t first = c == Compression::kNone ? m->offset() : m->offset() - n + 1;
        entries.push_back({static_cast<int64_t>(e.bytes.data() - bytes.data()), first, m->offset()});
      }
    };
    add_set(0, Compression::kNone, 3);
    add_set(0, Compression::kGzip, 4);
    add_set(1, Compression::kNone, 5);
    add_set(1, Compression::kGzip, 6);
    add_set(1, Compression::kLz4, 5);
    add_set(0, Compression::kSnappy, 3);
    while (next < kEnd) {
      std::vector<TestRecord> recs;
      for (int i = 0; i < 4; ++i) recs.push_back({cat("key", (next + i) % 7), "v2", kT0 + next + i});
      Bytes b = make_batch(next, recs, 5);
      entries.push_back({static_cast<int64_t>(bytes.size()), next, next + 3});
      bytes.insert(bytes.end(), b.begin(), b.end());
      next += 4;
    }
  }

  void write(const fs::path& dir) const {
    fs::create_directories(dir);
    auto f = File::open_read_write(segment_file(dir, 0, kLogSuffix), true);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->pwrite_all(bytes.data(), bytes.size(), 0).ok());
  }
};

LogConfig small_index_config() {
  LogConfig c;
  c.index_interval_bytes = 100;  // an index entry every entry or two
  return c;
}

std::unique_ptr<PartitionLog> open_log(const fs::path& dir, const Clock& clock, bool clean) {
  PartitionLogParams p;
  p.dir = dir;
  p.tp = {"old", 0};
  p.config = small_index_config();
  p.clock = &clock;
  p.clean_shutdown = clean;
  auto log = PartitionLog::open(p);
  EXPECT_TRUE(log.ok());
  return log.ok() ? std::move(*log) : nullptr;
}

// Every record readable from `from` on, with the offset it is stored at, through read().
std::vector<std::pair<int64_t, std::string>> read_all(const PartitionLog& log, int64_t from) {
  std::vector<std::pair<int64_t, std::string>> out;
  DecompressionBuffer scratch;
  int64_t next = from;
  while (next < log.log_end_offset()) {
    auto r = log.read(next, 1 << 20, log.log_end_offset(), true);
    EXPECT_TRUE(r.ok());
    if (!r.ok() || r->region.length == 0) break;
    Bytes buf(static_cast<size_t>(r->region.length));
    EXPECT_EQ(*r->segment->read_bytes(r->region.position, buf), buf.size());
    BatchIterator it(buf);
    int64_t before = next;
    for (BatchEntry e; it.next(e);) {
      if (e.bytes[batch_header::kMagic] < 2) {
        legacy::LegacyRecordReader reader(e.bytes, scratch);
        for (legacy::LegacyRecord rec; reader.next(rec);) {
          if (rec.offset >= next) out.emplace_back(rec.offset, str(*rec.value));
        }
        EXPECT_EQ(reader.error(), RecordError::kNone);
        next = std::max(next, batch_header::base_offset(e.bytes.data()) + 1);
      } else {
        auto v = RecordBatchView::parse(e.bytes);
        EXPECT_TRUE(v.ok());
        auto reader = v->records(scratch);
        for (Record rec; reader->next(rec);) {
          if (rec.offset >= next) out.emplace_back(rec.offset, str(*rec.value));
        }
        next = std::max(next, v->last_offset() + 1);
      }
    }
    if (next == before) break;
  }
  return out;
}

// The segment's offset index is the one Kafka's rule gives for its bytes.
void expect_index_matches_log(const Segment& s, int32_t interval) {
  bool complete = false;
  std::vector<OffsetPosition> want = testing::expected_index(s, interval, &complete);
  EXPECT_TRUE(complete);
  ASSERT_EQ(s.offset_index().entries(), static_cast<int32_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(s.offset_index().entry(static_cast<int32_t>(i)).offset, want[i].offset);
    EXPECT_EQ(s.offset_index().entry(static_cast<int32_t>(i)).position, want[i].position);
  }
  EXPECT_TRUE(s.indexes_sane());
}

void expect_everything_readable(const PartitionLog& log) {
  auto all = read_all(log, 0);
  ASSERT_EQ(all.size(), static_cast<size_t>(log.log_end_offset()));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].first, static_cast<int64_t>(i));
  EXPECT_EQ(all[8].second.substr(0, 8), "value-8x");
  // A read from inside a compressed wrapper starts at that wrapper.
  for (int64_t o : {4, 5, 13, 20, 27}) {
    auto from = read_all(log, o);
    ASSERT_FALSE(from.empty()) << o;
    EXPECT_EQ(from.front().first, o);
    EXPECT_EQ(from.size(), static_cast<size_t>(log.log_end_offset() - o));
  }
}

TEST(LegacySegmentTest, UncleanStopRecoversEveryLegacyEntryAndRebuildsTheIndexes) {
  LegacyLog legacy_log;
  TempDir tmp;
  fs::path dir = tmp.path() / "old-0";
  legacy_log.write(dir);
  ManualClock clock(kT0 + 1000);
  auto log = open_log(dir, clock, /*clean=*/false);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->load_report().bytes_cut(), 0);
  EXPECT_EQ(log->log_end_offset(), kEnd);
  expect_index_matches_log(*log->segments().back(), small_index_config().index_interval_bytes);
  expect_everything_readable(*log);
  // Magic-1 timestamps are indexed and found; magic 0 has none.
  auto by_ts = log->fetch_offset_by_timestamp(kT0 + 9);
  ASSERT_TRUE(by_ts.ok());
  EXPECT_EQ(by_ts->offset, 9);
  EXPECT_FALSE(by_ts->leader_epoch.has_value());
  // Magic-2 appends continue after the legacy data.
  Bytes b = make_batch(0, {{"k", "new", kT0 + 100}});
  auto appended = log->append_as_leader(b, 7);
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->first_offset, kEnd);
}

TEST(LegacySegmentTest, CleanLoadRebuildsMissingIndexesOverLegacyEntries) {
  LegacyLog legacy_log;
  TempDir tmp;
  fs::path dir = tmp.path() / "old-0";
  legacy_log.write(dir);
  ManualClock clock(kT0 + 1000);
  auto log = open_log(dir, clock, /*clean=*/true);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_end_offset(), kEnd);
  expect_index_matches_log(*log->segments().back(), small_index_config().index_interval_bytes);
  expect_everything_readable(*log);
}

TEST(LegacySegmentTest, ADamagedLegacyEntryIsCutWithEverythingAfterIt) {
  LegacyLog legacy_log;
  // Every legacy entry in turn: a flipped byte in its payload, or a cut inside it.
  for (size_t victim = 0; victim + 1 < legacy_log.entries.size(); ++victim) {
    const Entry& v = legacy_log.entries[victim];
    if (legacy_log.bytes[static_cast<size_t>(v.position) + batch_header::kMagic] >= 2) break;
    for (bool cut : {false, true}) {
      SCOPED_TRACE("entry at " + std::to_string(v.position) + (cut ? " cut" : " flipped"));
      TempDir tmp;
      fs::path dir = tmp.path() / "old-0";
      LegacyLog damaged = legacy_log;
      int64_t end = legacy_log.entries[victim + 1].position;
      if (cut) {
        damaged.bytes.resize(static_cast<size_t>(v.position + (end - v.position) / 2));
      } else {
        damaged.bytes[static_cast<size_t>(end - 3)] ^= 0x5a;  // inside the value or payload
      }
      damaged.write(dir);
      ManualClock clock(kT0 + 1000);
      auto log = open_log(dir, clock, /*clean=*/false);
      ASSERT_NE(log, nullptr);
      EXPECT_EQ(log->log_end_offset(), v.first_offset);
      EXPECT_EQ(log->segments().back()->size(), v.position);
      EXPECT_EQ(log->load_report().bytes_cut(), static_cast<int64_t>(damaged.bytes.size()) - v.position);
      auto all = read_all(*log, 0);
      ASSERT_EQ(all.size(), static_cast<size_t>(v.first_offset));
      expect_index_matches_log(*log->segments().back(), small_index_config().index_interval_bytes);
    }
  }
}

}  // namespace
}  // namespace fjord::log
