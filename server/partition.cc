#include "server/partition.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace fjord {
namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

int32_t Partition::leader_id() const {
  std::lock_guard lock(state_mu_);
  return leader_id_;
}

std::vector<int32_t> Partition::isr() const {
  std::lock_guard lock(state_mu_);
  return isr_;
}

std::vector<int32_t> Partition::replicas() const {
  std::lock_guard lock(state_mu_);
  return replicas_;
}

int32_t Partition::partition_epoch() const {
  std::lock_guard lock(state_mu_);
  return partition_epoch_;
}

void Partition::make_sole_leader() {
  {
    std::lock_guard lock(state_mu_);
    leader_id_ = local_id_;
    replicas_ = isr_ = {local_id_};
    followers_.clear();
    pending_isr_.reset();
    leader_epoch_.store(std::max(leader_epoch_.load(), 0));
    local_limit_ = log_->log_end_offset();
    role_.store(ReplicaRole::kLeader);
    maybe_advance_hw_locked();
  }
  wake_waiters();
}

ErrorCode Partition::check_leader_and_isr(const LeaderAndIsrState& s) const {
  std::lock_guard lock(state_mu_);
  const int32_t current = leader_epoch_.load();
  if (s.leader_epoch > current) return ErrorCode::kNone;
  // Kafka 3.x also accepts the same leader epoch with a newer partition epoch (an ISR-only
  // change sent as LeaderAndIsr).
  if (s.leader_epoch == current && s.partition_epoch > partition_epoch_) return ErrorCode::kNone;
  return ErrorCode::kStaleControllerEpoch;
}

void Partition::make_leader(const LeaderAndIsrState& s, int64_t now_ms) {
  {
    std::lock_guard lock(state_mu_);
    const bool new_epoch = s.leader_epoch > leader_epoch_.load() || role() != ReplicaRole::kLeader;
    controller_epoch_ = s.controller_epoch;
    leader_id_ = local_id_;
    partition_epoch_ = s.partition_epoch;
    replicas_ = s.replicas;
    isr_ = s.isr;
    pending_isr_.reset();
    if (new_epoch) {
      leader_epoch_start_offset_ = log_->log_end_offset();
      // Kafka's makeLeader: the epoch starts at the log end; followers' state resets, the ISR
      // members count as caught up now.
      log_->leader_epoch_cache().assign(s.leader_epoch, leader_epoch_start_offset_);
      log_->schedule_epoch_flush();
      followers_.clear();
      for (int32_t r : s.replicas) {
        if (r == local_id_) continue;
        FollowerState f;
        if (contains(s.isr, r)) f.last_caught_up_ms = now_ms;
        followers_[r] = f;
      }
    }
    local_limit_ = std::max(local_limit_, log_->log_end_offset());
    leader_epoch_.store(s.leader_epoch);
    role_.store(ReplicaRole::kLeader);
    maybe_advance_hw_locked();
  }
  wake_waiters();
}

bool Partition::make_follower(const LeaderAndIsrState& s) {
  bool changed;
  {
    std::lock_guard lock(state_mu_);
    changed = role() != ReplicaRole::kFollower || leader_id_ != s.leader ||
              s.leader_epoch != leader_epoch_.load();
    controller_epoch_ = s.controller_epoch;
    leader_id_ = s.leader;
    partition_epoch_ = s.partition_epoch;
    replicas_ = s.replicas;
    isr_ = s.isr;
    pending_isr_.reset();
    followers_.clear();
    leader_epoch_.store(s.leader_epoch);
    role_.store(ReplicaRole::kFollower);
  }
  wake_waiters();  // parked fetches and acks=all produces answer NOT_LEADER_OR_FOLLOWER now
  return changed;
}

void Partition::make_offline(int32_t leader_epoch) {
  {
    std::lock_guard lock(state_mu_);
    role_.store(ReplicaRole::kNone);
    leader_id_ = -1;
    followers_.clear();
    pending_isr_.reset();
    if (leader_epoch > leader_epoch_.load()) leader_epoch_.store(leader_epoch);
  }
  wake_waiters();
}

int32_t Partition::effective_min_isr_locked() const {
  return std::min<int32_t>(min_isr_.load(), std::max<int32_t>(1, replicas_.size()));
}

std::vector<int32_t> Partition::maximal_isr_locked() const {
  std::vector<int32_t> out = isr_;
  if (pending_isr_) {
    for (int32_t r : *pending_isr_) {
      if (!contains(out, r)) out.push_back(r);
    }
  }
  return out;
}

