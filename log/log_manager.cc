#include "log/log_manager.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "log/checkpoint_file.h"
#include "log/partition_metadata.h"

namespace fjord::log {

namespace {

std::string random_hex_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

LogManager::LogManager(const LogManagerConfig& config)
    : config_(config),
      scheduler_(*config.clock, config.start_scheduler_thread),
      cleaner_(std::make_unique<LogCleaner>([this] { return all_logs(); }, *config.clock,
                                            config.cleaner)) {}

LogManager::~LogManager() {
  if (!shut_down_) (void)shutdown();
}

Result<std::unique_ptr<LogManager>> LogManager::open(const LogManagerConfig& config) {
  std::unique_ptr<LogManager> m(new LogManager(config));
  auto start = std::chrono::steady_clock::now();
  for (const fs::path& dir : config.log_dirs) {
    if (auto r = create_dirs(dir); !r) return r.error();
    auto handle = File::open_directory(dir);
    if (!handle) return handle.error();
    m->dir_handles_.emplace(dir, std::move(*handle));
    if (auto r = m->load_dir(dir); !r) return r.error();
  }
  m->load_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  spdlog::info("Loaded {} logs in {} ms", m->size(), m->load_ms_);
  return m;
}

Result<void> LogManager::load_dir(const fs::path& dir) {
  const bool clean = file_exists(dir / kCleanShutdownFile);
  auto recovery_points = read_offset_checkpoint(dir / kRecoveryPointCheckpoint);
  auto start_offsets = read_offset_checkpoint(dir / kLogStartOffsetCheckpoint);
  auto high_watermarks = read_offset_checkpoint(dir / kReplicationOffsetCheckpoint);
  OffsetMap hws = high_watermarks ? *high_watermarks : OffsetMap{};
  // A damaged checkpoint means full recovery from offset 0, as Kafka does.
  OffsetMap rps = recovery_points ? *recovery_points : OffsetMap{};
  OffsetMap lsos = start_offsets ? *start_offsets : OffsetMap{};
  bool trust_clean = clean && recovery_points.ok();
  auto entries = list_dir(dir);
  if (!entries) return entries.error();
  std::vector<std::pair<TopicPartition, fs::path>> todo;
  for (const fs::path& p : *entries) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) continue;
    std::string name = p.filename().string();
    if (name.ends_with(kDeleteDirSuffix)) {
      scheduler_.schedule(0, [p] { (void)remove_tree(p); });
      continue;
    }
    auto tp = parse_partition_dir_name(name);
    // KRaft's metadata log lives beside the partitions but is not one (Kafka skips it too).
    if (!tp || tp->topic == "__cluster_metadata") continue;
    todo.emplace_back(std::move(*tp), p);
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex out_mu;
  auto worker = [&] {
    for (size_t i; (i = next++) < todo.size();) {
      const auto& [tp, path] = todo[i];
      PartitionLogParams p;
      p.dir = path;
      p.tp = tp;
      p.config = config_.default_config;
      p.clock = config_.clock;
      p.scheduler = &scheduler_;
      auto rp = rps.find(tp);
      p.recovery_point = rp == rps.end() ? 0 : rp->second;
      auto lso = lsos.find(tp);
      p.log_start_offset = lso == lsos.end() ? 0 : lso->second;
      p.clean_shutdown = trust_clean && rp != rps.end();
      auto log = PartitionLog::open(p);
      if (!log) {
        spdlog::error("Error loading log {}: the partition stays offline", path.string());
        failed = true;
        continue;
      }
      // Kafka's replica manager restores the high watermark from its checkpoint.
      if (auto hw = hws.find(tp); hw != hws.end()) (*log)->update_high_watermark(hw->second);
      std::lock_guard lock(out_mu);
      std::lock_guard lock2(mu_);
      logs_[tp] = LogPtr(std::move(*log));
      if (log_dir_of_.emplace(tp, dir).second) ++partitions_in_dir_[dir];
    }
  };
  int threads = std::max(1, config_.recovery_threads_per_dir);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  // From here on a stop is unclean until shutdown() writes the marker again.
  if (clean) {
    if (auto r = remove_file(dir / kCleanShutdownFile); !r) return r;
  }
  return {};
}

LogManager::LogPtr LogManager::get(const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find(tp);
  return it == logs_.end() ? nullptr : it->second;
}

std::vector<LogManager::LogPtr> LogManager::all_logs() const {
  std::lock_guard lock(mu_);
  std::vector<LogPtr> out;
  out.reserve(logs_.size());
  for (const auto& [tp, log] : logs_) out.push_back(log);
  return out;
}

size_t LogManager::size() const {
  std::lock_guard lock(mu_);
  return logs_.size();
}

Result<LogManager::LogPtr> LogManager::get_or_create(const TopicPartition& tp,
                                                     const LogConfig& config,
                                                     const Uuid& topic_id) {
  fs::path dir;
  {
    std::lock_guard lock(mu_);
    if (auto it = logs_.find(tp); it != logs_.end()) return it->second;
    if (config_.log_dirs.empty()) return ErrorCode::kLogDirNotFound;
    // Kafka's nextLogDirs: the dir with the fewest partitions (counted as logs come and go:
    // creating n partitions must not cost n^2).
    dir = config_.log_dirs.front();
    for (const auto& d : config_.log_dirs) {
      if (partitions_in_dir_[d] < partitions_in_dir_[dir]) dir = d;
    }
  }
  PartitionLogParams p;
  p.dir = dir / partition_dir_name(tp);
  p.tp = tp;
  p.config = config;
  p.clock = config_.clock;
  p.scheduler = &scheduler_;
  auto log = PartitionLog::open(p);
  if (!log) return log.error();
  if (!topic_id.is_zero()) {
    if (auto r = (*log)->write_topic_id(topic_id); !r) return r.error();
  }
  LogPtr created;
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = logs_.emplace(tp, LogPtr(std::move(*log)));
    if (inserted && log_dir_of_.emplace(tp, dir).second) ++partitions_in_dir_[dir];
    if (!inserted) return it->second;
    created = it->second;
  }
  if (created->dir_sync_pending()) schedule_dir_sync(created);
  return created;
}

