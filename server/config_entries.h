// The config entries DescribeConfigs reports, built as Kafka 3.9's ConfigHelper builds them:
// every topic-level config Kafka lists for a topic (in Kafka's order), each with its value,
// source and synonyms (the topic override, then the broker's static value, then the default),
// and the broker's own keys (config_def.cc). Alter validation of topic keys lives here too, so
// the set of keys Fjord describes and the set it accepts are the same table.
// Pure functions over immutable inputs; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/broker_config.h"
#include "server/config_def.h"

namespace fjord {

// DescribeConfigsResponse ConfigSource values.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopicConfig = 1,
  kDynamicBrokerLoggerConfig = 2,
  kDynamicBrokerConfig = 3,
  kStaticBrokerConfig = 4,
  kDefaultConfig = 5,
  kDynamicDefaultBrokerConfig = 6,
  kClientMetricsConfig = 7,
  kGroupConfig = 8,
};

// Kafka's ConfigResource.Type codes.
inline constexpr int8_t kResourceTopic = 2;
inline constexpr int8_t kResourceBroker = 4;
inline constexpr int8_t kResourceBrokerLogger = 8;
inline constexpr int8_t kResourceClientMetrics = 16;
inline constexpr int8_t kResourceGroup = 32;

struct ConfigSynonymEntry {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source;
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // null for sensitive or unset keys
  ConfigSource source = ConfigSource::kDefaultConfig;
  bool read_only = false;
  bool is_sensitive = false;
  ConfigType type = ConfigType::kString;
  std::vector<ConfigSynonymEntry> synonyms;  // always computed; the handler drops them if unasked
};

// DescribeConfigsResponse ConfigType code (BOOLEAN 1 ... PASSWORD 9).
int8_t config_type_code(ConfigType type);

// Every topic config of a topic with these overrides.
std::vector<ConfigEntry> describe_topic_configs(
    const BrokerConfig& config, const std::map<std::string, std::string>& overrides);
// Every broker config of this broker.
std::vector<ConfigEntry> describe_broker_configs(const BrokerConfig& config);

// Checks one topic config for CreateTopics / AlterConfigs: nullopt when valid, else Kafka's
// INVALID_CONFIG message. Covers every key describe_topic_configs reports.
std::optional<std::string> check_topic_config(std::string_view key, std::string_view value);
// Whether Kafka treats the topic config as a list (IncrementalAlterConfigs APPEND/SUBTRACT).
bool is_list_topic_config(std::string_view key);

}  // namespace fjord
