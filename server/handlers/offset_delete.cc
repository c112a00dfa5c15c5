// OffsetDelete (key 47): deletes a group's committed offsets for some partitions, except for
// topics a live consumer group still subscribes to (GROUP_SUBSCRIBED_TO_TOPIC).
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> offset_delete(RequestContext& ctx, msg::OffsetDeleteRequest& req) {
  co_return ctx.respond(group_coordinator(ctx).delete_offsets(req, partition_exists(ctx)));
}

}  // namespace fjord::handlers
