#include "server/partition.h"

namespace fjord {

Result<log::AppendInfo> Partition::append_as_leader(std::span<uint8_t> batches) {
  Result<log::AppendInfo> info = log_->append_as_leader(batches, leader_epoch_);
  if (!info.ok()) return info;
  log_->update_high_watermark(log_->log_end_offset());
  std::vector<std::pair<uint64_t, std::function<void()>>> wake;
  {
    std::lock_guard lock(waiters_mu_);
    wake.swap(waiters_);
  }
  for (auto& [id, w] : wake) w();
  return info;
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