bool Partition::maybe_advance_hw_locked() {
  if (role() != ReplicaRole::kLeader) return false;
  const std::vector<int32_t> isr = maximal_isr_locked();
  // DESIGN.md's stricter rule: a write is committed only on min.insync.replicas copies.
  if (static_cast<int32_t>(isr.size()) < effective_min_isr_locked()) return false;
  int64_t hw = std::min(local_limit_, log_->log_end_offset());
  for (int32_t r : isr) {
    if (r == local_id_) continue;
    auto it = followers_.find(r);
    if (it == followers_.end() || it->second.log_end_offset < 0) return false;
    hw = std::min(hw, it->second.log_end_offset);
  }
  if (hw <= log_->high_watermark()) return false;
  log_->update_high_watermark(hw);
  return true;
}

Result<log::AppendInfo> Partition::append_as_leader(std::span<uint8_t> batches, int16_t acks,
                                                    const log::LeaderAppendOptions& options) {
  Result<log::AppendInfo> info = ErrorCode::kNone;
  {
    std::lock_guard lock(state_mu_);
    if (role() != ReplicaRole::kLeader) return ErrorCode::kNotLeaderOrFollower;
    // Kafka's appendRecordsToLeader: acks=all needs min.insync.replicas in the ISR before the
    // append (against the committed ISR, not the maximal one).
    if (acks == -1 && static_cast<int32_t>(isr_.size()) < min_isr_.load()) {
      return ErrorCode::kNotEnoughReplicas;
    }
    info = log_->append_as_leader(batches, leader_epoch_.load(), options);
    if (!info.ok() || info->would_block) return info;
    if (!info->flush_needed) local_limit_ = log_->log_end_offset();
    maybe_advance_hw_locked();
  }
  wake_waiters();
  return info;
}

Result<void> Partition::complete_flush(const log::AppendInfo& info) {
  if (auto r = log_->flush(info.last_offset + 1); !r) return r;
  bool moved;
  {
    std::lock_guard lock(state_mu_);
    local_limit_ = std::max(local_limit_, log_->recovery_point());
    moved = maybe_advance_hw_locked();
  }
  if (moved) wake_waiters();
  return {};
}

std::optional<ErrorCode> Partition::check_replicated(int64_t required_offset) const {
  std::lock_guard lock(state_mu_);
  if (role() != ReplicaRole::kLeader) return ErrorCode::kNotLeaderOrFollower;
  if (log_->high_watermark() < required_offset) return std::nullopt;
  if (static_cast<int32_t>(isr_.size()) < min_isr_.load()) {
    return ErrorCode::kNotEnoughReplicasAfterAppend;
  }
  return ErrorCode::kNone;
}

Result<log::AppendInfo> Partition::append_as_follower(std::span<uint8_t> batches,
                                                      int64_t leader_hw) {
  Result<log::AppendInfo> info = log_->append_as_follower(batches);
  if (!info.ok()) return info;
  update_follower_high_watermark(leader_hw);
  return info;
}

void Partition::update_follower_high_watermark(int64_t leader_hw) {
  const int64_t hw = std::min(leader_hw, log_->log_end_offset());
  if (hw > log_->high_watermark()) {
    log_->update_high_watermark(hw);
    wake_waiters();
  }
}

void Partition::update_follower_fetch(int32_t replica_id, int64_t fetch_offset, int64_t now_ms) {
  bool moved = false;
  {
    std::lock_guard lock(state_mu_);
    if (role() != ReplicaRole::kLeader) return;
    auto it = followers_.find(replica_id);
    if (it == followers_.end()) return;  // not a replica of this partition
    FollowerState& f = it->second;
    const int64_t leader_leo = log_->log_end_offset();
    // Kafka's Replica.updateFetchState.
    if (fetch_offset >= leader_leo) {
      f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
    } else if (fetch_offset >= f.last_fetch_leader_leo) {
      f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
    }
    f.last_fetch_leader_leo = leader_leo;
    f.last_fetch_ms = now_ms;
    f.log_end_offset = fetch_offset;
    // ISR expansion (Kafka's maybeExpandIsr): caught up to the high watermark and into the
    // current leader epoch.
    if (!pending_isr_ && !contains(isr_, replica_id) && contains(replicas_, replica_id) &&
        fetch_offset >= log_->high_watermark() && fetch_offset >= leader_epoch_start_offset_) {
      std::vector<int32_t> next = isr_;
      next.push_back(replica_id);
      spdlog::info("[Partition {}-{} broker={}] Expanding ISR from {} to {}", tp_.topic,
                   tp_.partition, local_id_, fmt::join(isr_, ","), fmt::join(next, ","));
      propose_isr_locked(std::move(next));
    }
    moved = maybe_advance_hw_locked() || moved;
  }
  if (moved) wake_waiters();
}

