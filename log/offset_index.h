// OffsetIndex is a segment's .index file (Kafka's OffsetIndex): a sparse map from offset to
// the byte position of the batch holding it. Entry format, 8 bytes big-endian:
//   int32 relative offset (offset - base offset), int32 position in the .log file.
// Offsets and positions strictly increase. One entry per index.interval.bytes of log, keyed
// by the batch's last offset and pointing at that batch's first byte, as LogSegment.append
// writes them. Disposable: rebuilt from the .log after a crash or a failed sanity check.
//
// Thread-safety: as IndexFile — one writer, concurrent lookups.
#pragma once

#include <cstdint>

#include "log/index_file.h"

namespace fjord::log {

struct OffsetPosition {
  int64_t offset;
  int32_t position;
  friend bool operator==(const OffsetPosition&, const OffsetPosition&) = default;
};

class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  explicit OffsetIndex(int64_t base_offset) : base_offset_(base_offset) {}
  Result<void> open(const fs::path& path, int32_t max_bytes, bool writable) {
    return file_.open(path, kEntrySize, max_bytes, writable);
  }

  int64_t base_offset() const { return base_offset_; }
  int32_t entries() const { return file_.entries(); }
  bool is_full() const { return file_.entries() >= file_.max_entries(); }
  OffsetPosition entry(int32_t n) const;
  // Largest indexed offset, or the base offset when empty.
  int64_t last_offset() const;

  // Greatest entry with offset <= target; {base_offset, 0} when there is none.
  OffsetPosition lookup(int64_t target) const;
  // Writer only. False (nothing written) when full or not increasing.
  bool append(int64_t offset, int32_t position);
  // Removes every entry with offset >= offset.
  void truncate_to(int64_t offset);
  void reset() { file_.truncate_to_entries(0); }
  // Kafka's sanity check plus ours: positions and offsets increase and stay inside the log.
  bool sane(int64_t log_size) const;
  bool fits(int64_t offset) const {
    return offset - base_offset_ <= INT32_MAX && offset >= base_offset_;
  }

  IndexFile& file() { return file_; }
  const IndexFile& file() const { return file_; }

 private:
  int32_t relative(int64_t offset) const { return static_cast<int32_t>(offset - base_offset_); }
  int64_t base_offset_;
  IndexFile file_;
};

}  // namespace fjord::log
