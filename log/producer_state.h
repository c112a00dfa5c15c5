// ProducerStateManager is one partition's idempotent-producer state (Kafka's
// ProducerStateManager, ProducerStateEntry and ProducerAppendInfo): per producer id the
// current epoch and the metadata of its last 5 batches, so that a retried batch is answered
// with its original offsets instead of being appended twice, and a gap in sequence numbers
// is refused with OUT_OF_ORDER_SEQUENCE_NUMBER.
//
// Snapshots: `<20-digit offset>.snapshot` in the partition directory holds the state of every
// producer as of that offset (exclusive), in Kafka's format (version 1):
//   int16 version | uint32 crc32c(of everything after the crc) | int32 count |
//   count x { int64 producer_id, int16 producer_epoch, int32 last_sequence, int64 last_offset,
//             int32 offset_delta, int64 timestamp, int32 coordinator_epoch,
//             int64 current_txn_first_offset }
// Only the last batch of each producer is stored, as in Kafka.
//
// Not thread-safe: the owning PartitionLog calls it under its writer lock, so a duplicate
// check and the append it guards are one atomic step.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "log/file.h"
#include "protocol/result.h"
#include "protocol/wire.h"

namespace fjord::log {

inline constexpr std::string_view kProducerSnapshotSuffix = ".snapshot";
// producer.id.expiration.ms default (Kafka: 1 day).
inline constexpr int64_t kDefaultProducerIdExpirationMs = 86'400'000;

// Kafka's DefaultRecordBatch.incrementSequence / decrementSequence: sequences wrap at
// Int32.MAX to 0.
int32_t increment_sequence(int32_t sequence, int32_t increment);
int32_t decrement_sequence(int32_t sequence, int32_t decrement);

struct BatchMetadata {
  int32_t last_seq = -1;
  int64_t last_offset = -1;
  int32_t offset_delta = 0;
  int64_t timestamp = -1;
  int32_t first_seq() const { return decrement_sequence(last_seq, offset_delta); }
  int64_t first_offset() const { return last_offset - offset_delta; }
};

// What the producer state needs from one batch header.
struct ProducerBatch {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t last_sequence = -1;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t max_timestamp = -1;
  bool transactional = false;
  bool control = false;
  // From a magic-2 batch header (batch_header::kSize bytes).
  static ProducerBatch from_header(const uint8_t* header);
  bool has_producer_id() const { return producer_id >= 0; }
};

class ProducerStateEntry {
 public:
  static constexpr size_t kNumBatchesToRetain = 5;

  int64_t producer_id = -1;
  int16_t producer_epoch = -1;  // -1: no epoch seen (Kafka's NO_PRODUCER_EPOCH)
  int32_t coordinator_epoch = -1;
  int64_t last_timestamp = -1;
  int64_t current_txn_first_offset = -1;

  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  const BatchMetadata& batch(size_t i) const { return batches_[(head_ + i) % kNumBatchesToRetain]; }
  const BatchMetadata& last() const { return batch(count_ - 1); }
  int32_t last_seq() const { return empty() ? -1 : last().last_seq; }
  int64_t last_data_offset() const { return empty() ? -1 : last().last_offset; }

  // A batch with the same epoch and sequence range as one of the retained batches.
  std::optional<BatchMetadata> find_duplicate(const ProducerBatch& b) const;
  // A new epoch forgets the batches of the old one.
  void maybe_update_epoch(int16_t epoch);
  void add_batch(int16_t epoch, const BatchMetadata& m);

 private:
  std::array<BatchMetadata, kNumBatchesToRetain> batches_{};
  size_t head_ = 0;
  size_t count_ = 0;
};

// One append's pending changes (Kafka's ProducerAppendInfo over every producer of the append):
// validated batch by batch, applied with ProducerStateManager::commit only once the append is
// written.
class ProducerAppend {
 public:
  std::vector<ProducerStateEntry> updated;
};

class ProducerStateManager {
 public:
  explicit ProducerStateManager(fs::path dir,
                                int64_t producer_id_expiration_ms = kDefaultProducerIdExpirationMs)
      : dir_(std::move(dir)), expiration_ms_(producer_id_expiration_ms) {}

  const ProducerStateEntry* entry(int64_t producer_id) const;
  size_t num_producers() const { return producers_.size(); }
  int64_t map_end_offset() const { return map_end_offset_; }
  void update_map_end_offset(int64_t offset) { map_end_offset_ = offset; }

  // Produce path: the original batch when `b` repeats one of its producer's last 5.
  std::optional<BatchMetadata> find_duplicate(const ProducerBatch& b) const;
  // Produce path (offsets assigned): Kafka's epoch and sequence rules. INVALID_PRODUCER_EPOCH
  // for an older epoch, OUT_OF_ORDER_SEQUENCE_NUMBER for a gap or a new epoch not starting at
  // 0. The change is recorded in `append`.
  ErrorCode validate_and_stage(const ProducerBatch& b, ProducerAppend& append) const;
  // Replication and log replay: no sequence check (Kafka's AppendOrigin.REPLICATION).
  void stage_unchecked(const ProducerBatch& b, ProducerAppend& append) const;
  void commit(ProducerAppend& append);
  // Replays a batch read back from the log (recovery, truncation).
  void replay(const ProducerBatch& b);
  void clear() { producers_.clear(); }

  // --- snapshots ---
  // Writes <map_end_offset>.snapshot unless one exists at that offset. fsync when `sync`.
  Result<void> take_snapshot(bool sync);
  // Every snapshot offset in the directory, ascending.
  Result<std::vector<int64_t>> snapshot_offsets() const;
  Result<void> delete_snapshots_before(int64_t offset);  // exclusive
  Result<void> delete_snapshots_after(int64_t offset);   // exclusive
  // Loads the latest valid snapshot (corrupt ones are deleted, the next older tried); returns
  // its offset, or nullopt with empty state. The caller replays the log from there.
  Result<std::optional<int64_t>> load_latest_snapshot(int64_t now_ms);
  // Without a snapshot on disk, Kafka counts the log start offset as snapshotted
  // (lastSnapOffset = logStartOffset): a log with nothing past it takes no snapshot at close.
  void assume_snapshot_at(int64_t offset) {
    if (last_snapshot_offset_ < offset) last_snapshot_offset_ = offset;
  }

  static Bytes encode_snapshot(const std::map<int64_t, ProducerStateEntry>& producers);
  // CORRUPT_MESSAGE on a bad version, size or CRC.
  static Result<std::vector<ProducerStateEntry>> decode_snapshot(std::span<const uint8_t> data);
  static fs::path snapshot_file(const fs::path& dir, int64_t offset);

 private:
  ProducerStateEntry& staged_entry(int64_t producer_id, ProducerAppend& append) const;

  fs::path dir_;
  int64_t expiration_ms_;
  std::map<int64_t, ProducerStateEntry> producers_;
  int64_t map_end_offset_ = 0;
  int64_t last_snapshot_offset_ = -1;
};

}  // namespace fjord::log
