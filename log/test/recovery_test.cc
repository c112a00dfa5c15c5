// Crash tests: write a log, flush up to a recovery point, "crash" (no clean close), damage
// the files past the recovery point — cut the .log, flip bytes — and reopen. The log must end
// at the last intact batch, its indexes must agree with the log, and nothing before the
// recovery point may be lost.
#include <gtest/gtest.h>

#include <random>

#include "log/batch_scanner.h"
#include "log/partition_log.h"
#include "log/segment_name.h"
#include "log/test/expected_index.h"
#include "log/test/partition_log_fixture.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::expected_index;
using testing::make_batch;
using testing::PartitionLogFixture;
using testing::TestRecord;

constexpr int64_t kT0 = 1'700'000'000'000;

struct BatchLoc {
  int64_t segment_base;
  int64_t position;
  int64_t size;
  int64_t base_offset;
  int64_t last_offset;
};

std::vector<BatchLoc> scan_all(const PartitionLog& log) {
  std::vector<BatchLoc> out;
  for (const auto& s : log.segments()) {
    BatchScanner scan(s->log_file(), 0, s->size());
    for (BatchHeaderAt b; scan.next(b);) {
      out.push_back({s->base_offset(), b.position, b.size, b.base_offset(), b.last_offset()});
    }
  }
  return out;
}

LogConfig crash_config() {
  LogConfig c;
  c.segment_bytes = 8 * 1024;
  c.index_interval_bytes = 512;
  c.segment_index_bytes = 1024;
  return c;
}

void flip_byte(const fs::path& file, int64_t pos, uint8_t mask) {
  auto f = File::open_read_write(file, false);
  ASSERT_TRUE(f.ok());
  uint8_t b = 0;
  ASSERT_EQ(*f->pread(&b, 1, pos), 1u);
  b ^= mask;
  ASSERT_TRUE(f->pwrite_all(&b, 1, pos).ok());
}

void cut_file(const fs::path& file, int64_t size) {
  auto f = File::open_read_write(file, false);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(f->truncate(size).ok());
}

int damaged_cases = 0;

