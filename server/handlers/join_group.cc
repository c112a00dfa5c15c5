// JoinGroup (key 11): the member waits here, without blocking its event loop, until the
// group's join phase ends (coordinator/group_membership.cc).
#include "server/group_await.h"
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> join_group(RequestContext& ctx, msg::JoinGroupRequest& req) {
  const int16_t v = ctx.version();
  auto resp = co_await await_callback<msg::JoinGroupResponse>([&](auto done) {
    group_coordinator(ctx).join_group(req, v, std::string(ctx.client_id()), client_host(ctx),
                                      std::move(done));
  });
  if (v < 7 && !resp.protocol_name) resp.protocol_name = "";  // not nullable before v7
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
