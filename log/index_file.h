// IndexFile is the memory-mapped array of fixed-size entries beneath OffsetIndex and TimeIndex
// (Kafka's AbstractIndex). A writable index is preallocated to segment.index.bytes (rounded
// down to whole entries) and trimmed to its entries when the segment is rolled or closed, so
// files at rest hold exactly entries * entry_size bytes, as Kafka's do.
//
// Invariants: entries are written before entries_ is published (release), so concurrent
// readers see only complete entries; mappings are never unmapped while the IndexFile lives
// (a resize keeps the old mapping alive), so a reader's pointer stays valid. The descriptor is
// closed after mapping: an index costs no fd at rest.
//
// Thread-safety: one writer (append, truncate, trim, resize); any number of readers.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "log/file.h"

namespace fjord::log {

class IndexFile {
 public:
  IndexFile() = default;
  IndexFile(IndexFile&&) = delete;

  // Opens path (creating it if asked). Writable: the file is grown to max_bytes so appends
  // never extend it. Trailing all-zero entries (left by a preallocated file after a crash)
  // are not counted.
  Result<void> open(const fs::path& path, size_t entry_size, int32_t max_bytes, bool writable);

  int32_t entries() const { return entries_.load(std::memory_order_acquire); }
  int32_t max_entries() const { return max_entries_; }
  bool writable() const { return writable_; }
  size_t entry_size() const { return entry_size_; }
  const fs::path& path() const { return path_; }
  int64_t size_bytes() const { return int64_t{entries()} * static_cast<int64_t>(entry_size_); }

  const uint8_t* entry(int32_t n) const {
    return data_.load(std::memory_order_acquire) + n * entry_size_;
  }
  // Writer only; caller checks entries() < max_entries().
  void append(const uint8_t* bytes);
  void truncate_to_entries(int32_t n);
  // Shrinks the file to its entries and stops appends (segment rolled or closed). sync: msync
  // the entries first; a roll passes false because the segment's background flush syncs them
  // (Kafka's trimToValidSize does not sync either), so a roll writes nothing to disk inline.
  Result<void> trim(bool sync = true);
  // Grows a trimmed index back to max_bytes (a segment that becomes active again).
  Result<void> resize(int32_t max_bytes);
  Result<void> flush();
  Result<void> rename(const fs::path& to);
  Result<void> remove();

 private:
  Result<void> map_file(File& file, int64_t file_bytes, bool writable);

  fs::path path_;
  size_t entry_size_ = 8;
  int32_t max_entries_ = 0;
  bool writable_ = false;
  std::atomic<int32_t> entries_{0};
  std::atomic<uint8_t*> data_{nullptr};
  Mmap map_;
  std::vector<Mmap> retired_;
};

// Binary search over n entries whose offsets ascend: the first with offset >= target, or n.
template <typename OffsetAt>
int32_t first_entry_at_or_after(int32_t n, int64_t target, OffsetAt offset_at) {
  int32_t lo = 0, hi = n;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (offset_at(mid) < target)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

}  // namespace fjord::log
