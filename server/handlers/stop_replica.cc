// StopReplica (key 5, from the controller): stops fetching or leading partitions and, with
// delete, removes their logs. A leader epoch older than or equal to the current one gets
// FENCED_LEADER_EPOCH (Kafka's stopReplicas); -2 (deleting) and -1 (old versions) skip the
// check; an older controller epoch gets STALE_CONTROLLER_EPOCH.
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> stop_replica(RequestContext& ctx, msg::StopReplicaRequest& req) {
  // Deleting a log renames its directory and syncs the log dir: on the blocking-work pool.
  const int16_t v = ctx.version();
  auto resp = co_await ctx.broker.blocking().run(
      [&] { return ctx.broker.replicas().stop_replicas(req, v); });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
