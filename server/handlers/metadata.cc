// Metadata (key 3): brokers, cluster id, controller, and topics with their partitions.
// Unknown topics are auto-created when auto.create.topics.enable and the request allows it
// (v4+: allow_auto_topic_creation); like Kafka, the response then says LEADER_NOT_AVAILABLE
// for that topic and the client asks again. In ZooKeeper mode brokers, controller and partition
// states (leader, ISR, offline replicas) come from the metadata cache that UpdateMetadata feeds.
#include <algorithm>
#include <vector>

#include "server/broker.h"
#include "server/handlers/authorized_operations.h"
#include "server/handlers/handlers.h"
#include "server/handlers/live_brokers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::MetadataResponse;

bool is_internal_topic(const std::string& name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

Resp::MetadataResponseTopic describe_topic(const TopicMetadata& t, bool include_ops,
                                           int32_t leader_epoch) {
  Resp::MetadataResponseTopic out;
  out.name = t.name;
  out.topic_id = t.topic_id;
  out.is_internal = is_internal_topic(t.name);
  for (size_t p = 0; p < t.partitions.size(); ++p) {
    const auto& replicas = t.partitions[p].replicas;
    Resp::MetadataResponsePartition part;
    part.partition_index = static_cast<int32_t>(p);
    part.leader_id = replicas.empty() ? -1 : replicas.front();
    part.leader_epoch = leader_epoch;
    part.replica_nodes = replicas;
    part.isr_nodes = replicas;
    out.partitions.push_back(std::move(part));
  }
  if (include_ops) out.topic_authorized_operations = kTopicAuthorizedOperations;
  return out;
}

// ZooKeeper mode: a topic as the metadata cache has it (Kafka's ZkMetadataCache): a partition
// whose leader is not alive answers LEADER_NOT_AVAILABLE with leader -1.
Resp::MetadataResponseTopic describe_cached_topic(const ClusterView& view, const CachedTopic& t,
                                                  const TopicMetadata* stored, bool include_ops) {
  Resp::MetadataResponseTopic out;
  out.name = t.name;
  out.topic_id = !t.topic_id.is_zero() ? t.topic_id : (stored ? stored->topic_id : Uuid{});
  out.is_internal = is_internal_topic(t.name);
  for (const auto& [index, p] : t.partitions) {
    Resp::MetadataResponsePartition part;
    part.partition_index = index;
    part.leader_epoch = p.leader_epoch;
    part.replica_nodes = p.replicas;
    part.isr_nodes = p.isr;
    part.offline_replicas = p.offline_replicas;
    if (p.leader >= 0 && view.brokers.contains(p.leader)) {
      part.leader_id = p.leader;
    } else {
      part.leader_id = -1;
      part.error_code = static_cast<int16_t>(ErrorCode::kLeaderNotAvailable);
    }
    out.partitions.push_back(std::move(part));
  }
  if (include_ops) out.topic_authorized_operations = kTopicAuthorizedOperations;
  return out;
}

Resp::MetadataResponseTopic topic_error(ErrorCode code, std::optional<std::string> name,
                                        Uuid id = {}) {
  Resp::MetadataResponseTopic out;
  out.error_code = static_cast<int16_t>(code);
  out.name = std::move(name);
  out.topic_id = id;
  out.is_internal = out.name && is_internal_topic(*out.name);
  return out;
}

}  // namespace

