// Checks the resource a DescribeConfigs / AlterConfigs / IncrementalAlterConfigs entry names,
// with the errors Kafka 3.9 gives: a malformed or unknown topic, a broker id that is not an
// integer or not ours, a resource type the broker does not serve.
#pragma once

#include <charconv>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "server/broker.h"
#include "server/config_entries.h"

namespace fjord::handlers {

struct ConfigResourceStatus {
  ErrorCode code = ErrorCode::kNone;
  std::string message;
  bool ok() const { return code == ErrorCode::kNone; }
};

// Kafka's InvalidRequestException text when it gives no detail of its own.
inline constexpr std::string_view kMalformedRequestMessage =
    "This most likely occurs because of a request being malformed by the client library or the "
    "message was sent to an incompatible broker. See the broker logs for more details.";

// Topic.validate's messages (the empty name as ConfigHelper words it).
inline std::string topic_name_error(const std::string& name) {
  if (name.empty()) return "Topic name is invalid: the empty string is not allowed";
  if (name == "." || name == "..") return "Topic name cannot be \".\" or \"..\"";
  if (name.size() > 249) {
    return "Topic name is invalid: the length of '" + name +
           "' is longer than the max allowed length 249";
  }
  return "Topic name is invalid: '" + name +
         "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'";
}

// `for_alter`: AlterConfigs wording ("expected 1, but received 2"; the unknown topic named).
inline ConfigResourceStatus check_config_resource(Broker& broker, const MetadataSnapshot& snap,
                                                  int8_t type, const std::string& name,
                                                  bool for_alter = false) {
  if (type == kResourceTopic) {
    if (for_alter && name.empty()) {
      return {ErrorCode::kInvalidRequest, "Default topic resources are not allowed."};
    }
    if (!valid_topic_name(name)) return {ErrorCode::kInvalidTopicException, topic_name_error(name)};
    if (snap.find(name) == nullptr) {
      return {ErrorCode::kUnknownTopicOrPartition,
              for_alter ? "The topic '" + name + "' does not exist." : ""};
    }
    return {};
  }
  if (type == kResourceBroker || type == kResourceBrokerLogger) {
    if (name.empty() && type == kResourceBroker) return {};
    int32_t id = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || end != name.data() + name.size()) {
      return {ErrorCode::kInvalidRequest, "Broker id must be an integer, but it is: " + name};
    }
    if (id != broker.broker_id()) {
      std::string expected = std::to_string(broker.broker_id());
      return {ErrorCode::kInvalidRequest,
              for_alter ? "Unexpected broker id, expected " + expected + ", but received " + name
                        : "Unexpected broker id, expected " + expected +
                              " or empty string, but received " + name};
    }
    return {};
  }
  if (type == kResourceClientMetrics || type == kResourceGroup) return {};
  return {ErrorCode::kInvalidRequest, std::string(kMalformedRequestMessage)};
}

// The checks (Incremental)AlterConfigs make after preprocess_alter_configs: the resource exists
// (a topic) or is this broker, and is a topic or a broker, the two types Fjord alters.
inline ConfigResourceStatus check_alterable_resource(Broker& broker, const MetadataSnapshot& snap,
                                                     int8_t type, const std::string& name) {
  ConfigResourceStatus st = check_config_resource(broker, snap, type, name, true);
  if (st.ok() && type != kResourceTopic && type != kResourceBroker) {
    return {ErrorCode::kInvalidRequest, std::string(kMalformedRequestMessage)};
  }
  return st;
}

