// DeleteTopics (key 20): by name (v0-5 topic_names, v6 topics[].name) or by id (v6).
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> delete_topics(RequestContext& ctx, msg::DeleteTopicsRequest& req) {
  msg::DeleteTopicsResponse resp;
  auto snap = ctx.broker.metadata().snapshot();
  auto delete_one = [&](std::optional<std::string> name, Uuid id) {
    msg::DeleteTopicsResponse::DeletableTopicResult r;
    r.name = name;
    r.topic_id = id;
    const TopicMetadata* t = name ? snap->find(*name) : snap->find(id);
    if (t == nullptr) {
      r.error_code = static_cast<int16_t>(name ? ErrorCode::kUnknownTopicOrPartition
                                               : ErrorCode::kUnknownTopicId);
    } else if (!ctx.broker.config().get_bool("delete.topic.enable")) {
      r.error_code = static_cast<int16_t>(ErrorCode::kTopicDeletionDisabled);
    } else {
      r.name = t->name;
      r.topic_id = t->topic_id;
      StoreStatus st = ctx.broker.delete_topic(t->name);
      r.error_code = static_cast<int16_t>(st.code);
      if (!st.ok()) r.error_message = st.message;
    }
    resp.responses.push_back(std::move(r));
  };
  // The metadata store writes its file (or ZooKeeper) and logs are removed: off the loop.
  co_await ctx.broker.blocking().run([&] {
    if (ctx.version() >= 6) {
      for (const auto& t : req.topics) delete_one(t.name, t.topic_id);
    } else {
      for (const auto& name : req.topic_names) delete_one(name, Uuid{});
    }
    return true;
  });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
