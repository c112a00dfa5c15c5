// meta.properties: the identity file Kafka keeps in every log dir (version=0 in ZooKeeper
// mode: broker.id and cluster.id). A broker refuses to start on a log dir that belongs to
// another broker or another cluster, as Kafka does (InconsistentBrokerIdException /
// InconsistentClusterIdException).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fjord {

struct MetaProperties {
  int32_t broker_id = -1;
  std::string cluster_id;
};

// Reads <dir>/meta.properties; nullopt when absent. Sets *error when present but unreadable.
std::optional<MetaProperties> read_meta_properties(const std::string& dir, std::string* error);

// Writes <dir>/meta.properties atomically in Kafka's format.
bool write_meta_properties(const std::string& dir, const MetaProperties& meta, std::string* error);

// Checks every log dir against the configured broker id, picks the cluster id (an existing
// one, else `fresh_cluster_id`), and writes meta.properties where missing.
// Returns the cluster id, or nullopt with *error naming the dir and the mismatch.
std::optional<std::string> ensure_meta_properties(const std::vector<std::string>& dirs,
                                                  int32_t broker_id,
                                                  const std::string& fresh_cluster_id,
                                                  std::string* error);

}  // namespace fjord
