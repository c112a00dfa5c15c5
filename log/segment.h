// A Segment is one .log file with its offset and time indexes (Kafka's LogSegment): the
// batches with offsets [base_offset, next segment's base_offset). Files are named after the
// base offset (segment_name.h). Appends are sequential and single-writer; the written size is
// published after each append (release), and reads run concurrently up to what they observe
// (acquire). A read hands out a FileRegion of this segment's .log descriptor; whoever sends it
// keeps the shared_ptr<Segment> until done, so a segment deleted by retention stays readable.
//
// Index policy (byte-compatible with Kafka): for each appended batch, if more than
// index.interval.bytes were appended since the last entry, index (batch last offset, batch
// position) and (max timestamp so far, its offset). On becoming inactive, the final time-index
// entry is written and both indexes are trimmed to size.
//
// Thread-safety: append/truncate/roll/rename/flush from the partition's writer only; the const
// read functions from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "log/file.h"
#include "log/log_config.h"
#include "log/offset_index.h"
#include "log/time_index.h"
#include "log/txn_index.h"
#include "protocol/records_ref.h"

namespace fjord::log {

// The batch holding an offset: its last offset, position and size (Kafka's LogOffsetPosition).
struct LogOffsetPosition {
  int64_t last_offset;
  int32_t position;
  int32_t size;
};

struct RollParams {
  int64_t max_segment_ms;     // segment.ms
  int32_t max_segment_bytes;  // segment.bytes
  int64_t max_timestamp_in_messages;
  int64_t max_offset_in_messages;
  int32_t messages_size;
  int64_t now_ms;
};

class Segment {
 public:
  // A new, empty, active segment (files created, indexes preallocated).
  static Result<std::shared_ptr<Segment>> create(const fs::path& dir, int64_t base_offset,
                                                 const LogConfig& config, int64_t now_ms,
                                                 int64_t roll_jitter_ms,
                                                 std::string_view extra_suffix = {});
  // An existing segment. `extra_suffix` names files in flight (.cleaned, .swap).
  static Result<std::shared_ptr<Segment>> open(const fs::path& dir, int64_t base_offset,
                                               const LogConfig& config, int64_t now_ms, bool active,
                                               std::string_view extra_suffix = {});
  ~Segment();
  Segment(const Segment&) = delete;

  int64_t base_offset() const { return base_offset_; }
  int64_t size() const { return size_.load(std::memory_order_acquire); }
  const File& log_file() const { return log_; }
  const fs::path& dir() const { return dir_; }

  // --- writer ---
  // Appends complete, validated batches whose offsets are assigned; largest_offset is the
  // last offset in them.
  Result<void> append(int64_t largest_offset, std::span<const uint8_t> batches);
  bool should_roll(const RollParams& p) const;
  // Writes the final time-index entry and trims both indexes (segment rolled). sync=false
  // leaves syncing the indexes to a flush() that follows (the roll's background flush).
  Result<void> on_become_inactive(bool sync = true);
  // Grows trimmed indexes back (segment active again after a truncation).
  Result<void> make_active(int32_t max_index_bytes);
  // An active segment loaded from disk keeps its trimmed indexes until the first write:
  // start-up of many idle partitions then costs no index resize. Call before writing.
  Result<void> ensure_writable();
  // False until ensure_writable() has grown the indexes (file work).
  bool writable() const { return pending_index_bytes_ == 0; }
  Result<void> flush();
  // Removes every batch with offsets >= offset; returns the bytes removed.
  Result<int64_t> truncate_to(int64_t offset);
  // Renames all files to base name + suffix + extra_suffix ("" restores the plain names).
  Result<void> change_extra_suffix(std::string_view extra_suffix);
  Result<void> delete_files();
  // Clean close: final time-index entry, trimmed indexes (synced before the trim with `sync`).
  Result<void> close(bool sync = true);

  // Indexing of one entry (a batch, or a legacy message: batch_scanner.h) at `position`: the
  // single code path shared by append and recovery.
  void index_batch(const uint8_t* header, int32_t position, int32_t size);
  // Recovery: drop all index entries before re-indexing the log.
  void reset_indexes();
  // Recovery: cut the .log at `valid_bytes` after re-validation.
  Result<void> truncate_log_bytes(int64_t valid_bytes);

  // --- readers ---
  // First batch with last offset >= offset, scanning from the index's floor entry.
  std::optional<LogOffsetPosition> translate_offset(int64_t offset,
                                                    int32_t starting_position = 0) const;
  // The region holding batches from start_offset, at most max_size bytes (more when
  // min_one_message and the first batch is larger), not past max_position. nullopt when
  // start_offset is past the segment's data.
  std::optional<FileRegion> read(int64_t start_offset, int32_t max_size, int64_t max_position,
                                 bool min_one_message) const;
  // Copying read (TLS, down-conversion, compaction).
  Result<size_t> read_bytes(int64_t position, std::span<uint8_t> out) const {
    return log_.pread(out.data(), out.size(), position);
  }
  // Offset after the last batch, scanning from the last index entry; base offset if empty.
  int64_t read_next_offset() const;
  TimestampOffset max_timestamp_so_far() const {
    return {max_timestamp_.load(std::memory_order_acquire),
            offset_of_max_timestamp_.load(std::memory_order_acquire)};
  }
  // Kafka's largestTimestamp: the max timestamp, or the file's mtime when there is none.
  int64_t largest_timestamp() const;
  int64_t last_modified_ms() const;
  // Kafka's rolling-based timestamp: the first batch's max timestamp.
  std::optional<int64_t> first_batch_timestamp() const;

  OffsetIndex& offset_index() { return offset_index_; }
  const OffsetIndex& offset_index() const { return offset_index_; }
  TimeIndex& time_index() { return time_index_; }
  const TimeIndex& time_index() const { return time_index_; }
  TxnIndex& txn_index() { return txn_index_; }
  // Indexes agree with the log (a clean load checks this and rebuilds when not).
  bool indexes_sane() const;

 private:
  Segment(const fs::path& dir, int64_t base_offset, int64_t now_ms, std::string_view extra);
  Result<void> open_files(const LogConfig& config, bool create, bool active);
  void load_largest_timestamp();

  fs::path dir_;
  int64_t base_offset_;
  std::string extra_suffix_;
  File log_;
  OffsetIndex offset_index_;
  TimeIndex time_index_;
  TxnIndex txn_index_;
  int32_t index_interval_bytes_ = 4096;
  int64_t roll_jitter_ms_ = 0;
  int32_t pending_index_bytes_ = 0;  // > 0: indexes to grow on the first write
  int64_t created_ms_;
  std::atomic<int64_t> size_{0};
  std::atomic<int64_t> max_timestamp_{kNoTimestamp};
  std::atomic<int64_t> offset_of_max_timestamp_;
  int64_t bytes_since_last_index_entry_ = 0;
  mutable std::atomic<int64_t> rolling_based_timestamp_{INT64_MIN};  // INT64_MIN: not loaded
};

using SegmentPtr = std::shared_ptr<Segment>;

}  // namespace fjord::log
