// Heartbeat (key 12): keeps a member's session alive and tells it about rebalances.
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> heartbeat(RequestContext& ctx, msg::HeartbeatRequest& req) {
  co_return ctx.respond(group_coordinator(ctx).heartbeat(req));
}

}  // namespace fjord::handlers
