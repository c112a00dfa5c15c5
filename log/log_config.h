// LogConfig is one partition's storage settings under Kafka's topic-level config names, with
// Kafka 3.9's defaults (LogConfig / ServerLogConfigs). The broker builds one from
// log.* server properties overlaid with topic overrides; set() accepts the topic-level key.
// Plain value type, copied into each PartitionLog.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "protocol/records/record_batch.h"
#include "protocol/result.h"

namespace fjord::log {

struct LogConfig {
  static constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

  int32_t segment_bytes = 1 << 30;                            // segment.bytes
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;                // segment.ms
  int64_t segment_jitter_ms = 0;                              // segment.jitter.ms
  int32_t segment_index_bytes = 10 * 1024 * 1024;             // segment.index.bytes
  int32_t index_interval_bytes = 4096;                        // index.interval.bytes
  int32_t max_message_bytes = 1024 * 1024 + 12;               // max.message.bytes (1048588)
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;              // retention.ms (-1: unlimited)
  int64_t retention_bytes = -1;                               // retention.bytes (-1: unlimited)
  bool cleanup_compact = false;                               // cleanup.policy contains "compact"
  bool cleanup_delete = true;                                 // cleanup.policy contains "delete"
  int64_t delete_retention_ms = 24LL * 3600 * 1000;           // delete.retention.ms
  double min_cleanable_dirty_ratio = 0.5;                     // min.cleanable.dirty.ratio
  int64_t min_compaction_lag_ms = 0;                          // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = kNoLimit;                   // max.compaction.lag.ms
  int64_t flush_messages = kNoLimit;                          // flush.messages
  int64_t flush_ms = kNoLimit;                                // flush.ms
  int64_t file_delete_delay_ms = 60'000;                      // file.delete.delay.ms
  TimestampType timestamp_type = TimestampType::kCreateTime;  // message.timestamp.type
  int64_t timestamp_difference_max_ms = kNoLimit;  // message.timestamp.difference.max.ms
  int64_t timestamp_before_max_ms = kNoLimit;      // message.timestamp.before.max.ms
  int64_t timestamp_after_max_ms = kNoLimit;       // message.timestamp.after.max.ms
  bool preallocate = false;                                   // preallocate (accepted, not used)

  // Sets one topic-level key; INVALID_CONFIG for an unknown key or a bad value.
  Result<void> set(std::string_view key, std::string_view value);

  // How far a CreateTime record's timestamp may lie before / after the broker's clock: the
  // before/after key when set, else the deprecated difference key (Kafka 3.9's LogConfig).
  int64_t effective_timestamp_before_max_ms() const {
    return timestamp_before_max_ms != kNoLimit ? timestamp_before_max_ms
                                               : timestamp_difference_max_ms;
  }
  int64_t effective_timestamp_after_max_ms() const {
    return timestamp_after_max_ms != kNoLimit ? timestamp_after_max_ms
                                              : timestamp_difference_max_ms;
  }
};

}  // namespace fjord::log
