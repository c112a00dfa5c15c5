// Partition is this broker's replica of one topic partition: its log, its role (leader,
// follower or none) with the leader epoch and ISR the controller decided, the leader's view of
// each follower's fetch position, and the operations waiting on it (delayed fetch, acks=all
// produce).
//
// As leader it advances the high watermark to the smallest log end offset in the ISR — and,
// stricter than Kafka's ZooKeeper mode (DESIGN.md, from KIP-966), only while the ISR holds at
// least min.insync.replicas members (capped at the replica count, so a single-replica topic
// keeps working). It adds a follower to the ISR once it has caught up to the high watermark and
// the start of the current leader epoch, and drops one that has not caught up for
// replica.lag.time.max.ms; both changes go to the controller through IsrChangeSender and take
// effect (for the ISR size checks) when the controller confirms. As in Kafka, a pending
// expansion already counts for the high watermark ("maximal ISR").
//
// In embedded (single-node) mode a partition is made leader at epoch 0 with itself as the whole
// ISR, so the high watermark follows the log end offset.
//
// Thread-safety: every member may be called from any thread. Role and ISR state are guarded by a
// per-partition mutex (never held across I/O other than the log append, which PartitionLog
// serialises anyway); waiters by another. No global lock.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "log/partition_log.h"
#include "protocol/wire.h"
#include "server/isr_change_sender.h"

namespace fjord {

enum class ReplicaRole : uint8_t { kNone, kLeader, kFollower };

// The controller's decision for one partition (a LeaderAndIsr partition state).
struct LeaderAndIsrState {
  int32_t controller_epoch = 0;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  std::vector<int32_t> isr;
  std::vector<int32_t> replicas;
};

class Partition : public std::enable_shared_from_this<Partition> {
 public:
  Partition(log::TopicPartition tp, Uuid topic_id, std::shared_ptr<log::PartitionLog> log,
            int32_t local_broker_id = -1, IsrChangeSender* isr_sender = nullptr)
      : tp_(std::move(tp)),
        topic_id_(topic_id),
        log_(std::move(log)),
        local_id_(local_broker_id),
        isr_sender_(isr_sender) {}

  const log::TopicPartition& tp() const { return tp_; }
  const Uuid& topic_id() const { return topic_id_; }
  log::PartitionLog& log() { return *log_; }
  const std::shared_ptr<log::PartitionLog>& log_ptr() const { return log_; }

  int32_t leader_epoch() const { return leader_epoch_.load(std::memory_order_acquire); }
  ReplicaRole role() const { return role_.load(std::memory_order_acquire); }
  bool is_leader() const { return role() == ReplicaRole::kLeader; }
  int32_t leader_id() const;
  std::vector<int32_t> isr() const;
  std::vector<int32_t> replicas() const;
  int32_t partition_epoch() const;
  void set_min_insync_replicas(int32_t n) { min_isr_.store(n); }
  int32_t min_insync_replicas() const { return min_isr_.load(); }

  // Embedded mode: leader at epoch 0, ISR = replicas = this broker.
  void make_sole_leader();
  // LeaderAndIsr: whether a state at this leader epoch may replace the current one (Kafka: only
  // a newer leader epoch; the same or an older one is STALE_CONTROLLER_EPOCH).
  ErrorCode check_leader_and_isr(const LeaderAndIsrState& s) const;
  // Becomes leader: new epoch, ISR and replicas from the controller, follower positions reset.
  void make_leader(const LeaderAndIsrState& s, int64_t now_ms);
  // Becomes follower of s.leader. True when the leader or epoch changed (refetch and truncate).
  bool make_follower(const LeaderAndIsrState& s);
  // StopReplica: no role any more (the leader epoch is kept so older requests stay fenced).
  void make_offline(int32_t leader_epoch);

