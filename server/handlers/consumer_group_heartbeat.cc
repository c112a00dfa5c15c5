// ConsumerGroupHeartbeat (key 68, KIP-848): a member joins, heartbeats, reconciles its
// assignment and leaves a consumer group (coordinator/group_consumer_protocol.cc).
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
  co_return ctx.respond(group_coordinator(ctx).consumer_group_heartbeat(
      req, std::string(ctx.client_id()), client_host(ctx), topics));
}

}  // namespace fjord::handlers
