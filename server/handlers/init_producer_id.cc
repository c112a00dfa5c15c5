// InitProducerId (key 22) for idempotent producers: a new producer id with epoch 0 from the
// ProducerIdManager. Like Kafka 3.9's TransactionCoordinator for a null transactional id, the
// broker always hands out a fresh id, also when a v3+ request passes its current id and epoch
// back (KIP-360: an idempotent producer bumps its epoch itself); one of the two set to -1
// without the other is INVALID_REQUEST. Transactions are out of scope: a transactional id gets
// COORDINATOR_NOT_AVAILABLE, Kafka's answer while no transaction coordinator can serve it,
// so a transactional client fails with a retriable, recognisable error.
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> init_producer_id(RequestContext& ctx, msg::InitProducerIdRequest& req) {
  msg::InitProducerIdResponse resp;
  resp.producer_id = -1;
  resp.producer_epoch = -1;
  auto fail = [&](ErrorCode code) { resp.error_code = static_cast<int16_t>(code); };
  const bool no_id = req.producer_id == -1;
  const bool no_epoch = req.producer_epoch == -1;
  if (no_id != no_epoch) {
    fail(ErrorCode::kInvalidRequest);
  } else if (req.transactional_id && req.transactional_id->empty()) {
    fail(ErrorCode::kInvalidRequest);
  } else if (req.transactional_id) {
    fail(ErrorCode::kCoordinatorNotAvailable);
  } else {
    // A new block of ids is written to disk: off the event loop.
    auto id = co_await ctx.broker.blocking().run(
        [&] { return ctx.broker.producer_ids().generate(); });
    if (!id.ok()) {
      fail(ErrorCode::kCoordinatorNotAvailable);
    } else {
      resp.producer_id = *id;
      resp.producer_epoch = 0;
    }
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
