// RecordsRef is the value of a message field of Kafka type `records` (Produce and Fetch data).
// It never owns record bytes: on decode it views the request buffer (which outlives the
// request's handling); on encode it either views bytes in memory or names a region of a log
// file, which the network layer sends with sendfile (zero copy) instead of copying.
#pragma once

#include <cstdint>
#include <optional>

#include "protocol/wire.h"

namespace fjord {

// A byte range of an open file. Plain data: protocol/ never touches files.
struct FileRegion {
  int fd = -1;
  int64_t position = 0;
  int32_t length = 0;
};

struct RecordsRef {
  bool is_null = true;
  ByteView bytes;                     // used when region is empty
  std::optional<FileRegion> region;   // zero-copy source, set by the fetch path

  static RecordsRef null() { return {}; }
  static RecordsRef of(ByteView b) { return {false, b, std::nullopt}; }
  static RecordsRef of(FileRegion r) { return {false, {}, r}; }

  int32_t size() const {
    if (is_null) return -1;
    return region ? region->length : static_cast<int32_t>(bytes.size());
  }
  friend bool operator==(const RecordsRef& a, const RecordsRef& b) {
    if (a.is_null || b.is_null) return a.is_null == b.is_null;
    if (a.region || b.region) return false;
    return a.bytes.size() == b.bytes.size() &&
           std::equal(a.bytes.begin(), a.bytes.end(), b.bytes.begin());
  }
};

// Where an encoded message needs bytes from a file spliced in: after `offset` bytes of the
// in-memory encoding, send `region`. A Fetch response is then [mem][file][mem][file]...[mem].
struct Splice {
  size_t offset;
  FileRegion region;
};

}  // namespace fjord
