// UpdateMetadata (key 6, from the controller): live brokers and partition states for the
// metadata cache (server/metadata_cache.h); an older controller epoch gets
// STALE_CONTROLLER_EPOCH.
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> update_metadata(RequestContext& ctx, msg::UpdateMetadataRequest& req) {
  msg::UpdateMetadataResponse resp;
  resp.error_code = static_cast<int16_t>(ctx.broker.replicas().update_metadata(req, ctx.version()));
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
