// ReplicaManager keeps this broker's partitions in step with the cluster metadata: for every
// partition assigned here it opens (or creates) the log with the topic's config, and it
// deletes the logs of topics that are gone. Produce and fetch look partitions up in an
// immutable map published atomically, so the data path takes no lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "log/log_manager.h"
#include "server/partition.h"
#include "zk/topic_metadata.h"

namespace fjord {

class ReplicaManager {
 public:
  ReplicaManager(int32_t broker_id, log::LogManager& logs, log::LogConfig defaults);

  // Brings the local partitions in line with the snapshot (create, reconfigure, delete).
  void apply(const MetadataSnapshot& snapshot);

  PartitionPtr get(const std::string& topic, int32_t partition) const;
  log::LogManager& logs() { return logs_; }
  const log::LogConfig& defaults() const { return defaults_; }

 private:
  using Map = std::map<log::TopicPartition, PartitionPtr>;

  int32_t broker_id_;
  log::LogManager& logs_;
  log::LogConfig defaults_;
  std::mutex apply_mu_;  // one metadata change at a time
  std::atomic<std::shared_ptr<const Map>> partitions_;
};

}  // namespace fjord
