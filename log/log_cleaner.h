// LogCleaner compacts partitions whose cleanup.policy includes compact (Kafka's LogCleaner,
// one cleaner thread): it keeps the latest record per key, drops tombstones once their delete
// horizon (delete.retention.ms, KIP-534: stored in the batch) has passed, and keeps every
// record's original offset.
//
// A log is cleaned when dirty bytes / (clean + dirty bytes) >= min.cleanable.dirty.ratio. The
// dirty section runs from the first dirty offset (cleaner-offset-checkpoint) to the first
// uncleanable offset: never the active segment, nothing at or above the high watermark, and
// no segment younger than min.compaction.lag.ms. Each segment below it is rewritten into a
// <base>.log.cleaned file and swapped in through Kafka's .cleaned -> .swap -> plain rename
// protocol (recovery.h finishes an interrupted swap).
//
// Keys are held in a SkimpyOffsetMap of log.cleaner.dedupe.buffer.size / log.cleaner.threads
// bytes (offset_map.h). It is filled up to log.cleaner.io.buffer.load.factor of its slots; when
// the dirty section has more keys, a cleaning covers the offsets up to the last key that fit
// and the next cleaning continues from there (Kafka's buildOffsetMap), so a log with many keys
// is compacted in several passes that end where one pass with a big enough map would.
//
// Limits: aborted transactions are not removed; control batches are kept as they are.
//
// Thread-safety: clean_once() from one thread at a time; the thread runs it every backoff.
// Cleaning reads immutable segments without the log's writer lock; only the swap takes it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "log/offset_map.h"
#include "log/partition_log.h"

namespace fjord::log {

struct CleanerConfig {
  int64_t dedupe_buffer_size = 128LL * 1024 * 1024;  // log.cleaner.dedupe.buffer.size
  // log.cleaner.threads: Fjord runs one cleaner thread; its map gets the share each of
  // Kafka's threads would get.
  int threads = 1;
  double load_factor = 0.9;    // log.cleaner.io.buffer.load.factor
  int64_t backoff_ms = 15'000;  // log.cleaner.backoff.ms
};

struct CleanerStats {
  int logs_cleaned = 0;
  double map_utilization = 0;  // of the last log cleaned
  int64_t records_read = 0;
  int64_t records_retained = 0;
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
};

class LogCleaner {
 public:
  using LogsFn = std::function<std::vector<std::shared_ptr<PartitionLog>>()>;
  LogCleaner(LogsFn logs, const Clock& clock, const CleanerConfig& config = {});
  ~LogCleaner();

  void start();
  void stop();
  // Cleans every log that needs it, once.
  CleanerStats clean_once();
  // Cleans one log now regardless of its dirty ratio (tests, tools).
  Result<CleanerStats> clean(PartitionLog& log);
  // The dirty ratio the cleaner would use for this log.
  double dirty_ratio(const PartitionLog& log) const;

 private:
  int64_t first_dirty_offset(const PartitionLog& log) const;
  int64_t first_uncleanable_offset(const PartitionLog& log) const;
  Result<void> write_checkpoint(const PartitionLog& log);
  SkimpyOffsetMap& offset_map();  // allocated at the first cleaning

  LogsFn logs_;
  const Clock& clock_;
  CleanerConfig config_;
  std::unique_ptr<SkimpyOffsetMap> map_;  // used by clean() only
  int32_t max_map_entries_ = 0;
  mutable std::mutex mu_;
  std::map<fs::path, int64_t> first_dirty_;  // by partition directory
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fjord::log