// Kafka's ConfigAdminManager.preprocess, the checks of (Incremental)AlterConfigs resources that
// come before any other, in its order: a resource named twice (both get the error), a config
// key named twice, null values (`is_null(config)`: incremental DELETE may have one), then the
// resource type and, for a broker, that the name is empty or this broker's id. BROKER_LOGGER
// is a type only for IncrementalAlterConfigs (`incremental`). One status per resource.
template <typename Resource, typename IsNull>
std::vector<ConfigResourceStatus> preprocess_alter_configs(Broker& broker,
                                                           const std::vector<Resource>& resources,
                                                           bool incremental, IsNull is_null) {
  std::vector<ConfigResourceStatus> out(resources.size());
  for (size_t i = 0; i < resources.size(); ++i) {
    for (size_t j = 0; j < resources.size(); ++j) {
      if (i != j && resources[i].resource_type == resources[j].resource_type &&
          resources[i].resource_name == resources[j].resource_name) {
        out[i] = {ErrorCode::kInvalidRequest, "Each resource must appear at most once."};
      }
    }
    if (!out[i].ok()) continue;
    const Resource& r = resources[i];
    std::set<std::string> keys;
    std::string nulls;
    for (const auto& c : r.configs) {
      if (!keys.insert(c.name).second) {
        out[i] = {ErrorCode::kInvalidRequest, "Error due to duplicate config keys"};
      }
      if (is_null(c)) nulls += (nulls.empty() ? "" : ", ") + c.name;
    }
    if (!out[i].ok()) continue;
    if (!nulls.empty()) {
      out[i] = {ErrorCode::kInvalidRequest, "Null value not supported for : " + nulls};
      continue;
    }
    const int8_t type = r.resource_type;
    if (type == kResourceBroker && !r.resource_name.empty()) {
      int32_t id = 0;
      const std::string& name = r.resource_name;
      auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
      if (ec != std::errc() || end != name.data() + name.size()) {
        out[i] = {ErrorCode::kInvalidRequest, "Node id must be an integer, but it is: " + name};
      } else if (id != broker.broker_id()) {
        out[i] = {ErrorCode::kInvalidRequest, "Unexpected broker id, expected " +
                                                  std::to_string(broker.broker_id()) +
                                                  ", but received " + name};
      }
    } else if (type != kResourceBroker && type != kResourceTopic &&
               type != kResourceClientMetrics && !(incremental && type == kResourceBrokerLogger)) {
      out[i] = {ErrorCode::kInvalidRequest, "Unknown resource type " + std::to_string(type)};
    }
  }
  return out;
}

// Kafka rejects a whole request that names a resource type it does not know.
inline bool known_resource_type(int8_t type) {
  return type == kResourceTopic || type == kResourceBroker || type == kResourceBrokerLogger ||
         type == kResourceClientMetrics || type == kResourceGroup;
}

// Validates a topic's complete new override set and, unless validate_only, stores it; the
// replica manager re-applies the partitions' log configs on the metadata change.
inline ConfigResourceStatus replace_topic_configs(Broker& broker, const std::string& topic,
                                                  const std::map<std::string, std::string>& configs,
                                                  bool validate_only) {
  for (const auto& [key, value] : configs) {
    if (auto error = check_topic_config(key, value)) return {ErrorCode::kInvalidConfig, *error};
  }
  if (validate_only) return {};
  StoreStatus st = broker.metadata().set_topic_configs(topic, configs);
  return {st.code, st.message};
}

// Fjord's broker configs are static (server.properties), as if every key were read-only in
// Kafka's DynamicBrokerConfig: the answer is Kafka's for a read-only key. A validate-only
// request for keys Kafka could change dynamically passes, as it would on Kafka.
inline ConfigResourceStatus alter_broker_configs(const std::vector<std::string>& keys,
                                                 bool validate_only) {
  std::vector<std::string> refused;
  for (const std::string& key : keys) {
    const ConfigDef* def = find_broker_config_def(key);
    if (!validate_only || (def != nullptr && def->read_only)) refused.push_back(key);
  }
  if (refused.empty()) return {};
  std::string list;
  for (const std::string& key : refused) list += (list.empty() ? "" : ", ") + key;
  return {ErrorCode::kInvalidRequest, "Cannot update these configs dynamically: Set(" + list + ")"};
}

}  // namespace fjord::handlers