void Partition::maybe_shrink_isr(int64_t now_ms, int64_t lag_max_ms) {
  std::lock_guard lock(state_mu_);
  if (role() != ReplicaRole::kLeader || pending_isr_) return;
  const int64_t leader_leo = log_->log_end_offset();
  std::vector<int32_t> next;
  for (int32_t r : isr_) {
    if (r == local_id_) {
      next.push_back(r);
      continue;
    }
    auto it = followers_.find(r);
    const bool out_of_sync =
        it == followers_.end() || (it->second.log_end_offset != leader_leo &&
                                   now_ms - it->second.last_caught_up_ms > lag_max_ms);
    if (!out_of_sync) next.push_back(r);
  }
  if (next.size() == isr_.size()) return;
  spdlog::info("[Partition {}-{} broker={}] Shrinking ISR from {} to {}", tp_.topic, tp_.partition,
               local_id_, fmt::join(isr_, ","), fmt::join(next, ","));
  propose_isr_locked(std::move(next));
}

void Partition::propose_isr_locked(std::vector<int32_t> new_isr) {
  if (isr_sender_ == nullptr) {
    // No controller (embedded mode or a test without one): the change applies at once.
    isr_ = std::move(new_isr);
    return;
  }
  pending_isr_ = new_isr;
  IsrChange change{tp_, topic_id_, leader_epoch_.load(), partition_epoch_, std::move(new_isr)};
  const int32_t epoch = change.leader_epoch;
  // The sender completes on its own thread, never inline (so state_mu_ is not re-entered).
  isr_sender_->send(std::move(change), [weak = weak_from_this(), epoch](IsrChangeResult r) {
    if (auto self = weak.lock()) self->on_isr_result(epoch, r);
  });
}

void Partition::on_isr_result(int32_t proposed_epoch, const IsrChangeResult& r) {
  bool moved = false;
  {
    std::lock_guard lock(state_mu_);
    if (role() != ReplicaRole::kLeader || leader_epoch_.load() != proposed_epoch) return;
    pending_isr_.reset();
    if (r.error != ErrorCode::kNone) {
      spdlog::warn("[Partition {}-{} broker={}] ISR change refused by the controller: {}",
                   tp_.topic, tp_.partition, local_id_, error_name(r.error));
      return;  // retried by the next fetch (expansion) or lag check (shrink)
    }
    if (r.leader_epoch != proposed_epoch) return;  // a LeaderAndIsr will follow
    isr_ = r.isr;
    partition_epoch_ = r.partition_epoch;
    spdlog::info("[Partition {}-{} broker={}] ISR updated to {} (partition epoch {})", tp_.topic,
                 tp_.partition, local_id_, fmt::join(isr_, ","), partition_epoch_);
    moved = maybe_advance_hw_locked();
  }
  if (moved) wake_waiters();
  // Waiters also re-check NOT_ENOUGH_REPLICAS_AFTER_APPEND against the new ISR.
  wake_waiters();
}

ErrorCode Partition::check_current_leader_epoch(int32_t requested) const {
  if (requested < 0) return ErrorCode::kNone;
  const int32_t current = leader_epoch();
  if (requested < current) return ErrorCode::kFencedLeaderEpoch;
  if (requested > current) return ErrorCode::kUnknownLeaderEpoch;
  return ErrorCode::kNone;
}

void Partition::wake_waiters() {
  std::vector<std::pair<uint64_t, std::function<void()>>> wake;
  {
    std::lock_guard lock(waiters_mu_);
    wake.swap(waiters_);
  }
  for (auto& [id, w] : wake) w();
}

uint64_t Partition::on_next_append(std::function<void()> wake) {
  std::lock_guard lock(waiters_mu_);
  uint64_t id = next_waiter_id_++;
  waiters_.emplace_back(id, std::move(wake));
  return id;
}

void Partition::remove_waiter(uint64_t id) {
  std::lock_guard lock(waiters_mu_);
  std::erase_if(waiters_, [id](const auto& w) { return w.first == id; });
}

}  // namespace fjord
