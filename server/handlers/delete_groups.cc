// DeleteGroups (key 42): removes Empty groups and their offsets (tombstones in
// __consumer_offsets); NON_EMPTY_GROUP for groups with members.
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> delete_groups(RequestContext& ctx, msg::DeleteGroupsRequest& req) {
  msg::DeleteGroupsResponse resp;
  for (const std::string& id : req.groups_names) {
    resp.results.push_back(group_coordinator(ctx).delete_group(id));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
