// LeaderAndIsr (key 4, from the controller): makes partitions leaders or followers. Checks as
// Kafka's ReplicaManager.becomeLeaderOrFollower: a request from an older controller epoch gets
// STALE_CONTROLLER_EPOCH; per partition, a leader epoch not newer than the current one gets
// STALE_CONTROLLER_EPOCH, a broker not among the replicas UNKNOWN_TOPIC_OR_PARTITION, a topic id
// different from the log's INCONSISTENT_TOPIC_ID.
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> leader_and_isr(RequestContext& ctx, msg::LeaderAndIsrRequest& req) {
  // Logs are created, truncated or opened: file work, on the blocking-work pool.
  const int16_t v = ctx.version();
  auto resp = co_await ctx.broker.blocking().run(
      [&] { return ctx.broker.replicas().become_leader_or_follower(req, v); });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
