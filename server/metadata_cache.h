// MetadataCache is what a ZooKeeper-mode broker knows of the cluster from the controller's
// UpdateMetadata requests (Kafka's ZkMetadataCache): the live brokers with their listeners, the
// controller, and every partition's leader, leader epoch, replicas, ISR and offline replicas.
// Metadata, FindCoordinator and the replica fetchers read it. Readers get an immutable snapshot
// (lock-free); updates come one at a time from the request handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/generated/update_metadata.h"
#include "protocol/wire.h"
#include "zk/controlled_shutdown.h"

namespace fjord {

struct CachedEndpoint {
  std::string host;
  int32_t port = 0;
};

struct CachedBroker {
  int32_t id = -1;
  std::map<std::string, CachedEndpoint> endpoints;  // by listener name
  std::optional<std::string> rack;
};

struct CachedPartition {
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  int32_t zk_version = 0;
  std::vector<int32_t> isr;
  std::vector<int32_t> replicas;
  std::vector<int32_t> offline_replicas;
};

struct CachedTopic {
  std::string name;
  Uuid topic_id;
  std::map<int32_t, CachedPartition> partitions;
};

struct ClusterView {
  int32_t controller_id = -1;
  std::map<int32_t, CachedBroker> brokers;
  std::map<std::string, CachedTopic> topics;

  const CachedPartition* partition(const std::string& topic, int32_t p) const;
  // The endpoint of broker `id` on `listener` (else its first one).
  std::optional<CachedEndpoint> endpoint(int32_t id, const std::string& listener) const;
  // The controller the last UpdateMetadata named, on `listener`; none while it is unknown.
  std::optional<zk::ControllerAddress> controller_endpoint(const std::string& listener) const;
};

class MetadataCache {
 public:
  MetadataCache() : view_(std::make_shared<const ClusterView>()) {}

  std::shared_ptr<const ClusterView> view() const { return view_.load(std::memory_order_acquire); }
  // True once the first UpdateMetadata arrived (ZooKeeper mode serves Metadata from here).
  bool initialized() const { return initialized_.load(); }

  // Applies an UpdateMetadata request decoded at `version` (the controller epoch is checked
  // by the caller). Partitions with leader -2 (LeaderDuringDelete) are removed, as Kafka does.
  void update(const msg::UpdateMetadataRequest& req, int16_t version);

 private:
  std::mutex update_mu_;
  std::atomic<std::shared_ptr<const ClusterView>> view_;
  std::atomic<bool> initialized_{false};
};

}  // namespace fjord
