// PartitionLog is one partition's log (Kafka's UnifiedLog over LocalLog): an ordered list of
// segments in <log.dir>/<topic>-<partition>/, the last one active, plus the
// leader-epoch-checkpoint and partition.metadata files.
//
// Offsets: log_start_offset <= high_watermark <= log_end_offset. Appends assign offsets (as
// leader) or check them (as follower), write sequentially to the active segment, then publish
// the new log end offset (release). Readers read up to an offset they pass in (the high
// watermark for consumers, the log end offset for followers) and see only published data.
//
// Thread-safety: all functions may be called from any thread. Mutators (append, truncate,
// roll, retention, close) are serialised by a writer mutex; readers never take it. The segment
// list is swapped copy-on-write under a mutex held only to copy a pointer. fsync never runs
// under either lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "log/clock.h"
#include "log/leader_epoch_cache.h"
#include "log/log_config.h"
#include "log/partition_metadata.h"
#include "log/producer_state.h"
#include "log/recovery.h"
#include "log/scheduler.h"
#include "log/segment.h"
#include "log/segment_name.h"

namespace fjord::log {

// ListOffsets special timestamps (ListOffsetsRequest).
inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kMaxTimestamp = -3;
inline constexpr int64_t kEarliestLocalTimestamp = -4;

struct AppendInfo {
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t max_timestamp = kNoTimestamp;
  int64_t offset_of_max_timestamp = -1;
  int64_t log_append_time = kNoTimestamp;  // set when message.timestamp.type=LogAppendTime
  int64_t log_start_offset = 0;
  int32_t batches = 0;
  int64_t records = 0;
  int64_t bytes = 0;
  // The flush policy (flush.messages) demands an fsync up to last_offset + 1 before the append
  // is acknowledged; set only by append_as_leader with defer_flush, whose caller then runs
  // flush(last_offset + 1) off its event loop.
  bool flush_needed = false;
  // Set only by append_as_leader with may_block=false: the append needs file work (a segment
  // roll, or growing the indexes of a segment loaded from disk) and nothing was appended; the
  // caller appends again where blocking is allowed (the broker's blocking-work pool).
  bool would_block = false;
};

// A record the produce validation rejected: Kafka's ProduceResponse.RecordError (the record's
// index in its batch and LogValidator's message).
struct RecordRejection {
  int32_t batch_index = 0;
  std::string message;
};

struct LeaderAppendOptions {
  // When the flush policy is reached, leave the fsync to the caller (AppendInfo.flush_needed).
  bool defer_flush = false;
  // false on an event loop: file creation, renames and fsyncs are refused (AppendInfo.would_block).
  bool may_block = true;
  // The records the validation rejected (first failing batch), when given.
  std::vector<RecordRejection>* record_errors = nullptr;
  // Kafka's AppendOrigin.CLIENT: a producer's batches, which may not be control batches, must
  // hold records and carry a sequence with a producer id. false for the broker's own writers
  // (a transaction coordinator's markers).
  bool from_client = true;
};

struct LogReadResult {
  FileRegion region;   // length 0: nothing to send
  SegmentPtr segment;  // keeps region.fd open while the caller sends it
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int64_t high_watermark = 0;
};

struct OffsetAndEpoch {
  int64_t offset = -1;
  int64_t timestamp = kNoTimestamp;
  std::optional<int32_t> leader_epoch;
};

struct PartitionLogParams {
  fs::path dir;  // <log.dir>/<topic>-<partition>
  TopicPartition tp;
  LogConfig config;
  const Clock* clock = &SystemClock::instance();
  Scheduler* scheduler = nullptr;  // background fsync and file deletion; null: inline
  int64_t recovery_point = 0;
  int64_t log_start_offset = 0;
  bool clean_shutdown = false;
};

class PartitionLog {
 public:
  // Opens (or creates) the directory and runs load/recovery (recovery.h).
  static Result<std::unique_ptr<PartitionLog>> open(const PartitionLogParams& params);
  ~PartitionLog();

  const TopicPartition& topic_partition() const { return tp_; }
  const fs::path& dir() const { return dir_; }
  LogConfig config() const;
  void update_config(const LogConfig& config);

