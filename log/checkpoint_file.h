// Kafka's checkpoint files (CheckpointFile): text, line 1 the version, line 2 the entry count,
// then one entry per line with space-separated fields. Written atomically (temp file, fsync,
// rename, fsync of the directory), so a reader sees the old or the new file, never a mix.
//
// OffsetCheckpoint is the per-log-dir map TopicPartition -> offset used by
// recovery-point-offset-checkpoint, log-start-offset-checkpoint,
// replication-offset-checkpoint and cleaner-offset-checkpoint (version 0, "topic partition
// offset"). A malformed file is reported (CORRUPT_MESSAGE), never half-read.
// Thread-safety: the functions are stateless; callers serialise writes to one path.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "log/file.h"
#include "log/segment_name.h"

namespace fjord::log {

inline constexpr std::string_view kRecoveryPointCheckpoint = "recovery-point-offset-checkpoint";
inline constexpr std::string_view kLogStartOffsetCheckpoint = "log-start-offset-checkpoint";
inline constexpr std::string_view kReplicationOffsetCheckpoint = "replication-offset-checkpoint";
inline constexpr std::string_view kCleanerOffsetCheckpoint = "cleaner-offset-checkpoint";
inline constexpr std::string_view kCleanShutdownFile = ".kafka_cleanshutdown";

// Generic form: version + entries, each entry already formatted as one line.
Result<void> write_checkpoint(const fs::path& path, int version,
                              const std::vector<std::string>& lines);
// Entries split into fields; an absent file is an empty list.
Result<std::vector<std::vector<std::string>>> read_checkpoint(const fs::path& path,
                                                              int expected_version,
                                                              size_t fields_per_line);

using OffsetMap = std::map<TopicPartition, int64_t>;
Result<void> write_offset_checkpoint(const fs::path& path, const OffsetMap& offsets);
Result<OffsetMap> read_offset_checkpoint(const fs::path& path);

}  // namespace fjord::log
