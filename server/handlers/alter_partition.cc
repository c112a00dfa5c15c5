// AlterPartition (key 56): a partition leader asks the controller to change the ISR. Only the
// active controller answers; any other broker says NOT_CONTROLLER so the leader looks again.
#include "server/broker.h"
#include "server/group_await.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> alter_partition(RequestContext& ctx, msg::AlterPartitionRequest& req) {
  zk::Controller* controller = ctx.broker.controller();
  if (controller == nullptr || !controller->is_active()) {
    msg::AlterPartitionResponse resp;
    resp.error_code = static_cast<int16_t>(ErrorCode::kNotController);
    co_return ctx.respond(resp);
  }
  // The controller works on the ZooKeeper thread; this loop goes on serving meanwhile. The
  // request is captured by reference and moved when the call starts (see group_await.h).
  auto resp = co_await await_callback<msg::AlterPartitionResponse>(
      [controller, &req, v = ctx.version()](auto done) {
        controller->alter_partition(std::move(req), v, std::move(done));
      });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
