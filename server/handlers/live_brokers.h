// The brokers and the controller a client is told about (Metadata, DescribeCluster). On a
// ZooKeeper cluster: every live broker with an endpoint on the client's listener and the
// controller, as the controller's last UpdateMetadata said (Kafka's ZkMetadataCache: before
// the first one, no broker and no controller, so clients ask again rather than wait for a
// controller that a broker list without one never names). On one node: this broker, which is
// also its own controller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/broker.h"

namespace fjord::handlers {

struct LiveBroker {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
};

struct LiveBrokers {
  std::vector<LiveBroker> brokers;
  int32_t controller_id = -1;
};

inline LiveBrokers live_brokers(Broker& broker, const std::string& listener_name) {
  LiveBrokers out;
  if (!broker.zk_mode()) {
    Endpoint self = broker.advertised_endpoint(listener_name);
    out.brokers.push_back({broker.broker_id(), self.host, self.port, broker.rack()});
    out.controller_id = broker.broker_id();
    return out;
  }
  if (!broker.replicas().metadata_cache().initialized()) return out;
  auto view = broker.replicas().metadata_cache().view();
  for (const auto& [id, b] : view->brokers) {
    auto e = b.endpoints.find(listener_name);
    if (e == b.endpoints.end()) continue;
    out.brokers.push_back({id, e->second.host, e->second.port, b.rack});
  }
  out.controller_id = view->controller_id;
  return out;
}

// Kafka's KafkaApis.getCurrentLeader, for the current-leader hints of Produce v10+ and Fetch
// v16+ (KIP-951): the leader and leader epoch this broker's replica knows, else the metadata
// cache's; the leader's endpoint on the client's listener when it is alive.
struct CurrentLeader {
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  std::optional<LiveBroker> node;
};

inline CurrentLeader current_leader(Broker& broker, const std::string& topic, int32_t partition,
                                    const std::string& listener_name) {
  CurrentLeader out;
  auto view = broker.replicas().metadata_cache().view();
  if (PartitionPtr local = broker.replicas().get(topic, partition)) {
    out.leader_id = local->leader_id();
    out.leader_epoch = local->leader_epoch();
  } else if (const CachedPartition* cached = view->partition(topic, partition)) {
    out.leader_id = cached->leader;
    out.leader_epoch = cached->leader_epoch;
  }
  if (out.leader_id < 0) return out;
  if (!broker.zk_mode() && out.leader_id == broker.broker_id()) {
    Endpoint self = broker.advertised_endpoint(listener_name);
    out.node = LiveBroker{broker.broker_id(), self.host, self.port, broker.rack()};
    return out;
  }
  auto b = view->brokers.find(out.leader_id);
  if (b == view->brokers.end()) return out;
  auto e = b->second.endpoints.find(listener_name);
  if (e == b->second.endpoints.end()) return out;
  out.node = LiveBroker{out.leader_id, e->second.host, e->second.port, b->second.rack};
  return out;
}

// Fills a KIP-951 current_leader field and adds the leader's endpoint to node_endpoints once
// (Produce and Fetch responses have their own but identically shaped types).
template <typename LeaderField, typename NodeEndpoints>
void set_current_leader(Broker& broker, const std::string& topic, int32_t partition,
                        const std::string& listener_name, LeaderField& field,
                        NodeEndpoints& node_endpoints) {
  CurrentLeader leader = current_leader(broker, topic, partition, listener_name);
  field.leader_id = leader.leader_id;
  field.leader_epoch = leader.leader_epoch;
  if (!leader.node) return;
  for (const auto& n : node_endpoints) {
    if (n.node_id == leader.node->id) return;
  }
  auto& n = node_endpoints.emplace_back();
  n.node_id = leader.node->id;
  n.host = leader.node->host;
  n.port = leader.node->port;
  n.rack = leader.node->rack;
}

// On a ZooKeeper cluster a partition this broker holds no replica of, but the cluster has,
// answers NOT_LEADER_OR_FOLLOWER (Kafka's ReplicaManager.getPartitionOrError), not
// UNKNOWN_TOPIC_OR_PARTITION.
inline ErrorCode missing_partition_error(Broker& broker, const std::string& topic,
                                         int32_t partition) {
  if (broker.zk_mode() &&
      broker.replicas().metadata_cache().view()->partition(topic, partition) != nullptr) {
    return ErrorCode::kNotLeaderOrFollower;
  }
  return ErrorCode::kUnknownTopicOrPartition;
}

}  // namespace fjord::handlers
