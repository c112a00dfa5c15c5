// Loading a partition directory and recovering it after an unclean stop (Kafka's LogLoader
// and LogSegment.recover), as one procedure with named outcomes:
//
//  1. Finish or roll back interrupted rename protocols: *.deleted and *.cleaned files are
//     removed, *.swap files replace the segments they cover, *.tmp files are removed.
//  2. Open every segment (the last one active). A missing or insane index is rebuilt.
//  3. Clean shutdown: done. Otherwise every segment from the one holding the recovery point
//     on is re-validated batch by batch — framing, CRC-32C, header consistency, offsets
//     increasing and inside the segment — and re-indexed. At the first bad byte the .log is
//     cut (the bytes cut are logged) and every later segment is deleted. Legacy entries
//     (magic 0/1 messages of a log dir written before Kafka 0.11) are valid too: as Kafka's
//     LogSegment.recover, each message (a compressed wrapper as one) is checked for framing,
//     CRC-32 and its offset, without opening a wrapper.
//  4. An empty directory gets one empty segment at the log start offset.
//
// What lies before the recovery point is never touched, so nothing fsynced is lost.
// Not thread-safe: runs before the log is published.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "log/leader_epoch_cache.h"
#include "log/log_config.h"
#include "log/segment.h"

namespace fjord::log {

enum class SegmentOutcome : uint8_t {
  kGood,       // every batch valid; indexes rebuilt
  kTruncated,  // cut at the first bad byte
  kDeleted,    // after a truncated segment: removed entirely
};
std::string_view segment_outcome_name(SegmentOutcome o);

struct SegmentRecovery {
  int64_t base_offset;
  SegmentOutcome outcome;
  int64_t valid_bytes;
  int64_t bytes_cut;
  std::string reason;  // why a segment was cut ("crc mismatch at position 4096", ...)
};

struct LoadedLog {
  std::vector<SegmentPtr> segments;  // sorted by base offset, at least one
  int64_t next_offset = 0;
  int64_t recovery_point = 0;
  std::vector<SegmentRecovery> recovered;  // empty after a clean shutdown
  int64_t bytes_cut() const;
};

struct LoadParams {
  fs::path dir;
  LogConfig config;
  int64_t now_ms = 0;
  int64_t recovery_point = 0;
  int64_t log_start_offset = 0;
  bool clean_shutdown = false;
};

Result<LoadedLog> load_partition_dir(const LoadParams& params, LeaderEpochCache& epochs);

// Re-validates and re-indexes one segment (step 3), starting at its first byte.
// expected_min_offset: the first batch must not start below it (the previous segment's end).
Result<SegmentRecovery> recover_segment(Segment& segment, int64_t expected_min_offset,
                                        LeaderEpochCache* epochs);

}  // namespace fjord::log
