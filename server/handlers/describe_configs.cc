// DescribeConfigs (key 32): topic and broker configs with Kafka's names, values, sources and
// synonyms (v1+ include_synonyms), config types and documentation (v3+; Fjord sends null
// documentation, which the field allows). Results follow Kafka 3.9's ConfigHelper: an unknown
// topic is UNKNOWN_TOPIC_OR_PARTITION, another broker's id INVALID_REQUEST.
#include <algorithm>

#include "server/broker.h"
#include "server/config_entries.h"
#include "server/handlers/config_resource.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::DescribeConfigsResponse;

Resp::DescribeConfigsResourceResult to_result(const ConfigEntry& e, int16_t v, bool synonyms) {
  Resp::DescribeConfigsResourceResult r;
  r.name = e.name;
  r.value = e.value;
  r.read_only = e.read_only;
  // Kafka 3.9 never sets IsDefault (v0 only): it is false on every entry.
  r.is_default = false;
  r.config_source = static_cast<int8_t>(e.source);
  r.is_sensitive = e.is_sensitive;
  if (v >= 1 && synonyms) {
    for (const auto& s : e.synonyms) {
      r.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source), {}});
    }
  }
  r.config_type = config_type_code(e.type);
  r.documentation = std::nullopt;
  return r;
}

}  // namespace

asio::awaitable<Outcome> describe_configs(RequestContext& ctx, msg::DescribeConfigsRequest& req) {
  const int16_t v = ctx.version();
  const bool synonyms = v >= 1 && req.include_synonyms;
  Resp resp;
  auto snap = ctx.broker.metadata().snapshot();
  const bool known_types =
      std::all_of(req.resources.begin(), req.resources.end(),
                  [](const auto& r) { return known_resource_type(r.resource_type); });
  for (const auto& resource : req.resources) {
    Resp::DescribeConfigsResult result;
    result.resource_type = resource.resource_type;
    result.resource_name = resource.resource_name;
    result.error_message = "";
    std::vector<ConfigEntry> entries;
    ConfigResourceStatus st = known_types
                                  ? check_config_resource(ctx.broker, *snap, resource.resource_type,
                                                          resource.resource_name)
                                  : ConfigResourceStatus{ErrorCode::kInvalidRequest,
                                                         std::string(kMalformedRequestMessage)};
    if (!st.ok()) {
      result.error_code = static_cast<int16_t>(st.code);
      result.error_message = st.message;
    } else if (resource.resource_type == kResourceTopic) {
      entries =
          describe_topic_configs(ctx.broker.config(), snap->find(resource.resource_name)->configs);
    } else if (resource.resource_type == kResourceBroker && !resource.resource_name.empty()) {
      // The empty name is the cluster-wide dynamic defaults: none on Fjord.
      entries = describe_broker_configs(ctx.broker.config());
    }
    // BROKER_LOGGER: Fjord has no log4j loggers to report; CLIENT_METRICS and GROUP: none set.
    for (const ConfigEntry& e : entries) {
      if (resource.configuration_keys &&
          std::find(resource.configuration_keys->begin(), resource.configuration_keys->end(),
                    e.name) == resource.configuration_keys->end()) {
        continue;
      }
      result.configs.push_back(to_result(e, v, synonyms));
    }
    resp.results.push_back(std::move(result));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
