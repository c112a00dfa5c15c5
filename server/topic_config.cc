#include "server/topic_config.h"

#include <spdlog/spdlog.h>

#include "server/config_entries.h"

namespace fjord {
namespace {

constexpr TopicConfigSynonym kSynonyms[] = {
    {"cleanup.policy", "log.cleanup.policy"},
    {"compression.type", "compression.type"},
    {"delete.retention.ms", "log.cleaner.delete.retention.ms"},
    {"file.delete.delay.ms", "log.segment.delete.delay.ms"},
    {"flush.messages", "log.flush.interval.messages"},
    {"flush.ms", "log.flush.interval.ms"},
    {"index.interval.bytes", "log.index.interval.bytes"},
    {"max.message.bytes", "message.max.bytes"},
    {"message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms"},
    {"message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms"},
    {"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms"},
    {"message.timestamp.type", "log.message.timestamp.type"},
    {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio"},
    {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"},
    {"min.insync.replicas", "min.insync.replicas"},
    {"preallocate", "log.preallocate"},
    {"retention.bytes", "log.retention.bytes"},
    {"retention.ms", "log.retention.ms"},
    {"segment.bytes", "log.segment.bytes"},
    {"segment.index.bytes", "log.index.size.max.bytes"},
    {"segment.jitter.ms", "log.roll.jitter.ms"},
    {"segment.ms", "log.roll.ms"},
    {"unclean.leader.election.enable", "unclean.leader.election.enable"},
};

}  // namespace

std::span<const TopicConfigSynonym> topic_config_synonyms() { return kSynonyms; }

std::optional<std::string> broker_default_for(const BrokerConfig& config, std::string_view key) {
  // Keys whose broker default is spread over several keys (hours/minutes/ms).
  if (key == "retention.ms") return std::to_string(config.log_retention_ms());
  if (key == "segment.ms") return std::to_string(config.log_roll_ms());
  if (key == "segment.jitter.ms") return std::to_string(config.log_roll_jitter_ms());
  if (key == "flush.ms") {
    auto v = config.get("log.flush.interval.ms");
    return v ? v : config.get("log.flush.scheduler.interval.ms");
  }
  for (const auto& s : kSynonyms) {
    if (s.topic_key == key) return config.get(std::string(s.broker_key));
  }
  return std::nullopt;
}

log::LogConfig broker_log_defaults(const BrokerConfig& config) {
  log::LogConfig c;
  for (const auto& s : kSynonyms) {
    auto value = broker_default_for(config, s.topic_key);
    if (!value) continue;
    // Keys LogConfig does not model (min.insync.replicas, ...) are the replica layer's.
    (void)c.set(s.topic_key, *value);
  }
  return c;
}

log::LogConfig topic_log_config(const log::LogConfig& defaults,
                                const std::map<std::string, std::string>& overrides) {
  log::LogConfig c = defaults;
  for (const auto& [key, value] : overrides) {
    // Keys the storage engine does not model (compression.type, min.insync.replicas, ...)
    // belong to other layers; only a value that fails Kafka's own check is worth a warning.
    if (!c.set(key, value).ok()) {
      if (auto error = check_topic_config(key, value)) {
        spdlog::warn("ignoring topic config {}={}: {}", key, value, *error);
      }
    }
  }
  return c;
}

}  // namespace fjord

