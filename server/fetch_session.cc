#include "server/fetch_session.h"

#include <random>

namespace fjord {

int32_t FetchSessionCache::create(SessionPartitions partitions) {
  if (max_sessions_ == 0) return 0;
  if (count_.load() >= max_sessions_) evict_one();
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int32_t> dist(1, std::numeric_limits<int32_t>::max());
  while (true) {
    int32_t id = dist(rng);
    Shard& s = shard(id);
    std::lock_guard lock(s.mu);
    if (s.sessions.count(id)) continue;
    s.sessions[id] = Session{1, std::move(partitions), std::chrono::steady_clock::now()};
    count_.fetch_add(1);
    return id;
  }
}

ErrorCode FetchSessionCache::begin(int32_t id, int32_t epoch, SessionPartitions* out) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mu);
  auto it = s.sessions.find(id);
  if (it == s.sessions.end()) return ErrorCode::kFetchSessionIdNotFound;
  if (it->second.epoch != epoch) return ErrorCode::kInvalidFetchSessionEpoch;
  it->second.last_used = std::chrono::steady_clock::now();
  *out = it->second.partitions;
  return ErrorCode::kNone;
}

void FetchSessionCache::finish(int32_t id, SessionPartitions partitions) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mu);
  auto it = s.sessions.find(id);
  if (it == s.sessions.end()) return;
  it->second.partitions = std::move(partitions);
  it->second.epoch = it->second.epoch == std::numeric_limits<int32_t>::max()
                         ? 1
                         : it->second.epoch + 1;
  it->second.last_used = std::chrono::steady_clock::now();
}

void FetchSessionCache::remove(int32_t id) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mu);
  if (s.sessions.erase(id)) count_.fetch_sub(1);
}

size_t FetchSessionCache::size() const { return count_.load(); }

void FetchSessionCache::evict_one() {
  int32_t victim = 0;
  auto oldest = std::chrono::steady_clock::time_point::max();
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    for (const auto& [id, session] : s.sessions) {
      if (session.last_used < oldest) {
        oldest = session.last_used;
        victim = id;
      }
    }
  }
  if (victim != 0) remove(victim);
}

}  // namespace fjord
