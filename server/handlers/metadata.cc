// Metadata (key 3): brokers, cluster id, controller, and topics with their partitions.
// Unknown topics are auto-created when auto.create.topics.enable and the request allows it
// (v4+: allow_auto_topic_creation); like Kafka, the response then says LEADER_NOT_AVAILABLE
// for that topic and the client asks again.
#include "server/broker.h"
#include "server/handlers/authorized_operations.h"
#include "server/handlers/handlers.h"

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
  Endpoint self = broker.advertised_endpoint(ctx.conn.listener_name);
  resp.brokers.push_back({broker.broker_id(), self.host, self.port, broker.rack(), {}});
  resp.cluster_id = broker.cluster_id();
  resp.controller_id = broker.broker_id();
  const bool include_ops = v >= 8 && req.include_topic_authorized_operations;
  if (v >= 8 && v <= 10 && req.include_cluster_authorized_operations) {
    resp.cluster_authorized_operations = kClusterAuthorizedOperations;
  }

  auto snap = broker.metadata().snapshot();
  // v0: an empty list means every topic; v1+: null means every topic, empty means none.
  const bool all_topics = !req.topics || (v == 0 && req.topics->empty());
  if (all_topics) {
    for (const auto& [name, t] : snap->topics) {
      resp.topics.push_back(describe_topic(*t, include_ops, 0));
    }
    co_return ctx.respond(resp);
  }

  const bool auto_create = broker.config().get_bool("auto.create.topics.enable") &&
                           (v < 4 || req.allow_auto_topic_creation);
  for (const auto& rt : *req.topics) {
    if (!rt.name) {
      // v10+: by topic id.
      const TopicMetadata* t = snap->find(rt.topic_id);
      resp.topics.push_back(t ? describe_topic(*t, include_ops, 0)
                              : topic_error(ErrorCode::kUnknownTopicId, std::nullopt,
                                            rt.topic_id));
      continue;
    }
    const std::string& name = *rt.name;
    if (const TopicMetadata* t = snap->find(name)) {
      resp.topics.push_back(describe_topic(*t, include_ops, 0));
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
        [&] { return broker.create_topic({name, -1, -1, {}, {}}, false, nullptr); });
    resp.topics.push_back(topic_error(
        st.ok() || st.code == ErrorCode::kTopicAlreadyExists ? ErrorCode::kLeaderNotAvailable
                                                              : st.code,
        name));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
