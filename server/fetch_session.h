// FetchSessionCache keeps KIP-227 incremental fetch sessions: a client that sent its full
// partition list once (epoch 0) then sends only what changed, and gets back only partitions
// with new data or new offsets. Sessions are sharded by id, each shard with its own mutex
// held only to copy or update a session (never across I/O), so no lock is global.
// Capacity: max.incremental.fetch.session.cache.slots; when full the least recently used
// session is evicted (its client gets FETCH_SESSION_ID_NOT_FOUND and starts over).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace fjord {

struct SessionPartitionKey {
  std::string topic;
  Uuid topic_id;
  int32_t partition = 0;
  friend auto operator<=>(const SessionPartitionKey& a, const SessionPartitionKey& b) {
    if (auto c = a.topic <=> b.topic; c != 0) return c;
    if (auto c = a.topic_id.bytes <=> b.topic_id.bytes; c != 0) return c;
    return a.partition <=> b.partition;
  }
  friend bool operator==(const SessionPartitionKey&, const SessionPartitionKey&) = default;
};

struct SessionPartition {
  int64_t fetch_offset = 0;
  int32_t max_bytes = 0;
  int64_t log_start_offset = -1;  // the follower's, unused for consumers
  // What the last response told the client (-2: never sent).
  int64_t high_watermark = -2;
  int64_t last_stable_offset = -2;
  int64_t leader_log_start_offset = -2;
  // Kafka keeps a session's partitions in a list: new ones join at the end in request order,
  // and one that returned records moves to the end, so a fetch.max.bytes budget reaches the
  // others first next time. Partitions are read and answered in ascending `order`.
  uint64_t order = 0;
};

using SessionPartitions = std::map<SessionPartitionKey, SessionPartition>;

class FetchSessionCache {
 public:
  static constexpr int32_t kInitialEpoch = 0;
  static constexpr int32_t kFinalEpoch = -1;

  explicit FetchSessionCache(size_t max_sessions) : max_sessions_(max_sessions) {}

  // Creates a session for the given partitions; returns its id, or 0 when sessions are
  // disabled (max.incremental.fetch.session.cache.slots=0).
  int32_t create(SessionPartitions partitions);
  // For an incremental request: checks id and epoch (FETCH_SESSION_ID_NOT_FOUND,
  // INVALID_FETCH_SESSION_EPOCH) and returns a copy of the session's partitions.
  ErrorCode begin(int32_t id, int32_t epoch, SessionPartitions* out);
  // Stores the partitions after the response was built and advances the epoch.
  void finish(int32_t id, SessionPartitions partitions);
  void remove(int32_t id);
  size_t size() const;

 private:
  struct Session {
    int32_t epoch = 1;  // the epoch the next request must carry
    SessionPartitions partitions;
    std::chrono::steady_clock::time_point last_used;
  };
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<int32_t, Session> sessions;
  };
  Shard& shard(int32_t id) { return shards_[static_cast<uint32_t>(id) % kShards]; }
  void evict_one();

  size_t max_sessions_;
  std::array<Shard, kShards> shards_;
  std::atomic<size_t> count_{0};
};

}  // namespace fjord