  // --- offsets ---
  int64_t log_start_offset() const { return log_start_offset_.load(std::memory_order_acquire); }
  int64_t log_end_offset() const { return log_end_offset_.load(std::memory_order_acquire); }
  int64_t high_watermark() const { return high_watermark_.load(std::memory_order_acquire); }
  int64_t recovery_point() const { return recovery_point_->load(std::memory_order_acquire); }
  // The caller (replica manager) owns the high watermark; kept here for reads, retention and
  // replication-offset-checkpoint. Clamped to [log start, log end].
  void update_high_watermark(int64_t hw);
  int64_t size_in_bytes() const;
  int num_segments() const;
  std::vector<SegmentPtr> segments() const;
  // Changes to the cache are in memory; call schedule_epoch_flush() after one so the file
  // follows soon (the recovery point never passes an entry that is not on disk: flush()).
  LeaderEpochCache& leader_epoch_cache() { return *epochs_; }
  // Writes the leader-epoch-checkpoint on the scheduler when it is behind (Kafka's
  // scheduleOnce("leader-epoch-cache-flush-...")).
  void schedule_epoch_flush();
  // OffsetsForLeaderEpoch: the end offset of `epoch` in this log ({-1, -1} when unknown).
  EpochEntry end_offset_for_epoch(int32_t epoch) const {
    return epochs_->end_offset_for(epoch, log_end_offset());
  }
  const LoadedLog& load_report() const { return load_report_; }

  // --- writes ---
  // Produce path: validates every batch (CRC-32C, records, max.message.bytes), assigns
  // offsets and the partition leader epoch in place (outside the CRC), appends.
  // Batches with a producer id go through the producer state (producer_state.h) under the
  // writer lock: a retried duplicate is not appended and is answered with its original
  // offsets (Kafka's DUPLICATE_SEQUENCE handling: error NONE).
  // Errors: CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE,
  // INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER, KAFKA_STORAGE_ERROR.
  // Records are checked as Kafka's LogValidator does: a compacted topic needs keys
  // (INVALID_RECORD), a CreateTime timestamp must lie within message.timestamp.before.max.ms /
  // after.max.ms of now and a producer may not send LogAppendTime (INVALID_TIMESTAMP); the
  // rejected records of the first failing batch go to *record_errors when given.
  // When the flush policy is reached the append fsyncs before it returns, unless defer_flush:
  // then info.flush_needed tells the caller to flush (the broker does it on its blocking pool).
  // Without may_block an append that would roll returns info.would_block, appending nothing.
  Result<AppendInfo> append_as_leader(std::span<uint8_t> batches, int32_t leader_epoch,
                                      const LeaderAppendOptions& options = {});
  // Replication: offsets and epochs come with the batches; they must increase and start at
  // or above the log end offset (OFFSET_OUT_OF_RANGE otherwise).
  Result<AppendInfo> append_as_follower(std::span<uint8_t> batches);
  // Replica truncation: removes every offset >= offset. No-op when offset >= log end.
  Result<void> truncate_to(int64_t offset);
  // Removes everything and restarts the log at offset (follower far behind the leader).
  Result<void> truncate_fully_and_start_at(int64_t offset);
  // DeleteRecords: moves the log start offset up (to at most the high watermark).
  Result<void> maybe_increment_log_start_offset(int64_t new_start);
  // Rolls the active segment now (empty segments are not rolled).
  Result<void> roll();
  // fsyncs everything up to offset (exclusive) and advances the recovery point.
  Result<void> flush(int64_t up_to);
  Result<void> flush() { return flush(log_end_offset()); }
  // flush.ms: flushes when the last flush is older than flush.ms.
  Result<void> maybe_flush_by_time();
  // Retention: deletes segments past retention.ms / retention.bytes / the log start offset
  // (see retention.h). Returns the number of segments deleted.
  Result<int> delete_old_segments();
  // Removes the given (oldest, inactive) segments: .deleted rename now, files later.
  Result<void> remove_segments(const std::vector<SegmentPtr>& doomed);
  // Replaces `old_segments` (consecutive) by `replacement` (the cleaner's output, with the
  // .cleaned suffix) through Kafka's .cleaned -> .swap -> plain rename protocol.
  Result<void> replace_segments(const SegmentPtr& replacement,
                                const std::vector<SegmentPtr>& old_segments);
  // Clean close: final time-index entries, trimmed indexes, a producer snapshot at the log end,
  // and with `sync` an fsync of each file. No writes after. Without `sync` nothing is synced
  // but the leader epoch file: the caller syncs the whole filesystem once, then calls
  // synced_to_end() (LogManager's shutdown; per-file syncs cost ~5 ms per partition).
  Result<void> close(bool sync = true);
  // After close(false) and a sync of the filesystem: the recovery point moves to the log end.
  void synced_to_end();

