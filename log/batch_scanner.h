// BatchScanner walks the batch headers of a .log file from a position to an end position,
// reading 8 KiB blocks into an inline buffer (no allocation). It reads only headers: the
// offset lookups of a segment need nothing else. Whole-batch validation is recovery's job.
//
// A header that does not parse (short, batchLength too small, running past `end`) ends the
// scan; stopped_early() then tells a torn tail from a clean end.
// Not thread-safe; cheap, one per lookup.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "log/file.h"
#include "protocol/records/batch_header.h"

namespace fjord::log {

struct BatchHeaderAt {
  int64_t position;
  int64_t size;           // total bytes of the batch
  const uint8_t* header;  // batch_header::kSize bytes, valid until the next next()
  int64_t base_offset() const { return batch_header::base_offset(header); }
  int64_t last_offset() const { return batch_header::last_offset(header); }
  int64_t max_timestamp() const { return batch_header::max_timestamp(header); }
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
