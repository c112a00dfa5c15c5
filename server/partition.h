// Partition is this broker's replica of one topic partition: its log, its leader epoch, and
// the fetches waiting for new data (delayed fetch). On one node the leader is the whole ISR,
// so the high watermark follows the log end offset after every append.
//
// Thread-safety: append/read may run on any event loop concurrently (PartitionLog serialises
// writers); waiters are guarded by a per-partition mutex, never a global one.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "log/partition_log.h"
#include "protocol/wire.h"

namespace fjord {

class Partition {
 public:
  Partition(log::TopicPartition tp, Uuid topic_id, std::shared_ptr<log::PartitionLog> log)
      : tp_(std::move(tp)), topic_id_(topic_id), log_(std::move(log)) {}

  const log::TopicPartition& tp() const { return tp_; }
  const Uuid& topic_id() const { return topic_id_; }
  log::PartitionLog& log() { return *log_; }
  const std::shared_ptr<log::PartitionLog>& log_ptr() const { return log_; }
  int32_t leader_epoch() const { return leader_epoch_; }

  // Leader append; advances the high watermark and wakes the waiting fetches. When the flush
  // policy (flush.messages) is reached the log is fsynced first, inline, unless defer_flush:
  // then info.flush_needed is set, the high watermark waits, and the caller runs
  // complete_flush(info) off its event loop (BlockingPool) before it acknowledges the append.
  // Either way consumers see the records only once they are on disk, as with Kafka.
  // Records rejected by the validation (log::PartitionLog::append_as_leader) go to
  // *record_errors.
  Result<log::AppendInfo> append_as_leader(
      std::span<uint8_t> batches, bool defer_flush = false,
      std::vector<log::RecordRejection>* record_errors = nullptr);
  // The deferred part of an append: fsync up to it, then advance the high watermark.
  Result<void> complete_flush(const log::AppendInfo& info);

  // Registers a one-shot callback run (on the appending thread) after the next append; the
  // callback must only post work to its own executor. remove_waiter() drops it early (a
  // fetch that completed by timeout), so idle partitions do not collect stale waiters.
  uint64_t on_next_append(std::function<void()> wake);
  void remove_waiter(uint64_t id);

 private:
  // Moves the high watermark up to `hw` (never down) and wakes the waiting fetches.
  void advance_high_watermark(int64_t hw);

  log::TopicPartition tp_;
  Uuid topic_id_;
  std::shared_ptr<log::PartitionLog> log_;
  int32_t leader_epoch_ = 0;
  std::mutex waiters_mu_;  // also orders high-watermark updates from concurrent appends
  uint64_t next_waiter_id_ = 1;
  std::vector<std::pair<uint64_t, std::function<void()>>> waiters_;
};

using PartitionPtr = std::shared_ptr<Partition>;

}  // namespace fjord
