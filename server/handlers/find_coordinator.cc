// FindCoordinator (key 10): which broker coordinates a group (key type 0). v0-3 ask for one
// key, v4+ for a batch (coordinator_keys). Like Kafka, the first group lookup creates
// __consumer_offsets. Transaction coordinators (key type 1) are not served yet:
// COORDINATOR_NOT_AVAILABLE.
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::FindCoordinatorResponse;

Resp::Coordinator find_one(RequestContext& ctx, const std::string& key, int8_t key_type) {
  Resp::Coordinator c;
  c.key = key;
  ErrorCode e = ErrorCode::kNone;
  if (key_type == 0) {
    e = ctx.broker.groups().ensure_offsets_topic();
    if (e == ErrorCode::kNone) {
      int32_t p = group_coordinator(ctx).partition_for(key);
      if (!ctx.broker.replicas().get(coordinator::kOffsetsTopic, p)) {
        e = ErrorCode::kCoordinatorNotAvailable;
      }
    }
  } else if (key_type == 1) {
    e = ErrorCode::kCoordinatorNotAvailable;
  } else {
    e = ErrorCode::kInvalidRequest;
  }
  c.error_code = static_cast<int16_t>(e);
  if (e == ErrorCode::kNone) {
    Endpoint self = ctx.broker.advertised_endpoint(ctx.conn.listener_name);
    c.node_id = ctx.broker.broker_id();
    c.host = self.host;
    c.port = self.port;
    c.error_message = "NONE";  // Kafka sends Errors.message(), "NONE" on success
  } else {
    c.node_id = -1;
    c.port = -1;
    c.error_message = std::string(error_name(e));
  }
  return c;
}

}  // namespace

asio::awaitable<Outcome> find_coordinator(RequestContext& ctx, msg::FindCoordinatorRequest& req) {
  Resp resp;
  if (ctx.version() >= 4) {
    for (const std::string& key : req.coordinator_keys) {
      resp.coordinators.push_back(find_one(ctx, key, req.key_type));
    }
  } else {
    Resp::Coordinator c = find_one(ctx, req.key, ctx.version() >= 1 ? req.key_type : 0);
    resp.error_code = c.error_code;
    resp.error_message = c.error_message;
    resp.node_id = c.node_id;
    resp.host = c.host;
    resp.port = c.port;
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
