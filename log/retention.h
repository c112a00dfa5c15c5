// Retention (Kafka's UnifiedLog.deleteOldSegments): which whole segments of a partition may
// go. Three rules, applied oldest first, each stopping at the first segment it spares:
//  - log start offset (always, also for cleanup.policy=compact): the next segment starts at or
//    below the log start offset (DeleteRecords moved it);
//  - retention.ms (cleanup.policy contains delete): now - largest timestamp > retention.ms;
//  - retention.bytes (cleanup.policy contains delete): the log is larger than retention.bytes
//    by at least the segment's size.
// A segment is deletable only when it lies entirely below the high watermark, and the empty
// active segment never is. Pure functions over a segment list; PartitionLog does the removal.
#pragma once

#include <cstdint>
#include <vector>

#include "log/log_config.h"
#include "log/segment.h"

namespace fjord::log {

struct RetentionInput {
  const std::vector<SegmentPtr>* segments;
  int64_t log_start_offset;
  int64_t log_end_offset;
  int64_t high_watermark;
  int64_t now_ms;
};

// How many of the oldest segments may be deleted under each rule, and in total.
struct RetentionDecision {
  size_t by_log_start_offset = 0;
  size_t by_time = 0;
  size_t by_size = 0;
  size_t total() const;
};

RetentionDecision decide_retention(const RetentionInput& in, const LogConfig& config);

}  // namespace fjord::log
