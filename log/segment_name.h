// File names of a partition directory, as Kafka names them (LogFileUtils): a segment's files
// are its base offset zero-padded to 20 digits plus a suffix; files in flight carry a second
// suffix (.deleted, .cleaned, .swap) so a crash mid-protocol is recoverable at load.
// Partition directories are <topic>-<partition>; deleted ones <topic>-<p>.<uuid>-delete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "log/file.h"

namespace fjord::log {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
inline constexpr std::string_view kTxnIndexSuffix = ".txnindex";
inline constexpr std::string_view kDeletedSuffix = ".deleted";
inline constexpr std::string_view kCleanedSuffix = ".cleaned";
inline constexpr std::string_view kSwapSuffix = ".swap";
inline constexpr std::string_view kDeleteDirSuffix = "-delete";

// "00000000000000368796"
std::string offset_file_prefix(int64_t offset);
fs::path segment_file(const fs::path& dir, int64_t base_offset, std::string_view suffix,
                      std::string_view extra_suffix = {});
// Base offset of "<20 digits><suffix...>", if the name has that shape.
std::optional<int64_t> parse_base_offset(std::string_view filename);

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};
std::string partition_dir_name(const TopicPartition& tp);
// "<topic>-<p>" -> {topic, p}. Rejects names with a suffix (-delete, -future, -stray).
std::optional<TopicPartition> parse_partition_dir_name(std::string_view name);

}  // namespace fjord::log
