// MetadataStore is the cluster metadata seen by one broker: topics, partition assignments,
// topic ids and topic configs. Two implementations sit behind it: the embedded single-node
// store (a JSON file in the log dir, no ZooKeeper) and, later, the ZooKeeper-backed one.
// Reads return immutable snapshots (lock-free for callers); writes are serialised inside.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/error_code.h"
#include "zk/topic_metadata.h"

namespace fjord {

struct CreateTopicSpec {
  std::string name;
  int32_t num_partitions = -1;                   // -1: num.partitions
  int16_t replication_factor = -1;               // -1: default.replication.factor
  std::vector<std::vector<int32_t>> assignment;  // explicit replicas per partition, or empty
  std::map<std::string, std::string> configs;
};

struct StoreStatus {
  ErrorCode code = ErrorCode::kNone;
  std::string message;  // Kafka-style error message for the client, empty on success
  bool ok() const { return code == ErrorCode::kNone; }
};

// The most metadata records one CreateTopics or CreatePartitions request may add on the
// single-node store: Kafka's KRaft controller writes a request as one batch (a topic record, a
// config record per config, a partition record per partition) of at most
// QuorumController.MAX_RECORDS_PER_USER_OP. ZooKeeper mode has no such limit.
inline constexpr int64_t kMaxRecordsPerUserOp = 10000;

// What a CreateTopics request past kMaxRecordsPerUserOp gets, for every topic in it.
inline StoreStatus batch_too_large() {
  return {ErrorCode::kPolicyViolation, "Unable to perform excessively large batch operation."};
}
inline bool is_batch_too_large(const StoreStatus& st) {
  return st.code == ErrorCode::kPolicyViolation && st.message == batch_too_large().message;
}

// Kafka's checks on a manual replica assignment (AdminUtils / ZkAdminManager): every partition
// has replicas, all the same count, none twice, each a broker `known(id)` accepts; an unknown
// broker is answered with `unknown_broker_error`.
template <typename Known>
StoreStatus check_replica_assignment(const std::vector<std::vector<int32_t>>& assignment,
                                     Known known, ErrorCode unknown_broker_error) {
  size_t rf = assignment.empty() ? 0 : assignment[0].size();
  for (const auto& replicas : assignment) {
    if (replicas.empty()) {
      return {ErrorCode::kInvalidReplicaAssignment, "Replica assignment is empty."};
    }
    if (replicas.size() != rf) {
      return {ErrorCode::kInvalidReplicaAssignment,
              "All partitions should have the same number of replicas"};
    }
    std::set<int32_t> unique(replicas.begin(), replicas.end());
    if (unique.size() != replicas.size()) {
      return {ErrorCode::kInvalidReplicaAssignment, "Duplicate replica assignment found"};
    }
    for (int32_t b : replicas) {
      if (!known(b)) {
        return {unknown_broker_error,
                "Unknown broker id " + std::to_string(b) + " in replica assignment"};
      }
    }
  }
  return {};
}

// INVALID_TOPIC_EXCEPTION with Kafka's text for a name valid_topic_name refuses; ok otherwise.
inline StoreStatus check_topic_name(const std::string& name) {
  if (valid_topic_name(name)) return {};
  return {ErrorCode::kInvalidTopicException,
          "Topic name is invalid: '" + name +
              "' (legal characters are ASCII alphanumerics, '.', '_' and '-', at most 249)"};
}

// TOPIC_ALREADY_EXISTS with Kafka's text.
inline StoreStatus topic_already_exists(const std::string& name) {
  return {ErrorCode::kTopicAlreadyExists, "Topic '" + name + "' already exists."};
}

// UNKNOWN_TOPIC_OR_PARTITION with Kafka's text, for a write to a topic that does not exist.
inline StoreStatus unknown_topic(const std::string& name) {
  return {ErrorCode::kUnknownTopicOrPartition, "The topic '" + name + "' does not exist."};
}

// Kafka's check of a CreatePartitions count (AdminZkClient.createPartitions): it must grow.
inline StoreStatus check_partition_increase(int32_t old_count, int32_t new_count) {
  if (new_count < old_count) {
    return {ErrorCode::kInvalidPartitions, "Topic currently has " + std::to_string(old_count) +
                                               " partitions, which is higher than the requested " +
                                               std::to_string(new_count) + "."};
  }
  if (new_count == old_count) {
    return {ErrorCode::kInvalidPartitions,
            "Topic already has " + std::to_string(old_count) + " partitions."};
  }
  return {};
}

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual std::shared_ptr<const MetadataSnapshot> snapshot() const = 0;

  // Validates and (unless validate_only) creates. On success *created holds the new topic.
  virtual StoreStatus create_topic(const CreateTopicSpec& spec, bool validate_only,
                                   std::shared_ptr<const TopicMetadata>* created) = 0;
  // Several topics of one request: one status (and one created topic) per spec, in order.
  // A store may publish them as one change (the embedded store writes its file once).
  virtual std::vector<StoreStatus> create_topics(
      const std::vector<CreateTopicSpec>& specs, bool validate_only,
      std::vector<std::shared_ptr<const TopicMetadata>>* created) {
    std::vector<StoreStatus> out;
    created->assign(specs.size(), nullptr);
    for (size_t i = 0; i < specs.size(); ++i) {
      out.push_back(create_topic(specs[i], validate_only, &(*created)[i]));
    }
    return out;
  }
  virtual StoreStatus delete_topic(const std::string& name) = 0;
  // Grows the topic to new_count partitions (never shrinks: INVALID_PARTITIONS).
  virtual StoreStatus create_partitions(const std::string& name, int32_t new_count,
                                        const std::vector<std::vector<int32_t>>& assignment,
                                        bool validate_only) = 0;
  // Replaces the topic's config overrides.
  virtual StoreStatus set_topic_configs(const std::string& name,
                                        const std::map<std::string, std::string>& configs) = 0;

  // Called after every published change, with the new snapshot (on the writer's thread).
  using Listener = std::function<void(const std::shared_ptr<const MetadataSnapshot>&)>;
  virtual void subscribe(Listener listener) = 0;
};

}  // namespace fjord
