// SkimpyOffsetMap is the log cleaner's key -> latest offset map (Kafka's SkimpyOffsetMap): a
// fixed buffer of entries, each the 16-byte MD5 of a key and an 8-byte offset, open addressing
// with the probe sequence Kafka uses (successive 4-byte words of the hash, then linear). Its
// size is bounded by log.cleaner.dedupe.buffer.size / log.cleaner.threads; the cleaner stops
// filling it at log.cleaner.io.buffer.load.factor of its slots and cleans only up to the last
// offset that fit (log_cleaner.h). No deletes. Two keys with the same MD5 count as one key, as
// in Kafka.
//
// The buffer is an anonymous mapping: pages cost memory only once touched, and clear() hands
// them back (madvise), so an idle cleaner holds no dedupe memory.
// Not thread-safe: one per cleaner thread.
#pragma once

#include <cstdint>
#include <memory>

#include "protocol/wire.h"

namespace fjord::log {

class SkimpyOffsetMap {
 public:
  static constexpr int kHashSize = 16;  // MD5
  static constexpr int kBytesPerEntry = kHashSize + 8;

  // memory_bytes / 24 slots (at least one).
  explicit SkimpyOffsetMap(int64_t memory_bytes);
  ~SkimpyOffsetMap();
  SkimpyOffsetMap(const SkimpyOffsetMap&) = delete;
  SkimpyOffsetMap& operator=(const SkimpyOffsetMap&) = delete;

  int32_t slots() const { return slots_; }
  // Distinct keys put since the last clear().
  int32_t size() const { return entries_; }
  // The last offset put or passed to update_latest_offset (-1 after clear()).
  int64_t latest_offset() const { return latest_offset_; }
  double utilization() const { return static_cast<double>(entries_) / slots_; }

  // Caller keeps size() < slots() for a new key (the cleaner stops at the load factor).
  void put(ByteView key, int64_t offset);
  // The offset stored for key, or -1.
  int64_t get(ByteView key) const;
  void update_latest_offset(int64_t offset) { latest_offset_ = offset; }
  void clear();

 private:
  void hash_into(ByteView key, uint8_t* out) const;
  size_t position_of(const uint8_t* hash, int32_t attempt) const;
  bool is_empty(size_t position) const;

  int32_t slots_;
  size_t bytes_;
  uint8_t* buf_;
  int32_t entries_ = 0;
  int64_t latest_offset_ = -1;
  struct Digest;
  std::unique_ptr<Digest> digest_;
};

}  // namespace fjord::log
