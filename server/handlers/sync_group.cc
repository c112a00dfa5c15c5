// SyncGroup (key 14): the leader hands in the assignments, every member waits for its own.
#include "server/group_await.h"
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> sync_group(RequestContext& ctx, msg::SyncGroupRequest& req) {
  const int16_t v = ctx.version();
  if (v >= 5 && (!req.protocol_type || !req.protocol_name)) {
    // As Kafka (SyncGroupRequest.areMandatoryProtocolTypeAndNamePresent): v5+ must name both.
    msg::SyncGroupResponse refused;
    refused.error_code = static_cast<int16_t>(ErrorCode::kInconsistentGroupProtocol);
    co_return ctx.respond(refused);
  }
  auto resp = co_await await_callback<msg::SyncGroupResponse>(
      [&](auto done) { group_coordinator(ctx).sync_group(req, v, std::move(done)); });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
