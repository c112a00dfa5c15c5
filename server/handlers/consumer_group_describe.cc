// ConsumerGroupDescribe (key 69, KIP-848): epochs, assignor, members with their current and
// target assignments; GROUP_ID_NOT_FOUND for groups that are not consumer groups.
#include "server/group_requests.h"
#include "server/handlers/authorized_operations.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> consumer_group_describe(RequestContext& ctx,
                                                 msg::ConsumerGroupDescribeRequest& req) {
  msg::ConsumerGroupDescribeResponse resp;
  for (const std::string& id : req.group_ids) {
    auto g = group_coordinator(ctx).consumer_group_describe(id);
    if (req.include_authorized_operations && g.error_code == 0) {
      g.authorized_operations = kGroupAuthorizedOperations;
    }
    resp.groups.push_back(std::move(g));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
