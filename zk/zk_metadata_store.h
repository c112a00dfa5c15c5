// ZkMetadataStore is the MetadataStore of a broker in ZooKeeper mode: topics, assignments,
// topic ids and topic configs as Kafka keeps them in ZooKeeper (/brokers/topics/<t>,
// /config/topics/<t>), followed with watches (children of /brokers/topics, each topic znode,
// /config/changes notifications) and read again in full on every new session. Writes go to
// ZooKeeper the way Kafka's AdminZkClient makes them (the controller turns them into partition
// state and LeaderAndIsr); the snapshot follows once ZooKeeper has them.
//
// Every method talks to ZooKeeper and blocks: call it from the ZooKeeper client's worker
// (ZooKeeperClient::post) or another non-loop thread. Listeners run on the worker thread.
#pragma once

#include <atomic>
#include <mutex>
#include <set>

#include "zk/metadata_store.h"
#include "zk/zookeeper_client.h"

namespace fjord::zk {

struct ZkMetadataStoreOptions {
  int32_t default_num_partitions = 1;
  int16_t default_replication_factor = 1;
  std::string cluster_id;
};

class ZkMetadataStore : public MetadataStore {
 public:
  ZkMetadataStore(ZooKeeperClient& zk, ZkMetadataStoreOptions options);
  // Removes its watch handlers and session hook from the client (which may live on) and waits
  // until none of them is running.
  ~ZkMetadataStore() override;
  ZkMetadataStore(const ZkMetadataStore&) = delete;
  ZkMetadataStore& operator=(const ZkMetadataStore&) = delete;

  // Reads everything with watches. Call once, before the broker serves.
  bool start(std::string* error);

  std::shared_ptr<const MetadataSnapshot> snapshot() const override {
    return snapshot_.load(std::memory_order_acquire);
  }
  StoreStatus create_topic(const CreateTopicSpec& spec, bool validate_only,
                           std::shared_ptr<const TopicMetadata>* created) override;
  StoreStatus delete_topic(const std::string& name) override;
  StoreStatus create_partitions(const std::string& name, int32_t new_count,
                                const std::vector<std::vector<int32_t>>& assignment,
                                bool validate_only) override;
  StoreStatus set_topic_configs(const std::string& name,
                                const std::map<std::string, std::string>& configs) override;
  void subscribe(Listener listener) override;

  // Topics under /admin/delete_topics (kafka-topics --describe says "marked for deletion").
  std::set<std::string> topics_marked_for_deletion();
  // Live broker ids (children of /brokers/ids).
  std::vector<int32_t> live_brokers();

 private:
  void reload_all();
  void reload_topic(const std::string& name);  // data + config, watched
  void process_config_changes();
  void publish(std::map<std::string, std::shared_ptr<const TopicMetadata>> topics);
  StoreStatus check_assignment(const std::vector<std::vector<int32_t>>& assignment,
                               const std::vector<int32_t>& live) const;

  ZooKeeperClient& zk_;
  ZkMetadataStoreOptions options_;
  std::mutex mu_;  // one reload or write at a time
  std::atomic<std::shared_ptr<const MetadataSnapshot>> snapshot_;
  std::string last_config_change_;  // the newest notification already applied
  std::vector<Listener> listeners_;
};

}  // namespace fjord::zk
