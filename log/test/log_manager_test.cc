#include "log/log_manager.h"

#include <gtest/gtest.h>

#include "log/checkpoint_file.h"
#include "log/partition_metadata.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::make_simple_batch;
using testing::TempDir;

constexpr int64_t kT0 = 1'700'000'000'000;

struct Fixture {
  TempDir tmp;
  ManualClock clock{kT0};
  LogManagerConfig config;
  Fixture() {
    config.log_dirs = {tmp.path() / "d1", tmp.path() / "d2"};
    config.default_config.segment_index_bytes = 4096;
    config.default_config.segment_bytes = 4096;
    config.clock = &clock;
    config.start_scheduler_thread = false;
    config.recovery_threads_per_dir = 2;
  }
  std::unique_ptr<LogManager> open() {
    auto m = LogManager::open(config);
    EXPECT_TRUE(m.ok());
    return m.ok() ? std::move(m.value()) : nullptr;
  }
};

void append_n(PartitionLog& log, int batches) {
  for (int i = 0; i < batches; ++i) {
    Bytes b = make_simple_batch(0, 4, 100, kT0);
    ASSERT_TRUE(log.append_as_leader(b, 0).ok());
  }
}

// Creating a partition does no fsync in the request: its directory, partition.metadata and the
// log dir entry are synced by one background pass for all partitions created since the last,
// or by the partition's first flush if that comes sooner.
TEST(LogManagerTest, NewDirectoriesAreSyncedInOneBackgroundPass) {
  Fixture f;
  auto m = f.open();
  Uuid id;
  id.bytes[0] = 7;
  std::vector<LogManager::LogPtr> logs;
  for (int p = 0; p < 20; ++p) {
    auto log = m->get_or_create({"many", p}, f.config.default_config, id);
    ASSERT_TRUE(log.ok());
    EXPECT_TRUE((*log)->dir_sync_pending());
    EXPECT_EQ(*read_partition_metadata((*log)->dir()), id);  // written, renamed into place
    logs.push_back(*log);
  }
  append_n(*logs[0], 2);
  ASSERT_TRUE(logs[0]->flush().ok());
  EXPECT_FALSE(logs[0]->dir_sync_pending());  // the flush synced the directory first
  EXPECT_TRUE(logs[1]->dir_sync_pending());
  EXPECT_GE(m->thread_scheduler().run_due(), 1);
  for (const auto& log : logs) EXPECT_FALSE(log->dir_sync_pending());
  // Asking again returns the same, synced log.
  auto again = m->get_or_create({"many", 3}, f.config.default_config, id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)->dir_sync_pending());
  ASSERT_TRUE(m->shutdown().ok());
}

TEST(LogManagerTest, CreateSpreadsOverDirsAndReloadsCleanly) {
  Fixture f;
  {
    auto m = f.open();
    Uuid id;
    id.bytes[0] = 1;
    for (int p = 0; p < 6; ++p) {
      auto log = m->get_or_create({"orders", p}, f.config.default_config, id);
      ASSERT_TRUE(log.ok());
      append_n(**log, 10 + p);
      (*log)->update_high_watermark(8);
    }
    EXPECT_EQ(m->size(), 6u);
    EXPECT_TRUE(file_exists(f.tmp.path() / "d1" / "orders-0"));
    EXPECT_TRUE(file_exists(f.tmp.path() / "d2" / "orders-1"));
    EXPECT_EQ(*read_partition_metadata(f.tmp.path() / "d1" / "orders-0"), id);
    ASSERT_TRUE(m->shutdown().ok());
  }
  for (const char* d : {"d1", "d2"}) {
    fs::path dir = f.tmp.path() / d;
    EXPECT_TRUE(file_exists(dir / kCleanShutdownFile));
    auto rps = read_offset_checkpoint(dir / kRecoveryPointCheckpoint);
    ASSERT_TRUE(rps.ok());
    EXPECT_EQ(rps->size(), 3u);
    // Closed unsynced, then one syncfs per dir: every recovery point at its log end.
    for (const auto& [tp, rp] : *rps) EXPECT_EQ(rp, 4 * (10 + tp.partition)) << tp.partition;
    auto hws = read_offset_checkpoint(dir / kReplicationOffsetCheckpoint);
    for (const auto& [tp, hw] : *hws) EXPECT_EQ(hw, 8);
  }
  auto m = f.open();
  EXPECT_EQ(m->size(), 6u);
  for (int p = 0; p < 6; ++p) {
    auto log = m->get({"orders", p});
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), 4 * (10 + p));
    EXPECT_EQ(log->high_watermark(), 8);                // from replication-offset-checkpoint
    EXPECT_TRUE(log->load_report().recovered.empty());  // clean: no recovery
  }
  EXPECT_FALSE(file_exists(f.tmp.path() / "d1" / kCleanShutdownFile));
}

// The shutdown closes logs without syncing them, then syncs each log dir's filesystem: when
// that fails, nothing says the logs are durable, and the next start recovers them.
TEST(LogManagerTest, AFailedSyncAtShutdownLeavesTheLogsToRecovery) {
  Fixture f;
  {
    auto m = f.open();
    auto log = *m->get_or_create({"t", 0}, f.config.default_config);
    append_n(*log, 30);
    m->thread_scheduler().run_due();     // the new directory's sync, the epoch file
    file_faults().fail_fsync_after = 1;  // the second log dir's syncfs
    EXPECT_EQ(m->shutdown().error(), ErrorCode::kKafkaStorageError);
    file_faults().reset();
  }
  for (const char* d : {"d1", "d2"}) {
    fs::path dir = f.tmp.path() / d;
    EXPECT_FALSE(file_exists(dir / kCleanShutdownFile)) << d;
    auto rps = read_offset_checkpoint(dir / kRecoveryPointCheckpoint);
    ASSERT_TRUE(rps.ok()) << d;
    for (const auto& [tp, rp] : *rps) EXPECT_LT(rp, 120) << d;  // rolled segments only
  }
  auto m = f.open();
  auto log = m->get({"t", 0});
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->log_end_offset(), 120);
  EXPECT_FALSE(log->load_report().recovered.empty());
}

