// Topic-level configs and the broker keys that supply their defaults (Kafka's
// ServerTopicConfigSynonyms): segment.bytes <- log.segment.bytes, retention.ms <-
// log.retention.ms/minutes/hours, ... One table builds each partition's LogConfig and, for
// DescribeConfigs, names a topic config's synonyms.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "log/log_config.h"
#include "server/broker_config.h"

namespace fjord {

struct TopicConfigSynonym {
  std::string_view topic_key;
  std::string_view broker_key;  // the broker default's key (the most specific one)
};

std::span<const TopicConfigSynonym> topic_config_synonyms();

// The broker's log.* settings as topic-level defaults.
log::LogConfig broker_log_defaults(const BrokerConfig& config);

// defaults overlaid with a topic's overrides (keys already validated at create/alter time;
// an invalid one is logged and skipped).
log::LogConfig topic_log_config(const log::LogConfig& defaults,
                                const std::map<std::string, std::string>& overrides);

// The broker default of a topic key as text (what DescribeConfigs reports as DEFAULT_CONFIG
// or STATIC_BROKER_CONFIG), or nullopt for keys the broker does not define.
std::optional<std::string> broker_default_for(const BrokerConfig& config, std::string_view key);

}  // namespace fjord
