// What the cluster knows about topics: names, ids, partition assignments and topic configs.
// Snapshots are immutable and shared; a writer publishes a new snapshot, so readers on the
// produce/fetch path never take a lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/uuid.h"
#include "protocol/wire.h"

namespace fjord {

struct PartitionAssignment {
  std::vector<int32_t> replicas;  // broker ids, preferred leader first
};

struct TopicMetadata {
  std::string name;
  Uuid topic_id;
  std::vector<PartitionAssignment> partitions;  // index = partition id
  std::map<std::string, std::string> configs;   // topic-level overrides only
};

struct MetadataSnapshot {
  std::string cluster_id;
  std::map<std::string, std::shared_ptr<const TopicMetadata>> topics;

  const TopicMetadata* find(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : it->second.get();
  }
  const TopicMetadata* find(const Uuid& id) const {
    for (const auto& [_, t] : topics) {
      if (t->topic_id == id) return t.get();
    }
    return nullptr;
  }
};

// Kafka's topic name rules (Topic.validate): 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);


}  // namespace fjord
