#include "server/metadata_cache.h"

namespace fjord {

const CachedPartition* ClusterView::partition(const std::string& topic, int32_t p) const {
  auto t = topics.find(topic);
  if (t == topics.end()) return nullptr;
  auto it = t->second.partitions.find(p);
  return it == t->second.partitions.end() ? nullptr : &it->second;
}

std::optional<CachedEndpoint> ClusterView::endpoint(int32_t id, const std::string& listener) const {
  auto b = brokers.find(id);
  if (b == brokers.end() || b->second.endpoints.empty()) return std::nullopt;
  auto e = b->second.endpoints.find(listener);
  return e != b->second.endpoints.end() ? e->second : b->second.endpoints.begin()->second;
}

std::optional<zk::ControllerAddress> ClusterView::controller_endpoint(
    const std::string& listener) const {
  auto e = controller_id >= 0 ? endpoint(controller_id, listener) : std::nullopt;
  if (!e) return std::nullopt;
  return zk::ControllerAddress{controller_id, std::move(e->host), static_cast<uint16_t>(e->port)};
}

void MetadataCache::update(const msg::UpdateMetadataRequest& req, int16_t version) {
  // Kafka's LeaderAndIsr.LeaderDuringDelete: the topic is being deleted.
  constexpr int32_t kLeaderDuringDelete = -2;
  std::lock_guard lock(update_mu_);
  auto next = std::make_shared<ClusterView>(*view_.load());
  next->controller_id = req.controller_id;
  next->brokers.clear();
  for (const auto& b : req.live_brokers) {
    CachedBroker cb;
    cb.id = b.id;
    if (version == 0) {
      cb.endpoints["PLAINTEXT"] = {b.v0_host, b.v0_port};
    } else {
      for (const auto& e : b.endpoints) {
        // v1-v2 have no listener name: it is the security protocol's name.
        std::string name = version >= 3 ? e.listener : std::string("PLAINTEXT");
        cb.endpoints[name] = {e.host, e.port};
      }
    }
    if (version >= 2) cb.rack = b.rack;
    next->brokers[cb.id] = std::move(cb);
  }
  auto apply = [&](const std::string& topic, const Uuid& id,
                   const msg::UpdateMetadataRequest::UpdateMetadataPartitionState& ps) {
    if (ps.leader == kLeaderDuringDelete) {
      auto t = next->topics.find(topic);
      if (t != next->topics.end()) {
        t->second.partitions.erase(ps.partition_index);
        if (t->second.partitions.empty()) next->topics.erase(t);
      }
      return;
    }
    CachedTopic& t = next->topics[topic];
    t.name = topic;
    if (!id.is_zero()) t.topic_id = id;
    CachedPartition& p = t.partitions[ps.partition_index];
    p.leader = ps.leader;
    p.leader_epoch = ps.leader_epoch;
    p.zk_version = ps.zk_version;
    p.isr = ps.isr;
    p.replicas = ps.replicas;
    p.offline_replicas = ps.offline_replicas;
  };
  for (const auto& ps : req.ungrouped_partition_states) apply(ps.topic_name, Uuid{}, ps);
  for (const auto& ts : req.topic_states) {
    for (const auto& ps : ts.partition_states) apply(ts.topic_name, ts.topic_id, ps);
  }
  view_.store(std::move(next), std::memory_order_release);
  initialized_.store(true);
}

}  // namespace fjord
