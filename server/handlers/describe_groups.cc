// DescribeGroups (key 15): state, protocol and members of each group (metadata and
// assignments only while Stable, as Kafka's GroupMetadata.summary).
#include "server/group_requests.h"
#include "server/handlers/authorized_operations.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> describe_groups(RequestContext& ctx, msg::DescribeGroupsRequest& req) {
  msg::DescribeGroupsResponse resp;
  for (const std::string& id : req.groups) {
    auto g = group_coordinator(ctx).describe_group(id);
    if (ctx.version() >= 3 && req.include_authorized_operations) {
      g.authorized_operations = kGroupAuthorizedOperations;
    }
    resp.groups.push_back(std::move(g));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
