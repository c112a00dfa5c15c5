// ListGroups (key 16): the groups this broker coordinates, filtered by state (v4+) and
// type (v5+).
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> list_groups(RequestContext& ctx, msg::ListGroupsRequest& req) {
  co_return ctx.respond(group_coordinator(ctx).list_groups(req, ctx.version()));
}

}  // namespace fjord::handlers
