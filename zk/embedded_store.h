// EmbeddedStore is the single-node MetadataStore: the whole cluster is this broker, and the
// metadata lives in <log dir>/fjord-metadata.json, rewritten atomically (temp file, fsync,
// rename, fsync of the directory) on every change. Thread-safe: writers take a mutex,
// readers load the published snapshot atomically.
#pragma once

#include <atomic>
#include <mutex>

#include "zk/metadata_store.h"

namespace fjord {

struct EmbeddedStoreOptions {
  std::string dir;  // the first log dir
  int32_t broker_id = 0;
  int32_t default_num_partitions = 1;
  int16_t default_replication_factor = 1;
  std::string cluster_id;  // from meta.properties; generated when empty
};

class EmbeddedStore : public MetadataStore {
 public:
  static constexpr const char* kFileName = "fjord-metadata.json";

  // Loads the file if present. nullopt (with *error) when it exists but cannot be parsed.
  static std::unique_ptr<EmbeddedStore> open(const EmbeddedStoreOptions& options,
                                             std::string* error);

  std::shared_ptr<const MetadataSnapshot> snapshot() const override {
    return snapshot_.load(std::memory_order_acquire);
  }
  StoreStatus create_topic(const CreateTopicSpec& spec, bool validate_only,
                           std::shared_ptr<const TopicMetadata>* created) override;
  // One file write and one publish for all the topics created.
  std::vector<StoreStatus> create_topics(
      const std::vector<CreateTopicSpec>& specs, bool validate_only,
      std::vector<std::shared_ptr<const TopicMetadata>>* created) override;
  StoreStatus delete_topic(const std::string& name) override;
  StoreStatus create_partitions(const std::string& name, int32_t new_count,
                                const std::vector<std::vector<int32_t>>& assignment,
                                bool validate_only) override;
  StoreStatus set_topic_configs(const std::string& name,
                                const std::map<std::string, std::string>& configs) override;
  void subscribe(Listener listener) override;

 private:
  explicit EmbeddedStore(EmbeddedStoreOptions options) : options_(std::move(options)) {}
  // Persists next and publishes it; called with mu_ held.
  StoreStatus publish(std::shared_ptr<MetadataSnapshot> next);
  // Checks spec against `current` and builds the topic; called with mu_ held. A topic that
  // would take more than `records_left` metadata records gets batch_too_large(), checked
  // before its partitions are built.
  StoreStatus new_topic(const CreateTopicSpec& spec, const MetadataSnapshot& current,
                        int64_t records_left, std::shared_ptr<TopicMetadata>* topic) const;
  StoreStatus check_assignment(const std::vector<std::vector<int32_t>>& assignment,
                               int32_t expected_partitions) const;

  EmbeddedStoreOptions options_;
  std::mutex mu_;
  std::atomic<std::shared_ptr<const MetadataSnapshot>> snapshot_;
  std::vector<Listener> listeners_;
};

}  // namespace fjord