void run_case(uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  PartitionLogFixture f;
  f.config = crash_config();
  const fs::path dir = f.dir();
  int64_t rp = 0;
  std::vector<BatchLoc> before;
  {
    auto log = f.open();
    int batches = 20 + static_cast<int>(rng() % 60);
    int64_t flush_at_batch = static_cast<int64_t>(rng() % static_cast<uint64_t>(batches + 1));
    for (int i = 0; i < batches; ++i) {
      std::vector<TestRecord> recs;
      int n = 1 + static_cast<int>(rng() % 5);
      for (int r = 0; r < n; ++r) {
        std::string key(2, 'k');
        key[1] = static_cast<char>('0' + rng() % 10);
        recs.push_back({key, std::string(1 + rng() % 300, static_cast<char>('a' + rng() % 26)),
                        kT0 + static_cast<int64_t>(rng() % 1000)});
      }
      Bytes b = make_batch(0, recs, 0, rng() % 4 == 0 ? Compression::kGzip : Compression::kNone);
      ASSERT_TRUE(log->append_as_leader(b, static_cast<int32_t>(i / 10)).ok());
      if (i + 1 == flush_at_batch) {
        ASSERT_TRUE(log->flush().ok());
      }
    }
    rp = log->recovery_point();
    before = scan_all(*log);
    // Crash: no close(); the active segment's indexes stay preallocated.
  }
  ASSERT_FALSE(before.empty());
  // The first batch past the recovery point; damage goes only there and after.
  size_t first_unflushed = 0;
  while (first_unflushed < before.size() && before[first_unflushed].last_offset < rp) {
    ++first_unflushed;
  }
  size_t first_bad = before.size();  // index of the first batch damaged
  if (first_unflushed < before.size()) {
    int action = static_cast<int>(rng() % 3);  // 0 cut, 1 flip, 2 both
    if (action == 0 || action == 2) {
      size_t victim = first_unflushed + rng() % (before.size() - first_unflushed);
      const BatchLoc& v = before[victim];
      int64_t cut = v.position + static_cast<int64_t>(rng() % static_cast<uint64_t>(v.size));
      cut_file(segment_file(dir, v.segment_base, kLogSuffix), cut);
      // Later batches of the same segment are gone too; later segments remain on disk.
      first_bad = std::min(first_bad, victim);
    }
    if (action == 1 || action == 2) {
      size_t victim = first_unflushed + rng() % (before.size() - first_unflushed);
      const BatchLoc& v = before[victim];
      // Anywhere from batchLength on, except the leader epoch: the bytes a check covers.
      int64_t off;
      do {
        off = 8 + static_cast<int64_t>(rng() % static_cast<uint64_t>(v.size - 8));
      } while (off >= 12 && off < 16);
      auto log_file = segment_file(dir, v.segment_base, kLogSuffix);
      if (std::filesystem::file_size(log_file) > static_cast<uint64_t>(v.position + off)) {
        flip_byte(log_file, v.position + off, static_cast<uint8_t>(1u << (rng() % 8)));
        first_bad = std::min(first_bad, victim);
      }
    }
  }
  if (first_bad < before.size()) ++damaged_cases;
  int64_t expected_end =
      first_bad < before.size() ? before[first_bad].base_offset : before.back().last_offset + 1;

  auto log = f.open(rp);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_end_offset(), expected_end);
  EXPECT_GE(log->log_end_offset(), rp);
  std::vector<BatchLoc> after = scan_all(*log);
  ASSERT_EQ(after.size(), first_bad);
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].base_offset, before[i].base_offset);
    EXPECT_EQ(after[i].position, before[i].position);
  }
  for (const auto& s : log->segments()) {
    EXPECT_TRUE(s->indexes_sane());
    if (s->base_offset() >= 0) {
      auto exp = expected_index(*s, f.config.index_interval_bytes);
      // Segments before the recovery point keep their (append-built) indexes; both follow
      // the same rule, so they match too.
      ASSERT_EQ(s->offset_index().entries(), static_cast<int32_t>(exp.size()));
      for (size_t i = 0; i < exp.size(); ++i) {
        EXPECT_EQ(s->offset_index().entry(static_cast<int32_t>(i)), exp[i]);
      }
    }
  }
  for (const BatchLoc& b : after) {
    auto r = log->read(b.base_offset, 1, log->log_end_offset(), true);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->region.position, b.position);
    EXPECT_EQ(r->region.length, b.size);
  }
  // The log accepts appends where it ends.
  Bytes b = make_batch(0, {{std::nullopt, "after", kT0}}, 9);
  EXPECT_EQ(log->append_as_leader(b, 9)->first_offset, expected_end);
}

TEST(RecoveryTest, RandomCutsAndFlipsPastTheRecoveryPoint) {
  // The page cache stands in for the disk here: what matters is what the files hold.
  file_faults().skip_fsync = true;
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    run_case(seed);
    if (::testing::Test::HasFatalFailure()) break;
  }
  file_faults().reset();
  EXPECT_GT(damaged_cases, 350);
}

TEST(RecoveryTest, UncleanStopWithoutDamageLosesNothing) {
  PartitionLogFixture f;
  f.config = crash_config();
  const fs::path dir = f.dir();
  {
    auto log = f.open();
    for (int i = 0; i < 40; ++i) {
      Bytes b = make_batch(0, {{std::nullopt, std::string(200, 'x'), kT0 + i}}, 1);
      ASSERT_TRUE(log->append_as_leader(b, 1).ok());
    }
  }
  auto log = f.open();
  EXPECT_EQ(log->log_end_offset(), 40);
  EXPECT_EQ(log->load_report().bytes_cut(), 0);
  for (const auto& r : log->load_report().recovered) EXPECT_EQ(r.outcome, SegmentOutcome::kGood);
  EXPECT_EQ(log->leader_epoch_cache().entries(), (std::vector<EpochEntry>{{1, 0}}));
}

