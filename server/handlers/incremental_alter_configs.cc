// IncrementalAlterConfigs (key 44, KIP-339): SET, DELETE, APPEND and SUBTRACT on single topic
// configs, validate_only, with Kafka 3.9's errors (duplicate keys and null SET values are
// INVALID_REQUEST, APPEND/SUBTRACT on a non-list key INVALID_CONFIG, DELETE of an unknown key a
// no-op). Broker configs are static on Fjord (config_resource.h).
#include <algorithm>

#include "server/handlers/config_resource.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

enum class OpType : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

bool known_op(int8_t op) { return op >= 0 && op <= 3; }

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size() && !value.empty()) {
    size_t comma = value.find(',', start);
    std::string item =
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

using Resource = msg::IncrementalAlterConfigsRequest::AlterConfigsResource;

ConfigResourceStatus alter_topic(Broker& broker, const TopicMetadata& topic,
                                 const Resource& resource, bool validate_only) {
  std::map<std::string, std::string> configs = topic.configs;
  for (const auto& c : resource.configs) {
    // Kafka's controller takes the configs in order; an operation it does not know fails
    // there with an exception (UNKNOWN_SERVER_ERROR, no message).
    if (!known_op(c.config_operation)) return {ErrorCode::kUnknownServerError, ""};
    auto op = static_cast<OpType>(c.config_operation);
    if ((op == OpType::kAppend || op == OpType::kSubtract) && !is_list_topic_config(c.name)) {
      return {ErrorCode::kInvalidConfig,
              std::string("Can't ") + (op == OpType::kAppend ? "APPEND" : "SUBTRACT") + " to key " +
                  c.name + " because its type is not LIST."};
    }
    switch (op) {
      case OpType::kSet:
        configs[c.name] = *c.value;
        break;
      case OpType::kDelete:
        configs.erase(c.name);
        break;
      case OpType::kAppend:
      case OpType::kSubtract: {
        // The current value: the override, else the default Kafka would describe.
        std::vector<std::string> items;
        if (auto it = configs.find(c.name); it != configs.end()) {
          items = split_list(it->second);
        } else {
          for (const ConfigEntry& e : describe_topic_configs(broker.config(), {})) {
            if (e.name == c.name && e.value) items = split_list(*e.value);
          }
        }
        for (const std::string& item : split_list(c.value.value_or(""))) {
          auto found = std::find(items.begin(), items.end(), item);
          if (op == OpType::kAppend && found == items.end()) items.push_back(item);
          if (op == OpType::kSubtract && found != items.end()) items.erase(found);
        }
        configs[c.name] = join_list(items);
        break;
      }
    }
  }
  return replace_topic_configs(broker, topic.name, configs, validate_only);
}

}  // namespace

asio::awaitable<Outcome> incremental_alter_configs(RequestContext& ctx,
                                                   msg::IncrementalAlterConfigsRequest& req) {
  msg::IncrementalAlterConfigsResponse resp;
  auto snap = ctx.broker.metadata().snapshot();
  const std::vector<ConfigResourceStatus> pre =
      preprocess_alter_configs(ctx.broker, req.resources, true, [](const auto& c) {
        return c.config_operation != static_cast<int8_t>(OpType::kDelete) && !c.value;
      });
  for (size_t i = 0; i < req.resources.size(); ++i) {
    const auto& resource = req.resources[i];
    msg::IncrementalAlterConfigsResponse::AlterConfigsResourceResponse r;
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ConfigResourceStatus st = pre[i];
    std::vector<std::string> keys;
    for (const auto& c : resource.configs) {
      if (st.ok() && resource.resource_type == kResourceBroker && !known_op(c.config_operation)) {
        // ConfigAdminManager.validateBrokerConfigChange
        st = {ErrorCode::kInvalidRequest,
              "Unknown operations type " + std::to_string(c.config_operation)};
      }
      keys.push_back(c.name);
    }
    if (st.ok()) {
      st = check_alterable_resource(ctx.broker, *snap, resource.resource_type,
                                    resource.resource_name);
    }
    if (st.ok() && resource.resource_type == kResourceTopic) {
      // The metadata store writes its file (or ZooKeeper): off the event loop.
      st = co_await ctx.broker.blocking().run([&] {
        return alter_topic(ctx.broker, *snap->find(resource.resource_name), resource,
                           req.validate_only);
      });
    } else if (st.ok()) {
      st = alter_broker_configs(keys, req.validate_only);
    }
    r.error_code = static_cast<int16_t>(st.code);
    // Kafka sends a null message on success (and for errors it has no text for).
    r.error_message = st.message.empty() ? std::nullopt : std::optional(st.message);
    resp.responses.push_back(std::move(r));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