  // Produce path (leader only). acks=-1 refuses with NOT_ENOUGH_REPLICAS before appending when
  // the ISR is below min.insync.replicas. NOT_LEADER_OR_FOLLOWER when not leader.
  // When the flush policy (flush.messages) is reached the log is fsynced first, inline, unless
  // defer_flush: then info.flush_needed is set, the leader's own contribution to the high
  // watermark waits, and the caller runs complete_flush(info) off its event loop (BlockingPool)
  // before it acknowledges the append. Either way consumers see the records only once they are
  // on disk, as with Kafka.
  // Records rejected by the validation (log::PartitionLog::append_as_leader) go to
  // *record_errors.
  // With options.may_block=false an append that needs file work returns info.would_block and
  // appends nothing (log::PartitionLog::append_as_leader).
  Result<log::AppendInfo> append_as_leader(std::span<uint8_t> batches, int16_t acks = 1,
                                           const log::LeaderAppendOptions& options = {});
  // The deferred part of an append: fsync up to it, then advance the high watermark.
  Result<void> complete_flush(const log::AppendInfo& info);
  // acks=all completion: nullopt while the high watermark is below required_offset; then NONE,
  // or NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR fell below min.insync.replicas (Kafka's
  // checkEnoughReplicasReachOffset), or NOT_LEADER_OR_FOLLOWER after losing leadership.
  std::optional<ErrorCode> check_replicated(int64_t required_offset) const;

  // Replication (follower side): appends the leader's batches and moves the high watermark to
  // min(leader's high watermark, log end).
  Result<log::AppendInfo> append_as_follower(std::span<uint8_t> batches, int64_t leader_hw);
  void update_follower_high_watermark(int64_t leader_hw);

  // Leader side: a follower fetched from fetch_offset (its log end offset).
  void update_follower_fetch(int32_t replica_id, int64_t fetch_offset, int64_t now_ms);
  // Drops followers that have not caught up within lag_max_ms from the ISR (via the controller).
  void maybe_shrink_isr(int64_t now_ms, int64_t lag_max_ms);
  // A consumer's or follower's current_leader_epoch against ours: FENCED_LEADER_EPOCH when
  // older, UNKNOWN_LEADER_EPOCH when newer, NONE when -1 (not given) or equal.
  ErrorCode check_current_leader_epoch(int32_t requested) const;

  // Registers a one-shot callback run (on the thread that appended or advanced the high
  // watermark) after the next append or high watermark change; the callback must only post work
  // to its own executor. remove_waiter() drops it early.
  uint64_t on_next_append(std::function<void()> wake);
  void remove_waiter(uint64_t id);

 private:
  struct FollowerState {
    int64_t log_end_offset = -1;
    int64_t last_caught_up_ms = 0;
    int64_t last_fetch_leader_leo = -1;
    int64_t last_fetch_ms = 0;
  };
  // Under state_mu_: moves the high watermark up if the ISR allows. True when it moved.
  bool maybe_advance_hw_locked();
  std::vector<int32_t> maximal_isr_locked() const;
  int32_t effective_min_isr_locked() const;
  // Under state_mu_: proposes new_isr to the controller; the answer arrives in on_isr_result.
  void propose_isr_locked(std::vector<int32_t> new_isr);
  void on_isr_result(int32_t proposed_epoch, const IsrChangeResult& r);
  void wake_waiters();

  log::TopicPartition tp_;
  Uuid topic_id_;
  std::shared_ptr<log::PartitionLog> log_;
  int32_t local_id_;
  IsrChangeSender* isr_sender_;
  std::atomic<int32_t> leader_epoch_{-1};
  std::atomic<ReplicaRole> role_{ReplicaRole::kNone};
  std::atomic<int32_t> min_isr_{1};

  mutable std::mutex state_mu_;
  int32_t leader_id_ = -1;
  int32_t partition_epoch_ = 0;
  int32_t controller_epoch_ = 0;
  std::vector<int32_t> replicas_;
  std::vector<int32_t> isr_;
  std::optional<std::vector<int32_t>> pending_isr_;  // proposed, not yet confirmed
  int64_t leader_epoch_start_offset_ = 0;
  // How far this replica's own log counts for the high watermark: the log end, except while a
  // deferred flush.messages fsync is pending (then what is on disk).
  int64_t local_limit_ = 0;
  std::map<int32_t, FollowerState> followers_;

  std::mutex waiters_mu_;
  uint64_t next_waiter_id_ = 1;
  std::vector<std::pair<uint64_t, std::function<void()>>> waiters_;
};

using PartitionPtr = std::shared_ptr<Partition>;

}  // namespace fjord