void LogManager::schedule_dir_sync(const LogPtr& log) {
  std::lock_guard lock(dir_sync_mu_);
  unsynced_.push_back(log);
  if (unsynced_.size() > 1) return;  // the pass already scheduled takes it
  scheduler_.schedule(0, [this] { sync_new_dirs(); });
}

// One pass for every partition created since the last: one syncfs per log dir makes their
// directories, partition.metadata files and the log dirs' entries durable at once (an fsync of
// each file and directory cost two journal commits per partition).
void LogManager::sync_new_dirs() {
  std::vector<LogPtr> todo;
  {
    std::lock_guard lock(dir_sync_mu_);
    todo.swap(unsynced_);
  }
  std::set<fs::path> log_dirs;
  for (const LogPtr& log : todo) {
    if (log->dir_sync_pending()) log_dirs.insert(log->dir().parent_path());
  }
  std::set<fs::path> failed;
  for (const fs::path& dir : log_dirs) {
    if (auto r = sync_filesystem(dir); !r) {
      spdlog::error("Could not sync log dir {}; its new partitions are synced at their first flush",
                    dir.string());
      failed.insert(dir);
    }
  }
  for (const LogPtr& log : todo) {
    if (!failed.contains(log->dir().parent_path())) log->set_dir_synced();
  }
}

Result<void> LogManager::delete_log(const TopicPartition& tp) {
  LogPtr log;
  {
    std::lock_guard lock(mu_);
    auto it = logs_.find(tp);
    if (it == logs_.end()) return ErrorCode::kUnknownTopicOrPartition;
    log = it->second;
    logs_.erase(it);
    if (auto d = log_dir_of_.find(tp); d != log_dir_of_.end()) {
      --partitions_in_dir_[d->second];
      log_dir_of_.erase(d);
    }
  }
  (void)log->close();
  fs::path to = log->dir();
  to.replace_filename(partition_dir_name(tp) + "." + random_hex_uuid() +
                      std::string(kDeleteDirSuffix));
  if (auto r = rename_file(log->dir(), to); !r) return r;
  (void)fsync_dir(to.parent_path());
  scheduler_.schedule(config_.default_config.file_delete_delay_ms,
                      [to, log] { (void)remove_tree(to); });
  return {};
}

int LogManager::cleanup_logs() {
  int deleted = 0;
  for (const LogPtr& log : all_logs()) {
    auto r = log->delete_old_segments();
    if (r) deleted += *r;
  }
  return deleted;
}

void LogManager::flush_dirty_logs() {
  for (const LogPtr& log : all_logs()) (void)log->maybe_flush_by_time();
}

