// OffsetCommit (key 8): answered once the offsets are written to __consumer_offsets.
#include "server/group_await.h"
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> offset_commit(RequestContext& ctx, msg::OffsetCommitRequest& req) {
  const int16_t v = ctx.version();
  auto resp = co_await await_callback<msg::OffsetCommitResponse>([&](auto done) {
    group_coordinator(ctx).commit_offsets(req, v, partition_exists(ctx), std::move(done));
  });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
