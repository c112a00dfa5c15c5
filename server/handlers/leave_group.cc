// LeaveGroup (key 13): one member (v0-2) or a batch, possibly by group.instance.id (v3+).
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> leave_group(RequestContext& ctx, msg::LeaveGroupRequest& req) {
  msg::LeaveGroupResponse resp = group_coordinator(ctx).leave_group(req, ctx.version());
  if (ctx.version() < 3) resp.members.clear();
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