// The leader-epoch checkpoint is not written on the append path: appends only change the cache
// in memory. The file is written before the recovery point moves past an entry; entries above
// the recovery point come back from the batches after a crash.
TEST(RecoveryTest, LeaderEpochsSurviveACrashWithoutAnyBackgroundWrite) {
  PartitionLogFixture f;
  f.config = crash_config();
  const fs::path dir = f.dir();
  ThreadScheduler never_runs(f.clock, /*start_thread=*/false);  // background work is lost
  int64_t rp = 0;
  std::vector<EpochEntry> expected;
  {
    PartitionLogParams p;
    p.dir = dir;
    p.tp = {"topic", 0};
    p.config = f.config;
    p.clock = &f.clock;
    p.scheduler = &never_runs;
    auto log = PartitionLog::open(p);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 60; ++i) {
      Bytes b = make_batch(0, {{std::nullopt, std::string(400, 'x'), kT0 + i}}, 0);
      const int32_t epoch = 1 + i / 15;
      ASSERT_TRUE((*log)->append_as_leader(b, epoch).ok());
      if (i == 0) {
        EXPECT_FALSE(file_exists(dir / kLeaderEpochCheckpoint));  // no write on the append path
      }
      if (i == 35) {
        ASSERT_TRUE((*log)->flush().ok());
        rp = (*log)->recovery_point();
        // Epochs 1-3 start below the recovery point: on disk now.
        LeaderEpochCache on_disk(dir);
        ASSERT_TRUE(on_disk.load().ok());
        EXPECT_EQ(on_disk.entries(), (*log)->leader_epoch_cache().entries());
      }
    }
    ASSERT_GE((*log)->num_segments(), 3);
    expected = (*log)->leader_epoch_cache().entries();
    ASSERT_EQ(expected.size(), 4u);
    // Crash: no close(); the scheduled roll flushes and checkpoint writes never ran.
  }
  auto log = f.open(rp);
  EXPECT_EQ(log->log_end_offset(), 60);
  EXPECT_EQ(log->leader_epoch_cache().entries(), expected);
}

TEST(RecoveryTest, TruncationDeletesLaterSegmentsAndNamesOutcomes) {
  PartitionLogFixture f;
  f.config = crash_config();
  const fs::path dir = f.dir();
  int64_t second_base = 0;
  {
    auto log = f.open();
    for (int i = 0; i < 100; ++i) {
      Bytes b = make_batch(0, {{std::nullopt, std::string(200, 'x'), kT0 + i}}, 1);
      ASSERT_TRUE(log->append_as_leader(b, 1).ok());
    }
    ASSERT_GE(log->num_segments(), 3);
    second_base = log->segments()[1]->base_offset();
  }
  flip_byte(segment_file(dir, second_base, kLogSuffix), 100, 0x01);
  auto log = f.open();
  EXPECT_EQ(log->log_end_offset(), second_base);
  const auto& rec = log->load_report().recovered;
  ASSERT_GE(rec.size(), 3u);
  EXPECT_EQ(rec[0].outcome, SegmentOutcome::kGood);
  EXPECT_EQ(rec[1].outcome, SegmentOutcome::kTruncated);
  EXPECT_EQ(rec[1].valid_bytes, 0);
  EXPECT_EQ(rec[2].outcome, SegmentOutcome::kDeleted);
  EXPECT_FALSE(file_exists(segment_file(dir, rec[2].base_offset, kLogSuffix)));
  EXPECT_EQ(log->num_segments(), 2);
}

TEST(RecoveryTest, InterruptedRenamesAreFinishedAtLoad) {
  PartitionLogFixture f;
  f.config = crash_config();
  const fs::path dir = f.dir();
  {
    auto log = f.open();
    Bytes b = make_batch(0, {{std::nullopt, "x", kT0}}, 1);
    ASSERT_TRUE(log->append_as_leader(b, 1).ok());
    ASSERT_TRUE(log->close().ok());
  }
  write_file_atomically(dir / "00000000000000000500.log.deleted", "junk").ok();
  write_file_atomically(dir / "00000000000000000600.log.cleaned", "junk").ok();
  write_file_atomically(dir / "00000000000000000700.index", "orphan").ok();
  auto log = f.open(1, /*clean=*/true);
  EXPECT_EQ(log->log_end_offset(), 1);
  EXPECT_FALSE(file_exists(dir / "00000000000000000500.log.deleted"));
  EXPECT_FALSE(file_exists(dir / "00000000000000000600.log.cleaned"));
  EXPECT_FALSE(file_exists(dir / "00000000000000000700.index"));
}

}  // namespace
}  // namespace fjord::log