  // A new partition directory (and its partition.metadata, segment files) is durable only once
  // its entries are synced: creating many partitions leaves that to one background pass
  // (LogManager) instead of fsyncs per file in the request. flush() and close() sync first, so
  // no data becomes durable before the directory that holds it (as Kafka flushes
  // partition.metadata before the first append).
  bool dir_sync_pending() const { return dir_sync_pending_.load(std::memory_order_acquire); }
  // Writes partition.metadata without fsync and marks the directory pending.
  Result<void> write_topic_id(const Uuid& topic_id);
  // fsyncs partition.metadata, the partition directory and the log dir that names it, when
  // pending. A directory deleted meanwhile is skipped.
  Result<void> sync_dir();
  // A pass over many new partitions (LogManager) syncs their filesystem, then says so here.
  void set_dir_synced() { dir_sync_pending_.store(false, std::memory_order_release); }
  bool closed() const { return closed_.load(); }

  // Idempotent-producer state, for tests and tools (not thread-safe against appends).
  const ProducerStateManager& producer_state() const { return producers_; }

  // --- reads ---
  // Batches from `offset`, at most max_bytes (the whole first batch when min_one_message),
  // never past max_offset. OFFSET_OUT_OF_RANGE outside [log start, log end].
  Result<LogReadResult> read(int64_t offset, int32_t max_bytes, int64_t max_offset,
                             bool min_one_message) const;
  // ListOffsets: -2 earliest, -1 latest (log end), -3 max timestamp, else the first offset
  // whose record timestamp >= the timestamp (offset -1 when there is none).
  Result<OffsetAndEpoch> fetch_offset_by_timestamp(int64_t timestamp) const;

 private:
  explicit PartitionLog(const PartitionLogParams& params);
  using SegmentList = std::vector<SegmentPtr>;
  std::shared_ptr<const SegmentList> snapshot() const;
  void publish(std::shared_ptr<const SegmentList> list);
  // Writer-locked helpers. `cfg` and `now_ms` are the append's, read once per append.
  // Rolls when the append described needs it; with !may_block returns false instead of any
  // file work (the roll, or the active segment's first-write index growth).
  Result<bool> maybe_roll(const LogConfig& cfg, int64_t now_ms, int64_t messages_size,
                          int64_t max_timestamp, int64_t max_offset, bool may_block);
  Result<void> roll_locked(int64_t new_base);
  Result<void> append_locked(std::span<uint8_t> batches, AppendInfo& info, const LogConfig& cfg,
                             int64_t now_ms);
  void schedule_delete(std::vector<SegmentPtr> doomed);
  // Producer state as of the log end: the latest snapshot, then the batches after it.
  Result<void> rebuild_producer_state();
  Result<OffsetAndEpoch> find_by_timestamp(const Segment& seg, int64_t ts, int64_t start) const;
  Result<OffsetAndEpoch> find_max_timestamp(const Segment& seg) const;
  int64_t random_jitter() const;

  fs::path dir_;
  TopicPartition tp_;
  mutable std::mutex config_mu_;
  LogConfig config_;
  const Clock* clock_;
  Scheduler* scheduler_;
  InlineScheduler inline_scheduler_;
  // Shared with background flushes, which may outlive this object.
  std::shared_ptr<LeaderEpochCache> epochs_;
  LoadedLog load_report_;

  std::mutex writer_mu_;
  ProducerStateManager producers_;  // guarded by writer_mu_
  mutable std::mutex segments_mu_;
  std::shared_ptr<const SegmentList> segments_;
  // The last of segments_, for writer-locked code: set by publish, which runs under
  // writer_mu_ (or in open, before anyone else sees the log). Saves the append path the
  // snapshot's lock and reference counts.
  SegmentPtr active_;
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> log_end_offset_{0};
  std::atomic<int64_t> high_watermark_{0};
  // Shared with background flushes of rolled segments, which may outlive this object.
  std::shared_ptr<std::atomic<int64_t>> recovery_point_ = std::make_shared<std::atomic<int64_t>>(0);
  std::atomic<int64_t> last_flush_ms_{0};
  std::atomic<bool> closed_{false};
  std::atomic<bool> dir_sync_pending_{false};
  std::mutex dir_sync_mu_;
};

}  // namespace fjord::log
