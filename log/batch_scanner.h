// BatchScanner walks the entry headers of a .log file (magic-2 batches and legacy magic 0/1
// messages) from a position to an end position, reading 8 KiB blocks into an inline buffer (no
// allocation). It reads only headers: the offset lookups of a segment need nothing else.
// Whole-entry validation is recovery's job.
//
// A header that does not parse (short, unknown magic, size too small for its magic, running
// past `end`) ends the scan; stopped_early() then tells a torn tail from a clean end.
// Not thread-safe; cheap, one per lookup.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "log/file.h"
#include "protocol/records/batch_header.h"

namespace fjord::log {

// A log entry is a magic-2 record batch or a legacy (magic 0/1) message, plain or a compressed
// wrapper, as in log dirs written by Kafka before 0.11. Both start with an int64 offset and
// an int32 size and have their magic at byte 16; the rest of the header differs. These read
// the fields that both have, as Kafka's RecordBatch interface does for either.
namespace entry {
inline constexpr size_t kMagicEnd = batch_header::kMagic + 1;  // bytes needed to read the magic
inline constexpr int64_t kLegacyMinSize[2] = {12 + 14, 12 + 22};  // Kafka's RECORD_OVERHEAD_V0/1
inline constexpr size_t kLegacyTimestamp = 18;  // magic 1: crc, magic, attributes, timestamp
inline int8_t magic(const uint8_t* h) { return batch_header::magic(h); }
inline bool supported_magic(int8_t magic) { return magic >= 0 && magic <= 2; }
// Bytes of the header the accessors below read.
inline size_t header_size(int8_t magic) {
  return magic >= 2 ? batch_header::kSize : magic == 1 ? kLegacyTimestamp + 8 : kMagicEnd + 1;
}
inline int64_t min_size(int8_t magic) {
  return magic >= 2 ? static_cast<int64_t>(batch_header::kSize) : kLegacyMinSize[magic];
}
// A legacy message's offset is its own, or a wrapper's the last inner offset.
inline int64_t last_offset(const uint8_t* h) {
  return magic(h) >= 2 ? batch_header::last_offset(h) : batch_header::base_offset(h);
}
// Magic 1: the message's (a wrapper's: the max inner) timestamp; magic 0 has none.
inline int64_t max_timestamp(const uint8_t* h) {
  int8_t m = magic(h);
  if (m >= 2) return batch_header::max_timestamp(h);
  return m == 1 ? batch_header::load_be<int64_t>(h + kLegacyTimestamp) : int64_t{-1};
}
}  // namespace entry

struct BatchHeaderAt {
  int64_t position;
  int64_t size;           // total bytes of the entry
  const uint8_t* header;  // entry::header_size(magic) bytes, valid until the next next()
  int8_t magic() const { return entry::magic(header); }
  bool legacy() const { return magic() < 2; }
  // Magic 2 only (a legacy wrapper knows its first offset only once decompressed).
  int64_t base_offset() const { return batch_header::base_offset(header); }
  int64_t last_offset() const { return entry::last_offset(header); }
  int64_t max_timestamp() const { return entry::max_timestamp(header); }
};

class BatchScanner {
 public:
  BatchScanner(const File& file, int64_t position, int64_t end)
      : file_(file), position_(position), end_(end) {}

  // The next header, or false at the end (or at an unreadable header).
  bool next(BatchHeaderAt& out);
  bool stopped_early() const { return stopped_early_; }
  bool io_error() const { return io_error_; }
  int64_t position() const { return position_; }

 private:
  const File& file_;
  int64_t position_;
  int64_t end_;
  int64_t buf_start_ = 0;
  size_t buf_len_ = 0;
  bool stopped_early_ = false;
  bool io_error_ = false;
  std::array<uint8_t, 8192> buf_;
};

}  // namespace fjord::log
