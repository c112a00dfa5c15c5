// ConsumerGroupHeartbeat (key 68, KIP-848): a member joins, heartbeats, reconciles its
// assignment and leaves a consumer group (coordinator/group_consumer_protocol.cc); answered
// once the group's records are written to __consumer_offsets.
#include "server/group_await.h"
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> consumer_group_heartbeat(RequestContext& ctx,
                                                  msg::ConsumerGroupHeartbeatRequest& req) {
  auto snap = ctx.broker.metadata().snapshot();
  coordinator::TopicLookup topics =
      [&snap](const std::string& name) -> std::optional<coordinator::SubscribedTopic> {
    const TopicMetadata* t = snap->find(name);
    if (t == nullptr) return std::nullopt;
    return coordinator::SubscribedTopic{t->topic_id, t->name,
                                        static_cast<int32_t>(t->partitions.size())};
  };
  const std::string client_id(ctx.client_id());
  const std::string host = client_host(ctx);
  auto resp = co_await await_callback<msg::ConsumerGroupHeartbeatResponse>([&](auto done) {
    group_coordinator(ctx).consumer_group_heartbeat(req, client_id, host, topics, std::move(done));
  });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