TEST(LogManagerTest, SkipsDirectoriesThatAreNotPartitions) {
  Fixture f;
  for (const char* d : {"__cluster_metadata-0", "t-0.0123456789abcdef0123456789abcdef-delete",
                        "t-1.0123456789abcdef0123456789abcdef-future", "not_a_partition"}) {
    ASSERT_TRUE(create_dirs(f.tmp.path() / "d1" / d).ok());
  }
  auto m = f.open();
  EXPECT_EQ(m->size(), 0u);
  m->thread_scheduler().run_due();  // removes the -delete directory
  EXPECT_FALSE(file_exists(f.tmp.path() / "d1" / "t-0.0123456789abcdef0123456789abcdef-delete"));
  EXPECT_TRUE(file_exists(f.tmp.path() / "d1" / "__cluster_metadata-0"));
}

TEST(LogManagerTest, UncleanStopRecoversFromTheCheckpoint) {
  Fixture f;
  {
    auto m = f.open();
    auto log = *m->get_or_create({"t", 0}, f.config.default_config);
    append_n(*log, 30);
    ASSERT_TRUE(m->shutdown().ok());
  }
  // As if the broker died: no marker, recovery point back at 0.
  for (const char* d : {"d1", "d2"}) {
    (void)remove_file(f.tmp.path() / d / kCleanShutdownFile);
    ASSERT_TRUE(write_offset_checkpoint(f.tmp.path() / d / kRecoveryPointCheckpoint, {}).ok());
  }
  auto m = f.open();
  auto log = m->get({"t", 0});
  EXPECT_EQ(log->log_end_offset(), 120);
  EXPECT_FALSE(log->load_report().recovered.empty());
}

TEST(LogManagerTest, DeleteRenamesThenRemoves) {
  Fixture f;
  auto m = f.open();
  auto log = *m->get_or_create({"gone", 3}, f.config.default_config);
  append_n(*log, 3);
  fs::path dir = log->dir();
  ASSERT_TRUE(m->delete_log({"gone", 3}).ok());
  EXPECT_FALSE(file_exists(dir));
  EXPECT_EQ(m->get({"gone", 3}), nullptr);
  bool found_delete_dir = false;
  auto entries = list_dir(dir.parent_path());
  ASSERT_TRUE(entries.ok());
  for (const auto& p : entries.value()) {
    std::string n = p.filename().string();
    if (n.starts_with("gone-3.") && n.ends_with("-delete")) found_delete_dir = true;
  }
  EXPECT_TRUE(found_delete_dir);
  // Reads through a held segment still work while the directory waits for removal.
  EXPECT_TRUE(log->read(0, 100, 12, true).ok());
  f.clock.advance_ms(f.config.default_config.file_delete_delay_ms);
  m->thread_scheduler().run_due();
  auto after = list_dir(dir.parent_path());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after.value().empty());
}

TEST(LogManagerTest, PeriodicTasksRunOnTheInjectedClock) {
  Fixture f;
  f.config.default_config.retention_ms = 400'000;
  f.config.default_config.file_delete_delay_ms = 0;
  auto m = f.open();
  m->startup();
  auto log = *m->get_or_create({"t", 0}, f.config.default_config);
  append_n(*log, 40);  // several 4 KiB segments
  log->update_high_watermark(log->log_end_offset());
  int before = log->num_segments();
  ASSERT_GT(before, 2);
  f.clock.advance_ms(f.config.retention_check_interval_ms);
  m->thread_scheduler().run_due();
  EXPECT_EQ(log->num_segments(), before);  // nothing old enough yet
  f.clock.advance_ms(f.config.retention_check_interval_ms);
  m->thread_scheduler().run_due();
  EXPECT_EQ(log->num_segments(), 1);
  EXPECT_EQ(log->log_start_offset(), 160);
  // The recovery-point checkpoint is written every 60 s.
  EXPECT_TRUE(file_exists(f.tmp.path() / "d1" / kRecoveryPointCheckpoint));
}

}  // namespace
}  // namespace fjord::log

namespace fjord::log {
namespace {

TEST(LogManagerTest, CleanerCompactsCompactedTopics) {
  Fixture f;
  auto m = f.open();
  LogConfig compacted = f.config.default_config;
  compacted.cleanup_compact = true;
  compacted.cleanup_delete = false;
  auto log = *m->get_or_create({"__consumer_offsets", 0}, compacted);
  auto plain = *m->get_or_create({"plain", 0}, f.config.default_config);
  for (int i = 0; i < 40; ++i) {
    Bytes b = testing::make_batch(0, {{std::string("group"), std::string(200, 'x'), kT0}}, 0);
    ASSERT_TRUE(log->append_as_leader(b, 0).ok());
    Bytes c = testing::make_batch(0, {{std::string("group"), std::string(200, 'x'), kT0}}, 0);
    ASSERT_TRUE(plain->append_as_leader(c, 0).ok());
  }
  log->update_high_watermark(log->log_end_offset());
  plain->update_high_watermark(plain->log_end_offset());
  int64_t before = log->size_in_bytes();
  EXPECT_EQ(m->cleaner().clean_once().logs_cleaned, 1);  // only the compacted one
  EXPECT_LT(log->size_in_bytes(), before / 2);
  EXPECT_EQ(plain->size_in_bytes(), before);
}

}  // namespace
}  // namespace fjord::log
