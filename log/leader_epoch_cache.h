// LeaderEpochCache maps each leader epoch to the first offset written in it (Kafka's
// LeaderEpochFileCache), persisted as the partition's leader-epoch-checkpoint file:
//   0\n<count>\n<epoch> <startOffset>\n...
// Entries are strictly increasing in both epoch and start offset; assigning a lower or equal
// start offset for a newer epoch drops the entries it contradicts, as Kafka does. The answer to
// OffsetsForLeaderEpoch comes from end_offset_for().
//
// Durability: changes are made in memory only (an append that starts a new epoch does no file
// I/O); flush() writes and fsyncs the file when it is behind. The partition log flushes it
// before it moves its recovery point, so every entry that starts below the recovery point is
// on disk; entries at or above it are rebuilt from the batches by recovery after a crash, and
// entries a truncation dropped are dropped again by recovery's truncate_from_end. (Kafka 3.9
// writes assign() synchronously and truncations asynchronously; this keeps the same recovery
// guarantee without an fsync on the append path.)
//
// Thread-safety: internally locked (a mutex held for in-memory updates; the file is written
// after the lock is released, serialised by a second mutex).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "log/file.h"

namespace fjord::log {

inline constexpr std::string_view kLeaderEpochCheckpoint = "leader-epoch-checkpoint";
inline constexpr int32_t kUndefinedEpoch = -1;
inline constexpr int64_t kUndefinedEpochOffset = -1;

struct EpochEntry {
  int32_t epoch;
  int64_t start_offset;
  friend bool operator==(const EpochEntry&, const EpochEntry&) = default;
};

class LeaderEpochCache {
 public:
  explicit LeaderEpochCache(fs::path dir) : path_(std::move(dir) / kLeaderEpochCheckpoint) {}

  // Reads the checkpoint file (absent: empty cache).
  Result<void> load();
  // Records that `epoch` starts at `start_offset` (in memory; flush() persists it).
  void assign(int32_t epoch, int64_t start_offset);
  std::optional<int32_t> latest_epoch() const;
  std::optional<EpochEntry> latest_entry() const;
  // OffsetsForLeaderEpoch: {epoch, end offset} for a requested epoch (Kafka's endOffsetFor).
  EpochEntry end_offset_for(int32_t requested_epoch, int64_t log_end_offset) const;
  // The epoch of the batch holding `offset` (the greatest entry starting at or before it).
  std::optional<int32_t> epoch_for_offset(int64_t offset) const;
  // Log truncated to end_offset: drop entries starting at or after it.
  void truncate_from_end(int64_t end_offset);
  // Log start moved to start_offset: drop entries before it, keeping the one that covers it.
  void truncate_from_start(int64_t start_offset);
  void clear();
  std::vector<EpochEntry> entries() const;
  // True when the file is behind the entries in memory.
  bool dirty() const;
  // Writes the file (temp file, fsync, rename, directory fsync) when it is behind. Blocking:
  // never call it on an event loop. A partition directory that is gone (deleted) is skipped, as
  // Kafka's writeIfDirExists.
  Result<void> flush();
  // The directory moved (partition deleted or renamed).
  void set_dir(const fs::path& dir);

 private:
  void changed_locked() { ++version_; }

  fs::path path_;  // guarded by mu_
  mutable std::mutex mu_;
  std::mutex file_mu_;
  std::vector<EpochEntry> entries_;
  uint64_t version_ = 0;          // bumped on every change (mu_)
  uint64_t written_version_ = 0;  // the version the file holds (mu_)
};

}  // namespace fjord::log
