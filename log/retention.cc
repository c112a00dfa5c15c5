#include "log/retention.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "log/partition_log.h"

namespace fjord::log {

size_t RetentionDecision::total() const {
  return std::max({by_log_start_offset, by_time, by_size});
}

namespace {

// Kafka's deleteOldSegments(predicate): the longest prefix satisfying the predicate whose
// segments end at or below the high watermark.
template <typename Pred>
size_t deletable_prefix(const RetentionInput& in, Pred&& pred) {
  const auto& segs = *in.segments;
  size_t n = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    const Segment* next = i + 1 < segs.size() ? segs[i + 1].get() : nullptr;
    int64_t upper = next ? next->base_offset() : in.log_end_offset;
    bool last_and_empty = next == nullptr && segs[i]->size() == 0;
    if (last_and_empty || in.high_watermark < upper || !pred(*segs[i], next)) break;
    ++n;
  }
  return n;
}

}  // namespace

RetentionDecision decide_retention(const RetentionInput& in, const LogConfig& config) {
  RetentionDecision d;
  d.by_log_start_offset = deletable_prefix(in, [&](const Segment&, const Segment* next) {
    return next != nullptr && next->base_offset() <= in.log_start_offset;
  });
  if (!config.cleanup_delete) return d;
  if (config.retention_ms >= 0) {
    d.by_time = deletable_prefix(in, [&](const Segment& s, const Segment*) {
      return in.now_ms - s.largest_timestamp() > config.retention_ms;
    });
  }
  if (config.retention_bytes >= 0) {
    int64_t total = 0;
    for (const auto& s : *in.segments) total += s->size();
    int64_t diff = total - config.retention_bytes;
    d.by_size = deletable_prefix(in, [&](const Segment& s, const Segment*) {
      if (diff - s.size() < 0) return false;
      diff -= s.size();
      return true;
    });
  }
  return d;
}

Result<int> PartitionLog::delete_old_segments() {
  std::unique_lock lock(writer_mu_);
  if (closed_) return 0;
  auto list = snapshot();
  RetentionInput in{list.get(), log_start_offset(), log_end_offset(), high_watermark(),
                    clock_->now_ms()};
  RetentionDecision d = decide_retention(in, config());
  size_t n = d.total();
  if (n == 0) return 0;
  if (n == list->size()) {
    // Everything goes, the active segment included: roll so the log keeps a segment.
    if (auto r = roll_locked(log_end_offset()); !r) return r.error();
    list = snapshot();
  }
  std::vector<SegmentPtr> doomed(list->begin(), list->begin() + static_cast<ptrdiff_t>(n));
  spdlog::info(
      "Deleting {} segments of {} (log start offset breach {}, retention time {}, "
      "retention size {})",
      n, dir_.filename().string(), d.by_log_start_offset, d.by_time, d.by_size);
  lock.unlock();
  if (auto r = remove_segments(doomed); !r) return r.error();
  return static_cast<int>(n);
}

Result<void> PartitionLog::remove_segments(const std::vector<SegmentPtr>& doomed) {
  std::lock_guard lock(writer_mu_);
  auto list = snapshot();
  auto next = std::make_shared<SegmentList>();
  for (const SegmentPtr& s : *list) {
    if (std::find(doomed.begin(), doomed.end(), s) == doomed.end()) next->push_back(s);
  }
  if (next->empty()) return ErrorCode::kUnknownServerError;  // never delete the active segment
  int64_t new_start = next->front()->base_offset();
  publish(next);
  if (new_start > log_start_offset()) {
    log_start_offset_.store(new_start, std::memory_order_release);
    if (high_watermark() < new_start) high_watermark_.store(new_start);
    epochs_->truncate_from_start(new_start);
    schedule_epoch_flush();
    // Kafka deletes the producer snapshots of deleted segments with them.
    if (auto r = producers_.delete_snapshots_before(new_start); !r) return r;
  }
  schedule_delete(doomed);
  return {};
}

Result<void> PartitionLog::maybe_increment_log_start_offset(int64_t new_start) {
  std::lock_guard lock(writer_mu_);
  if (new_start > high_watermark()) return ErrorCode::kOffsetOutOfRange;
  if (new_start <= log_start_offset()) return {};
  log_start_offset_.store(new_start, std::memory_order_release);
  epochs_->truncate_from_start(new_start);
  schedule_epoch_flush();
  return {};
}

}  // namespace fjord::log
