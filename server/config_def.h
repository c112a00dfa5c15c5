// The broker configuration keys Fjord knows, with Kafka's names, types and defaults
// (Kafka 3.9's KafkaConfig / ServerLogConfigs). One table serves parsing, validation and,
// later, DescribeConfigs, so they cannot disagree.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace fjord {

enum class ConfigType { kBoolean, kInt, kShort, kLong, kDouble, kString, kList, kPassword, kClass };

struct ConfigDef {
  std::string_view name;
  ConfigType type;
  std::optional<std::string_view> default_value;  // nullopt: Kafka's default is null
  bool read_only = true;                           // false: dynamically updatable in Kafka
};

std::span<const ConfigDef> broker_config_defs();
const ConfigDef* find_broker_config_def(std::string_view name);

}  // namespace fjord