asio::awaitable<Outcome> metadata(RequestContext& ctx, msg::MetadataRequest& req) {
  Broker& broker = ctx.broker;
  const int16_t v = ctx.version();
  Resp resp;
  const bool zk_mode = broker.zk_mode();
  std::shared_ptr<const ClusterView> view;
  if (zk_mode) view = broker.replicas().metadata_cache().view();
  LiveBrokers live = live_brokers(broker, ctx.conn.listener_name);
  for (LiveBroker& b : live.brokers) {
    resp.brokers.push_back({b.id, std::move(b.host), b.port, std::move(b.rack), {}});
  }
  resp.controller_id = live.controller_id;
  resp.cluster_id = broker.cluster_id();
  const bool include_ops = v >= 8 && req.include_topic_authorized_operations;
  if (v >= 8 && v <= 10 && req.include_cluster_authorized_operations) {
    resp.cluster_authorized_operations = kClusterAuthorizedOperations;
  }

  auto snap = broker.metadata().snapshot();
  // v0: an empty list means every topic; v1+: null means every topic, empty means none.
  const bool all_topics = !req.topics || (v == 0 && req.topics->empty());
  auto describe = [&](const TopicMetadata& t) {
    if (!zk_mode) return describe_topic(t, include_ops, 0);
    auto it = view->topics.find(t.name);
    if (it == view->topics.end()) return topic_error(ErrorCode::kLeaderNotAvailable, t.name);
    return describe_cached_topic(*view, it->second, &t, include_ops);
  };
  if (all_topics) {
    if (zk_mode) {
      for (const auto& [name, t] : view->topics) {
        resp.topics.push_back(describe_cached_topic(*view, t, snap->find(name), include_ops));
      }
      co_return ctx.respond(resp);
    }
    for (const auto& [name, t] : snap->topics) {
      resp.topics.push_back(describe_topic(*t, include_ops, 0));
    }
    co_return ctx.respond(resp);
  }

  // As Kafka: topic ids are refused before v12 (the whole request gets INVALID_REQUEST), and
  // from v12 one id in the request means topics are looked up by id, their names ignored.
  const auto has_id = [](const auto& rt) { return !rt.topic_id.is_zero(); };
  const bool by_id = std::any_of(req.topics->begin(), req.topics->end(), has_id);
  if (v < 12 && (by_id || std::any_of(req.topics->begin(), req.topics->end(),
                                      [](const auto& rt) { return !rt.name; }))) {
    Resp refused;
    for (const auto& rt : *req.topics) {
      Resp::MetadataResponseTopic t =
          topic_error(ErrorCode::kInvalidRequest, rt.name.value_or(""), rt.topic_id);
      t.is_internal = false;
      refused.topics.push_back(std::move(t));
    }
    co_return ctx.respond(refused);
  }
  const bool auto_create = broker.config().get_bool("auto.create.topics.enable") &&
                           (v < 4 || req.allow_auto_topic_creation);
  std::vector<Uuid> ids_seen;  // each id answered once
  for (const auto& rt : *req.topics) {
    if (by_id) {
      if (!has_id(rt) ||
          std::find(ids_seen.begin(), ids_seen.end(), rt.topic_id) != ids_seen.end()) {
        continue;
      }
      ids_seen.push_back(rt.topic_id);
    }
    if (by_id || !rt.name) {
      // v12+: by topic id.
      const TopicMetadata* t = snap->find(rt.topic_id);
      resp.topics.push_back(t ? describe(*t)
                              : topic_error(ErrorCode::kUnknownTopicId, std::nullopt, rt.topic_id));
      continue;
    }
    const std::string& name = *rt.name;
    if (const TopicMetadata* t = snap->find(name)) {
      resp.topics.push_back(describe(*t));
      continue;
    }
    if (!valid_topic_name(name)) {
      resp.topics.push_back(topic_error(ErrorCode::kInvalidTopicException, name));
      continue;
    }
    if (!auto_create) {
      resp.topics.push_back(topic_error(ErrorCode::kUnknownTopicOrPartition, name));
      continue;
    }
    StoreStatus st = co_await broker.blocking().run(  // store write, new logs: off the loop
        [&] {
          return broker.create_topic({name, -1, -1, {}, {}}, false, nullptr);
        });
    resp.topics.push_back(topic_error(st.ok() || st.code == ErrorCode::kTopicAlreadyExists
                                          ? ErrorCode::kLeaderNotAvailable
                                          : st.code,
                                      name));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