Result<void> LogManager::checkpoint(std::string_view file,
                                    int64_t (PartitionLog::*offset)() const) {
  std::map<fs::path, OffsetMap> per_dir;
  for (const auto& d : config_.log_dirs) per_dir[d];
  {
    std::lock_guard lock(mu_);
    for (const auto& [tp, log] : logs_) per_dir[log_dir_of_[tp]][tp] = ((*log).*offset)();
  }
  std::lock_guard lock(checkpoint_mu_);
  for (const auto& [dir, offsets] : per_dir) {
    if (auto r = write_offset_checkpoint(dir / file, offsets); !r) return r;
  }
  return {};
}

Result<void> LogManager::checkpoint_recovery_points() {
  return checkpoint(kRecoveryPointCheckpoint, &PartitionLog::recovery_point);
}
Result<void> LogManager::checkpoint_log_start_offsets() {
  return checkpoint(kLogStartOffsetCheckpoint, &PartitionLog::log_start_offset);
}
Result<void> LogManager::checkpoint_high_watermarks() {
  return checkpoint(kReplicationOffsetCheckpoint, &PartitionLog::high_watermark);
}

void LogManager::schedule_periodic(int64_t interval_ms, std::function<void()> task) {
  if (interval_ms <= 0 || interval_ms == LogConfig::kNoLimit) return;
  scheduler_.schedule(interval_ms, [this, interval_ms, task = std::move(task)]() mutable {
    task();
    schedule_periodic(interval_ms, std::move(task));
  });
}

void LogManager::startup() {
  // Kafka's initial delay is 30 s (InitialTaskDelayMs); the first run waits one interval.
  schedule_periodic(config_.retention_check_interval_ms, [this] { cleanup_logs(); });
  schedule_periodic(config_.flush_scheduler_interval_ms, [this] { flush_dirty_logs(); });
  schedule_periodic(config_.flush_offset_checkpoint_interval_ms,
                    [this] { (void)checkpoint_recovery_points(); });
  schedule_periodic(config_.flush_start_offset_checkpoint_interval_ms,
                    [this] { (void)checkpoint_log_start_offsets(); });
  schedule_periodic(config_.high_watermark_checkpoint_interval_ms,
                    [this] { (void)checkpoint_high_watermarks(); });
  if (config_.cleaner_enable && config_.start_scheduler_thread) cleaner_->start();
}

Result<void> LogManager::shutdown() {
  if (shut_down_) return {};
  shut_down_ = true;
  cleaner_->stop();
  scheduler_.shutdown();
  Result<void> result;
  std::vector<LogPtr> logs = all_logs();
  // Each log is closed without a sync (trims, producer snapshot), spread over the recovery
  // threads as Kafka's shutdown is; then one syncfs per log dir makes them all durable. Kafka
  // fsyncs every file of every partition: about 5 ms per partition on a disk that flushes its
  // cache, one partition after another with the default single thread.
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<char> closed(logs.size(), 0);
  auto worker = [&] {
    for (size_t i; (i = next++) < logs.size();) {
      if (logs[i]->close(/*sync=*/false)) {
        closed[i] = 1;
      } else {
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  int threads = std::max<int>(
      1, config_.recovery_threads_per_dir * static_cast<int>(config_.log_dirs.size()));
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  bool synced = true;
  for (auto& [dir, handle] : dir_handles_) {
    if (auto r = handle.sync_filesystem(); !r) {
      spdlog::error(
          "Could not sync log dir {} at shutdown: its logs are recovered at the next start",
          dir.string());
      synced = false;
    }
  }
  // Only now is what the closes wrote durable: the recovery points may move to the log ends.
  if (synced) {
    for (size_t i = 0; i < logs.size(); ++i) {
      if (closed[i]) logs[i]->synced_to_end();
    }
  } else {
    failed = true;
  }
  if (auto r = checkpoint_recovery_points(); !r) result = r;
  if (auto r = checkpoint_log_start_offsets(); !r) result = r;
  if (auto r = checkpoint_high_watermarks(); !r) result = r;
  if (failed) result = ErrorCode::kKafkaStorageError;
  if (result) {
    for (const auto& dir : config_.log_dirs) {
      // Kafka 3.9's CleanShutdownFileHandler format; -1: no broker epoch known here.
      if (auto r =
              write_file_atomically(dir / kCleanShutdownFile, R"({"version":0,"brokerEpoch":-1})");
          !r) {
        result = r;
      }
    }
  }
  return result;
}

}  // namespace fjord::log
