#include "log/leader_epoch_cache.h"

#include <charconv>
#include <string>

#include "log/checkpoint_file.h"

namespace fjord::log {

Result<void> LeaderEpochCache::load() {
  auto lines = read_checkpoint(path_, 0, 2);
  if (!lines) return lines.error();
  std::vector<EpochEntry> loaded;
  for (const auto& l : *lines) {
    EpochEntry e{};
    auto [p1, ec1] = std::from_chars(l[0].data(), l[0].data() + l[0].size(), e.epoch);
    auto [p2, ec2] = std::from_chars(l[1].data(), l[1].data() + l[1].size(), e.start_offset);
    if (ec1 != std::errc() || ec2 != std::errc()) return ErrorCode::kCorruptMessage;
    loaded.push_back(e);
  }
  std::lock_guard lock(mu_);
  entries_ = std::move(loaded);
  return {};
}

void LeaderEpochCache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0 || start_offset < 0) return;
  std::lock_guard lock(mu_);
  if (!entries_.empty()) {
    const EpochEntry& last = entries_.back();
    if (epoch == last.epoch && start_offset >= last.start_offset) return;
    if (epoch < last.epoch && start_offset >= last.start_offset) return;
  }
  // Kafka's maybeTruncateNonMonotonicEntries.
  std::erase_if(entries_, [&](const EpochEntry& e) {
    return e.epoch >= epoch || e.start_offset >= start_offset;
  });
  entries_.push_back({epoch, start_offset});
  changed_locked();
}

std::optional<int32_t> LeaderEpochCache::latest_epoch() const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back().epoch;
}

std::optional<EpochEntry> LeaderEpochCache::latest_entry() const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

EpochEntry LeaderEpochCache::end_offset_for(int32_t requested, int64_t log_end_offset) const {
  std::lock_guard lock(mu_);
  if (requested == kUndefinedEpoch) return {kUndefinedEpoch, kUndefinedEpochOffset};
  if (!entries_.empty() && entries_.back().epoch == requested) return {requested, log_end_offset};
  const EpochEntry* floor = nullptr;
  const EpochEntry* higher = nullptr;
  for (const EpochEntry& e : entries_) {
    if (e.epoch <= requested) floor = &e;
    if (e.epoch > requested) {
      higher = &e;
      break;
    }
  }
  if (higher == nullptr) return {kUndefinedEpoch, kUndefinedEpochOffset};
  if (floor == nullptr) return {requested, higher->start_offset};
  return {floor->epoch, higher->start_offset};
}

std::optional<int32_t> LeaderEpochCache::epoch_for_offset(int64_t offset) const {
  std::lock_guard lock(mu_);
  std::optional<int32_t> out;
  for (const EpochEntry& e : entries_) {
    if (e.start_offset > offset) break;
    out = e.epoch;
  }
  return out;
}

void LeaderEpochCache::truncate_from_end(int64_t end_offset) {
  std::lock_guard lock(mu_);
  if (end_offset < 0 || entries_.empty() || entries_.back().start_offset < end_offset) return;
  std::erase_if(entries_, [&](const EpochEntry& e) { return e.start_offset >= end_offset; });
  changed_locked();
}

void LeaderEpochCache::truncate_from_start(int64_t start_offset) {
  std::lock_guard lock(mu_);
  size_t covered = 0;  // entries starting at or before start_offset
  while (covered < entries_.size() && entries_[covered].start_offset <= start_offset) ++covered;
  if (covered == 0 || (covered == 1 && entries_[0].start_offset == start_offset)) return;
  EpochEntry keep{entries_[covered - 1].epoch, start_offset};
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(covered));
  entries_.insert(entries_.begin(), keep);
  changed_locked();
}

void LeaderEpochCache::clear() {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return;
  entries_.clear();
  changed_locked();
}

std::vector<EpochEntry> LeaderEpochCache::entries() const {
  std::lock_guard lock(mu_);
  return entries_;
}

bool LeaderEpochCache::dirty() const {
  std::lock_guard lock(mu_);
  return version_ != written_version_;
}

void LeaderEpochCache::set_dir(const fs::path& dir) {
  std::lock_guard lock(mu_);
  path_ = dir / kLeaderEpochCheckpoint;
}

Result<void> LeaderEpochCache::flush() {
  // file_mu_ first: two flushes in a row write in version order, the later one last.
  std::lock_guard file_lock(file_mu_);
  std::vector<std::string> lines;
  uint64_t version;
  fs::path path;
  {
    std::lock_guard lock(mu_);
    if (version_ == written_version_) return {};
    version = version_;
    path = path_;
    lines.reserve(entries_.size());
    for (const EpochEntry& e : entries_) {
      lines.push_back(std::to_string(e.epoch) + " " + std::to_string(e.start_offset));
    }
  }
  if (!file_exists(path.parent_path())) return {};  // partition deleted meanwhile
  if (auto r = write_checkpoint(path, 0, lines); !r) return r;
  std::lock_guard lock(mu_);
  if (path == path_) written_version_ = std::max(written_version_, version);
  return {};
}

}  // namespace fjord::log
