// The offset index Kafka's rule (an entry once more than index.interval.bytes were appended
// since the last one) gives for a segment's current bytes, read back from its .log file; tests
// compare a segment's real index with it.
#pragma once

#include <cstdint>
#include <vector>

#include "log/batch_scanner.h"
#include "log/segment.h"

namespace fjord::log::testing {

// *complete (if given) is false when the scan stopped before the segment's end.
inline std::vector<OffsetPosition> expected_index(const Segment& s, int32_t interval,
                                                  bool* complete = nullptr) {
  std::vector<OffsetPosition> out;
  int64_t since = 0;
  BatchScanner scan(s.log_file(), 0, s.size());
  for (BatchHeaderAt b; scan.next(b);) {
    if (since > interval) {
      out.push_back({b.last_offset(), static_cast<int32_t>(b.position)});
      since = 0;
    }
    since += b.size;
  }
  if (complete) *complete = !scan.stopped_early();
  return out;
}

}  // namespace fjord::log::testing
