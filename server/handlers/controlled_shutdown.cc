// ControlledShutdown (key 7): a broker about to stop asks the controller to move its
// leaderships away; the answer lists the partitions it still leads (the broker retries).
#include "server/broker.h"
#include "server/group_await.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> controlled_shutdown(RequestContext& ctx,
                                             msg::ControlledShutdownRequest& req) {
  zk::Controller* controller = ctx.broker.controller();
  if (controller == nullptr || !controller->is_active()) {
    msg::ControlledShutdownResponse resp;
    resp.error_code = static_cast<int16_t>(ErrorCode::kNotController);
    co_return ctx.respond(resp);
  }
  auto resp = co_await await_callback<msg::ControlledShutdownResponse>(
      [controller, id = req.broker_id, epoch = req.broker_epoch](auto done) {
        controller->controlled_shutdown(id, epoch, std::move(done));
      });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
