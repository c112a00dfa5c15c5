// AlterConfigs (key 33): replaces a topic's whole override set (keys not named return to their
// defaults), validate_only, INVALID_CONFIG for a bad name or value, as Kafka 3.9 answers.
// Broker configs are static on Fjord (config_resource.h).
#include <set>

#include "server/handlers/config_resource.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> alter_configs(RequestContext& ctx, msg::AlterConfigsRequest& req) {
  msg::AlterConfigsResponse resp;
  auto snap = ctx.broker.metadata().snapshot();
  const std::vector<ConfigResourceStatus> pre = preprocess_alter_configs(
      ctx.broker, req.resources, false, [](const auto& c) { return !c.value; });
  for (size_t i = 0; i < req.resources.size(); ++i) {
    const auto& resource = req.resources[i];
    msg::AlterConfigsResponse::AlterConfigsResourceResponse r;
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ConfigResourceStatus st = pre[i];
    if (st.ok()) {
      st = check_alterable_resource(ctx.broker, *snap, resource.resource_type,
                                    resource.resource_name);
    }
    if (st.ok()) {
      std::map<std::string, std::string> configs;
      std::vector<std::string> keys;
      for (const auto& c : resource.configs) {  // no null values after preprocessing
        configs[c.name] = *c.value;
        keys.push_back(c.name);
      }
      if (resource.resource_type == kResourceTopic) {
        // The metadata store writes its file (or ZooKeeper): off the event loop.
        st = co_await ctx.broker.blocking().run([&] {
          return replace_topic_configs(ctx.broker, resource.resource_name, configs,
                                       req.validate_only);
        });
      } else {
        st = alter_broker_configs(keys, req.validate_only);
      }
    }
    r.error_code = static_cast<int16_t>(st.code);
    // Kafka sends a null message on success (and for errors it has no text for).
    r.error_message = st.message.empty() ? std::nullopt : std::optional(st.message);
    resp.responses.push_back(std::move(r));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
