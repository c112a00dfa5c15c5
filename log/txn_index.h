// TxnIndex is a segment's .txnindex file (Kafka's TransactionIndex): the aborted transactions
// whose abort marker lies in the segment, so a read_committed fetch can list them. Entry
// format, 34 bytes big-endian:
//   int16 version (0), int64 producerId, int64 firstOffset, int64 lastOffset,
//   int64 lastStableOffset.
// The file exists only once an entry is written (Kafka creates it lazily). Reserved: the
// transaction coordinator will fill it; the format and the file handling are here.
//
// Not thread-safe: the partition's writer appends, readers copy entries under their own lock.
#pragma once

#include <cstdint>
#include <vector>

#include "log/file.h"

namespace fjord::log {

struct AbortedTxn {
  int64_t producer_id;
  int64_t first_offset;
  int64_t last_offset;
  int64_t last_stable_offset;
  friend bool operator==(const AbortedTxn&, const AbortedTxn&) = default;
};

class TxnIndex {
 public:
  static constexpr size_t kEntrySize = 34;

  explicit TxnIndex(fs::path path) : path_(std::move(path)) {}

  Result<void> append(const AbortedTxn& txn);
  // Every entry in the file; a partial trailing entry is ignored.
  Result<std::vector<AbortedTxn>> read_all() const;
  // Removes entries with last_offset >= offset.
  Result<void> truncate_to(int64_t offset);
  Result<void> flush();
  Result<void> rename(const fs::path& to);
  Result<void> remove();
  const fs::path& path() const { return path_; }

  static void encode(const AbortedTxn& txn, uint8_t* out);
  static AbortedTxn decode(const uint8_t* in);

 private:
  Result<void> ensure_open();
  fs::path path_;
  File file_;
  int64_t size_ = -1;
};

}  // namespace fjord::log
