#include "server/partition.h"

namespace fjord {

Result<log::AppendInfo> Partition::append_as_leader(
    std::span<uint8_t> batches, bool defer_flush,
    std::vector<log::RecordRejection>* record_errors) {
  Result<log::AppendInfo> info =
      log_->append_as_leader(batches, leader_epoch_, defer_flush, record_errors);
  if (!info.ok()) return info;
  if (!info->flush_needed) advance_high_watermark(log_->log_end_offset());
  return info;
}

Result<void> Partition::complete_flush(const log::AppendInfo& info) {
  if (auto r = log_->flush(info.last_offset + 1); !r) return r;
  advance_high_watermark(log_->recovery_point());
  return {};
}

void Partition::advance_high_watermark(int64_t hw) {
  std::vector<std::pair<uint64_t, std::function<void()>>> wake;
  {
    std::lock_guard lock(waiters_mu_);
    if (hw <= log_->high_watermark()) return;
    log_->update_high_watermark(hw);
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
