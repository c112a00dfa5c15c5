// FindCoordinator (key 10): which broker coordinates a group (key type 0): the leader of
// __consumer_offsets partition abs(hash(group)) % offsets.topic.num.partitions, as Kafka
// answers (COORDINATOR_NOT_AVAILABLE while it has no leader, or no live leader on this
// listener). v0-3 ask for one key, v4+ for a batch (coordinator_keys). Like Kafka, the first
// group lookup creates __consumer_offsets (through ZooKeeper on a cluster, so off the event
// loop). Transaction coordinators (key type 1) are not served yet: COORDINATOR_NOT_AVAILABLE;
// nor are share coordinators (key type 2, v6+), as in Kafka 3.9.
#include "server/group_requests.h"
#include "server/handlers/config_resource.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::FindCoordinatorResponse;

// Errors.message(): the error's description ("NONE" for no error).
std::string error_message(ErrorCode e) {
  switch (e) {
    case ErrorCode::kNone:
      return "NONE";
    case ErrorCode::kInvalidRequest:
      return std::string(kMalformedRequestMessage);
    case ErrorCode::kCoordinatorNotAvailable:
      return "The coordinator is not available.";
    default:
      return std::string(error_name(e));
  }
}

// Key types: 0 group, 1 transaction, 2 share (KIP-932; Kafka 3.9 serves none yet).
bool known_key_type(int8_t key_type) { return key_type >= 0 && key_type <= 2; }

// One key's answer. As Kafka: in v4+ (a batch) the message is left empty, in v0-3 it is
// Errors.message().
Resp::Coordinator find_one(RequestContext& ctx, const std::string& key, int8_t key_type,
                           ErrorCode offsets_topic) {
  Resp::Coordinator c;
  c.key = key;
  ErrorCode e = ErrorCode::kNone;
  std::optional<Endpoint> coordinator;
  int32_t node_id = -1;
  if (key_type == 0) {
    e = offsets_topic;
    if (e == ErrorCode::kNone) {
      Broker& broker = ctx.broker;
      const int32_t p = group_coordinator(ctx).partition_for(key);
      if (broker.zk_mode()) {
        auto view = broker.replicas().metadata_cache().view();
        const CachedPartition* cp = view->partition(coordinator::kOffsetsTopic, p);
        if (cp != nullptr && cp->leader >= 0) {
          auto b = view->brokers.find(cp->leader);
          if (b != view->brokers.end()) {
            auto ep = b->second.endpoints.find(ctx.conn.listener_name);
            if (ep != b->second.endpoints.end()) {
              node_id = cp->leader;
              coordinator = Endpoint{ep->second.host, ep->second.port};
            }
          }
        }
      } else if (broker.replicas().get(coordinator::kOffsetsTopic, p)) {
        node_id = broker.broker_id();
        coordinator = broker.advertised_endpoint(ctx.conn.listener_name);
      }
      if (!coordinator) e = ErrorCode::kCoordinatorNotAvailable;
    }
  } else if (key_type == 2 && ctx.version() < 6) {
    e = ErrorCode::kInvalidRequest;  // share coordinators are asked for from v6
  } else {
    e = ErrorCode::kCoordinatorNotAvailable;
  }
  c.error_code = static_cast<int16_t>(e);
  c.error_message = ctx.version() >= 4 ? "" : error_message(e);
  if (e == ErrorCode::kNone) {
    c.node_id = node_id;
    c.host = coordinator->host;
    c.port = coordinator->port;
  } else {
    c.node_id = -1;
    c.port = -1;
  }
  return c;
}

}  // namespace

asio::awaitable<Outcome> find_coordinator(RequestContext& ctx, msg::FindCoordinatorRequest& req) {
  Resp resp;
  const int8_t key_type = ctx.version() >= 1 ? req.key_type : 0;
  ErrorCode offsets_topic = ErrorCode::kNone;
  if (key_type == 0 &&
      ctx.broker.metadata().snapshot()->find(coordinator::kOffsetsTopic) == nullptr) {
    offsets_topic = co_await ctx.broker.blocking().run(
        [&broker = ctx.broker] { return broker.groups().ensure_offsets_topic(); });
  }
  if (!known_key_type(key_type)) {
    // Kafka fails the request (CoordinatorType.forId throws): INVALID_REQUEST for every key.
    if (ctx.version() >= 4) {
      for (const std::string& key : req.coordinator_keys) {
        Resp::Coordinator c;
        c.key = key;
        c.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
        c.error_message = error_message(ErrorCode::kInvalidRequest);
        c.node_id = -1;
        c.port = -1;
        resp.coordinators.push_back(std::move(c));
      }
    } else {
      resp.error_code = static_cast<int16_t>(ErrorCode::kInvalidRequest);
      resp.error_message = error_message(ErrorCode::kInvalidRequest);
      resp.node_id = -1;
      resp.port = -1;
    }
    co_return ctx.respond(resp);
  }
  if (ctx.version() >= 4) {
    for (const std::string& key : req.coordinator_keys) {
      resp.coordinators.push_back(find_one(ctx, key, key_type, offsets_topic));
    }
  } else {
    Resp::Coordinator c = find_one(ctx, req.key, key_type, offsets_topic);
    resp.error_code = c.error_code;
    resp.error_message = c.error_message;
    resp.node_id = c.node_id;
    resp.host = c.host;
    resp.port = c.port;
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
