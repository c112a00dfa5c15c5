// LogManager owns every partition log of this broker across log.dirs (Kafka's LogManager):
// it loads them at start-up in parallel (num.recovery.threads.per.data.dir threads per dir),
// creates and deletes partitions, and runs the periodic tasks on its own scheduler thread:
// retention (log.retention.check.interval.ms), flush by time (log.flush.scheduler.interval.ms),
// and the recovery-point / log-start-offset checkpoints
// (log.flush.offset.checkpoint.interval.ms, log.flush.start.offset.checkpoint.interval.ms).
// It also owns the LogCleaner thread that compacts cleanup.policy=compact logs.
//
// Per log dir it keeps Kafka's files: recovery-point-offset-checkpoint,
// log-start-offset-checkpoint, replication-offset-checkpoint (high watermarks) and the
// .kafka_cleanshutdown marker, written by shutdown() and removed once the logs are loaded so
// that any later stop counts as unclean.
//
// Thread-safety: all functions may be called from any thread; the partition map is guarded by
// a mutex never held across I/O of a log.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "log/clock.h"
#include "log/log_cleaner.h"
#include "log/partition_log.h"
#include "log/scheduler.h"

namespace fjord::log {

struct LogManagerConfig {
  std::vector<fs::path> log_dirs;                             // log.dirs
  LogConfig default_config;                                   // log.* defaults for every topic
  int recovery_threads_per_dir = 1;                           // num.recovery.threads.per.data.dir
  int64_t retention_check_interval_ms = 300'000;              // log.retention.check.interval.ms
  int64_t flush_scheduler_interval_ms = LogConfig::kNoLimit;  // log.flush.scheduler.interval.ms
  int64_t flush_offset_checkpoint_interval_ms = 60'000;  // log.flush.offset.checkpoint.interval.ms
  int64_t flush_start_offset_checkpoint_interval_ms = 60'000;
  int64_t high_watermark_checkpoint_interval_ms =
      5'000;                   // replica.high.watermark.checkpoint.interval.ms
  bool cleaner_enable = true;  // log.cleaner.enable
  CleanerConfig cleaner;       // log.cleaner.{dedupe.buffer.size,threads,io.buffer.load.factor,...}
  const Clock* clock = &SystemClock::instance();
  // false: no background threads; tests drive thread_scheduler().run_due() and
  // cleaner().clean_once().
  bool start_scheduler_thread = true;
};

class LogManager {
 public:
  using LogPtr = std::shared_ptr<PartitionLog>;
  // Loads every partition directory of every log dir. Topic configs default to
  // default_config; the broker applies topic overrides with PartitionLog::update_config.
  static Result<std::unique_ptr<LogManager>> open(const LogManagerConfig& config);
  ~LogManager();

  LogPtr get(const TopicPartition& tp) const;
  // Creates the partition directory (in the log dir holding the fewest partitions) or
  // returns the existing log. A non-zero topic_id is written to partition.metadata.
  Result<LogPtr> get_or_create(const TopicPartition& tp, const LogConfig& config,
                               const Uuid& topic_id = {});
  // Renames the directory to <topic>-<p>.<uuid>-delete and removes it in the background.
  Result<void> delete_log(const TopicPartition& tp);
  std::vector<LogPtr> all_logs() const;
  size_t size() const;

  // Starts the periodic tasks.
  void startup();
  // Closes every log without a sync, syncs each log dir's filesystem once (syncfs), then
  // moves the recovery points to the log ends and writes the checkpoints and the clean-shutdown
  // marker. A failed sync leaves no marker: the next start recovers.
  Result<void> shutdown();

  // The periodic tasks, callable directly.
  int cleanup_logs();  // retention; returns segments deleted
  void flush_dirty_logs();
  Result<void> checkpoint_recovery_points();
  Result<void> checkpoint_log_start_offsets();
  Result<void> checkpoint_high_watermarks();

  Scheduler& scheduler() { return scheduler_; }
  LogCleaner& cleaner() { return *cleaner_; }
  ThreadScheduler& thread_scheduler() { return scheduler_; }
  // Time spent loading logs at open, and how many had to be recovered.
  int64_t load_ms() const { return load_ms_; }

 private:
  explicit LogManager(const LogManagerConfig& config);
  Result<void> load_dir(const fs::path& dir);
  void schedule_periodic(int64_t interval_ms, std::function<void()> task);
  Result<void> checkpoint(std::string_view file, int64_t (PartitionLog::*offset)() const);
  void schedule_dir_sync(const LogPtr& log);
  void sync_new_dirs();

  LogManagerConfig config_;
  ThreadScheduler scheduler_;
  mutable std::mutex mu_;
  std::map<TopicPartition, LogPtr> logs_;
  std::map<TopicPartition, fs::path> log_dir_of_;
  std::map<fs::path, size_t> partitions_in_dir_;  // log_dir_of_ counted, for get_or_create
  std::mutex checkpoint_mu_;
  std::mutex dir_sync_mu_;
  std::vector<LogPtr> unsynced_;         // new partitions awaiting sync_new_dirs (dir_sync_mu_)
  std::unique_ptr<LogCleaner> cleaner_;  // after logs_: stopped and destroyed first
  int64_t load_ms_ = 0;
  bool shut_down_ = false;
  // Each log dir, opened at start: its syncfs at shutdown also reports a writeback error from
  // any time since (an error is reported to descriptors opened before it).
  std::map<fs::path, File> dir_handles_;
};

}  // namespace fjord::log
