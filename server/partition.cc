#include "server/partition.h"

namespace fjord {

Result<log::AppendInfo> Partition::append_as_leader(std::span<uint8_t> batches) {
  Result<log::AppendInfo> info = log_->append_as_leader(batches, leader_epoch_);
  if (!info.ok()) return info;
  log_->update_high_watermark(log_->log_end_offset());
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(waiters_mu_);
    wake.swap(waiters_);
  }
  for (auto& w : wake) w();
  return info;
}

void Partition::on_next_append(std::function<void()> wake) {
  std::lock_guard lock(waiters_mu_);
  waiters_.push_back(std::move(wake));
}

}  // namespace fjord
