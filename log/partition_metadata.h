// The partition.metadata file (Kafka's PartitionMetadataFile) holding a partition's topic id:
//   version: 0
//   topic_id: <base64url uuid, no padding>
// Written atomically once, when the topic id becomes known.
#pragma once

#include <optional>
#include <string>

#include "log/file.h"
#include "protocol/uuid.h"
#include "protocol/wire.h"

namespace fjord::log {

inline constexpr std::string_view kPartitionMetadataFile = "partition.metadata";

// sync=false writes the temp file and renames it without any fsync (never torn, not yet
// durable): the caller syncs the file and its directory later (PartitionLog::sync_dir).
Result<void> write_partition_metadata(const fs::path& dir, const Uuid& topic_id, bool sync = true);
// nullopt-like: a zero Uuid when the file is absent; CORRUPT_MESSAGE when malformed.
Result<Uuid> read_partition_metadata(const fs::path& dir);

}  // namespace fjord::log
