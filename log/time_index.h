// TimeIndex is a segment's .timeindex file (Kafka's TimeIndex): a sparse map from timestamp to
// offset. Entry format, 12 bytes big-endian: int64 timestamp, int32 relative offset. An entry
// is added only when the segment's max timestamp grows, so both columns are non-decreasing.
// The last slot is kept for the entry written when the segment becomes inactive, hence
// is_full() at max_entries - 1, as in Kafka.
//
// Thread-safety: as IndexFile — one writer, concurrent lookups.
#pragma once

#include <cstdint>

#include "log/index_file.h"
#include "protocol/records/record_batch.h"

namespace fjord::log {

struct TimestampOffset {
  int64_t timestamp;
  int64_t offset;
  friend bool operator==(const TimestampOffset&, const TimestampOffset&) = default;
};

class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  explicit TimeIndex(int64_t base_offset) : base_offset_(base_offset) {}
  Result<void> open(const fs::path& path, int32_t max_bytes, bool writable) {
    return file_.open(path, kEntrySize, max_bytes, writable);
  }

  int64_t base_offset() const { return base_offset_; }
  int32_t entries() const { return file_.entries(); }
  bool is_full() const { return file_.entries() >= file_.max_entries() - 1; }
  TimestampOffset entry(int32_t n) const;
  // {NO_TIMESTAMP, base offset} when empty.
  TimestampOffset last_entry() const;

  // Greatest entry with timestamp <= target; {NO_TIMESTAMP, base offset} when there is none.
  TimestampOffset lookup(int64_t target) const;
  // Appends when timestamp is greater than the last entry's. skip_full_check uses the
  // reserved last slot (segment becoming inactive).
  bool maybe_append(int64_t timestamp, int64_t offset, bool skip_full_check = false);
  // Removes every entry with offset >= offset.
  void truncate_to(int64_t offset);
  void reset() { file_.truncate_to_entries(0); }
  bool sane(int64_t last_offset) const;

  IndexFile& file() { return file_; }
  const IndexFile& file() const { return file_; }

 private:
  int64_t base_offset_;
  IndexFile file_;
};

}  // namespace fjord::log
