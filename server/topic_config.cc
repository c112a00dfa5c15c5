#include "server/topic_config.h"

#include <spdlog/spdlog.h>

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
    if (!c.set(key, value).ok()) {
      spdlog::warn("ignoring topic config {}={}: not a valid value", key, value);
    }
  }
  return c;
}

}  // namespace fjord

namespace fjord {
namespace {

bool is_long(std::string_view v) {
  if (v.empty()) return false;
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return false;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> validate_topic_config(std::string_view key, std::string_view value) {
  std::string invalid = "Invalid value " + std::string(value) + " for configuration " +
                        std::string(key);
  log::LogConfig probe;
  if (probe.set(key, value).ok()) return std::nullopt;
  // Topic configs the storage engine does not model: checked by type here.
  if (key == "compression.type") {
    for (std::string_view ok : {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}) {
      if (value == ok) return std::nullopt;
    }
    return invalid + ": String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer";
  }
  if (key == "min.insync.replicas") {
    return is_long(value) && value[0] != '-' && value != "0"
               ? std::nullopt
               : std::optional(invalid + ": Value must be at least 1");
  }
  if (key == "unclean.leader.election.enable" || key == "message.downconversion.enable" ||
      key == "remote.storage.enable") {
    return value == "true" || value == "false" ? std::nullopt
                                               : std::optional(invalid + ": Expected value to be either true or false");
  }
  if (key == "message.timestamp.after.max.ms" || key == "message.timestamp.before.max.ms" ||
      key == "message.timestamp.difference.max.ms" || key == "local.retention.ms" ||
      key == "local.retention.bytes") {
    return is_long(value) ? std::nullopt : std::optional(invalid + ": Not a number of type LONG");
  }
  if (key == "leader.replication.throttled.replicas" ||
      key == "follower.replication.throttled.replicas" || key == "message.format.version") {
    return std::nullopt;
  }
  for (const auto& s : kSynonyms) {
    if (s.topic_key == key) return invalid;
  }
  return "Unknown topic config name: " + std::string(key);
}

}  // namespace fjord
