#include "server/config_entries.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstdint>
#include <cstdlib>

#include "server/topic_config.h"

namespace fjord {
namespace {

using T = ConfigType;
constexpr std::string_view kLongMax = "9223372036854775807";

struct TopicConfigDef {
  std::string_view name;
  ConfigType type;
  // The broker keys Kafka names as synonyms (ServerTopicConfigSynonyms, then
  // DynamicBrokerConfig.brokerConfigSynonyms): the first is the primary one. Empty: none.
  std::array<std::string_view, 3> broker_keys;
  // Kafka's default of the primary broker key when Fjord's config_def.cc does not define it,
  // or the topic default for keys without a broker synonym.
  std::optional<std::string_view> fallback_default;
};

// Kafka 3.9 lists a topic's configs in this order (the iteration order of LogConfig's
// properties), so DescribeConfigs answers match it entry for entry.
constexpr TopicConfigDef kTopicConfigs[] = {
    {"compression.type", T::kString, {"compression.type"}, std::nullopt},
    {"remote.log.delete.on.disable", T::kBoolean, {}, "false"},
    {"leader.replication.throttled.replicas", T::kList, {}, ""},
    {"remote.storage.enable", T::kBoolean, {}, "false"},
    {"message.downconversion.enable", T::kBoolean, {"log.message.downconversion.enable"}, "true"},
    {"min.insync.replicas", T::kInt, {"min.insync.replicas"}, std::nullopt},
    {"segment.jitter.ms", T::kLong, {"log.roll.jitter.ms", "log.roll.jitter.hours"}, std::nullopt},
    {"remote.log.copy.disable", T::kBoolean, {}, "false"},
    {"local.retention.ms", T::kLong, {"log.local.retention.ms"}, "-2"},
    {"cleanup.policy", T::kList, {"log.cleanup.policy"}, std::nullopt},
    {"flush.ms",
     T::kLong,
     {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"},
     std::nullopt},
    {"follower.replication.throttled.replicas", T::kList, {}, ""},
    {"compression.lz4.level", T::kInt, {"compression.lz4.level"}, "9"},
    {"segment.bytes", T::kInt, {"log.segment.bytes"}, std::nullopt},
    {"retention.ms",
     T::kLong,
     {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
     std::nullopt},
    {"compression.gzip.level", T::kInt, {"compression.gzip.level"}, "-1"},
    {"flush.messages", T::kLong, {"log.flush.interval.messages"}, std::nullopt},
    {"compression.zstd.level", T::kInt, {"compression.zstd.level"}, "3"},
    {"message.format.version", T::kString, {"log.message.format.version"}, "3.0-IV1"},
    {"max.compaction.lag.ms", T::kLong, {"log.cleaner.max.compaction.lag.ms"}, kLongMax},
    {"file.delete.delay.ms", T::kLong, {"log.segment.delete.delay.ms"}, std::nullopt},
    {"max.message.bytes", T::kInt, {"message.max.bytes"}, std::nullopt},
    {"min.compaction.lag.ms", T::kLong, {"log.cleaner.min.compaction.lag.ms"}, std::nullopt},
    {"message.timestamp.type", T::kString, {"log.message.timestamp.type"}, std::nullopt},
    {"local.retention.bytes", T::kLong, {"log.local.retention.bytes"}, "-2"},
    {"preallocate", T::kBoolean, {"log.preallocate"}, std::nullopt},
    {"min.cleanable.dirty.ratio", T::kDouble, {"log.cleaner.min.cleanable.ratio"}, std::nullopt},
    {"index.interval.bytes", T::kInt, {"log.index.interval.bytes"}, std::nullopt},
    {"unclean.leader.election.enable",
     T::kBoolean,
     {"unclean.leader.election.enable"},
     std::nullopt},
    {"retention.bytes", T::kLong, {"log.retention.bytes"}, std::nullopt},
    {"delete.retention.ms", T::kLong, {"log.cleaner.delete.retention.ms"}, std::nullopt},
    {"message.timestamp.after.max.ms",
     T::kLong,
     {"log.message.timestamp.after.max.ms"},
     std::nullopt},
    {"message.timestamp.before.max.ms",
     T::kLong,
     {"log.message.timestamp.before.max.ms"},
     std::nullopt},
    {"segment.ms", T::kLong, {"log.roll.ms", "log.roll.hours"}, std::nullopt},
    {"message.timestamp.difference.max.ms",
     T::kLong,
     {"log.message.timestamp.difference.max.ms"},
     kLongMax},
    {"segment.index.bytes", T::kInt, {"log.index.size.max.bytes"}, std::nullopt},
};

// LogConfig's Range validators for the numeric topic configs (at least / no more than).
struct TopicConfigRange {
  std::string_view name;
  int64_t min;
  int64_t max;
};
constexpr int64_t kMax = INT64_MAX;
constexpr TopicConfigRange kTopicConfigRanges[] = {
    {"segment.bytes", 14, kMax},  // LegacyRecord.RECORD_OVERHEAD_V0
    {"segment.ms", 1, kMax},
    {"segment.jitter.ms", 0, kMax},
    {"segment.index.bytes", 4, kMax},
    {"flush.messages", 1, kMax},
    {"flush.ms", 0, kMax},
    {"retention.ms", -1, kMax},
    {"max.message.bytes", 0, kMax},
    {"index.interval.bytes", 0, kMax},
    {"delete.retention.ms", 0, kMax},
    {"min.compaction.lag.ms", 0, kMax},
    {"max.compaction.lag.ms", 1, kMax},
    {"file.delete.delay.ms", 0, kMax},
    {"min.insync.replicas", 1, kMax},
    {"message.timestamp.difference.max.ms", 0, kMax},
    {"message.timestamp.before.max.ms", 0, kMax},
    {"message.timestamp.after.max.ms", 0, kMax},
    {"local.retention.ms", -2, kMax},
    {"local.retention.bytes", -2, kMax},
    {"compression.lz4.level", 1, 17},
    {"compression.zstd.level", -131072, 22},
};

const TopicConfigDef* find_topic_config(std::string_view name) {
  for (const auto& d : kTopicConfigs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

// DynamicBrokerConfig.brokerConfigSynonyms: keys that stand for one setting, most specific
// first.
std::vector<std::string_view> broker_synonym_keys(std::string_view name) {
  static constexpr std::string_view kGroups[][3] = {
      {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
      {"log.roll.jitter.ms", "log.roll.jitter.hours", ""},
      {"log.roll.ms", "log.roll.hours", ""},
  };
  for (const auto& group : kGroups) {
    if (std::find(std::begin(group), std::end(group), name) != std::end(group)) {
      std::vector<std::string_view> keys;
      for (std::string_view k : group) {
        if (!k.empty()) keys.push_back(k);
      }
      return keys;
    }
  }
  // log.flush.scheduler.interval.ms is log.flush.interval.ms's default, not the reverse.
  if (name == "log.flush.interval.ms") return {name, "log.flush.scheduler.interval.ms"};
  return {name};
}

// Kafka's default of a broker key: config_def.cc, else the topic table's fallback.
std::optional<std::string> broker_key_default(std::string_view key) {
  if (const ConfigDef* def = find_broker_config_def(key)) {
    return def->default_value ? std::optional<std::string>(*def->default_value) : std::nullopt;
  }
  for (const auto& d : kTopicConfigs) {
    if (!d.broker_keys[0].empty() && d.broker_keys[0] == key && d.fallback_default) {
      return std::string(*d.fallback_default);
    }
  }
  return std::nullopt;
}

// ConfigHelper.configSynonyms: static values, then defaults, of every synonym key; then the
// entries before the first one named `primary` are dropped (so a default of
// log.retention.hours is not shown as a synonym of log.retention.ms).
std::vector<ConfigSynonymEntry> broker_synonyms(const BrokerConfig& config,
                                                const std::vector<std::string_view>& keys,
                                                std::string_view primary, bool sensitive) {
  std::vector<ConfigSynonymEntry> out;
  const Properties& supplied = config.supplied_properties();
  for (std::string_view k : keys) {
    auto it = supplied.find(std::string(k));
    if (it != supplied.end()) {
      out.push_back({std::string(k), sensitive ? std::nullopt : std::optional(it->second),
                     ConfigSource::kStaticBrokerConfig});
    }
  }
  for (std::string_view k : keys) {
    if (auto d = broker_key_default(k)) {
      out.push_back({std::string(k), sensitive ? std::nullopt : d, ConfigSource::kDefaultConfig});
    }
  }
  auto first = std::find_if(out.begin(), out.end(),
                            [&](const ConfigSynonymEntry& s) { return s.name == primary; });
  out.erase(out.begin(), first);
  return out;
}

bool is_long(std::string_view v) {
  if (v.empty()) return false;
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return false;
  return std::all_of(v.begin() + static_cast<long>(i), v.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

int8_t config_type_code(ConfigType type) {
  switch (type) {
    case T::kBoolean:
      return 1;
    case T::kString:
      return 2;
    case T::kInt:
      return 3;
    case T::kShort:
      return 4;
    case T::kLong:
      return 5;
    case T::kDouble:
      return 6;
    case T::kList:
      return 7;
    case T::kClass:
      return 8;
    case T::kPassword:
      return 9;
  }
  return 0;
}

std::vector<ConfigEntry> describe_topic_configs(
    const BrokerConfig& config, const std::map<std::string, std::string>& overrides) {
  std::vector<ConfigEntry> out;
  for (const auto& d : kTopicConfigs) {
    ConfigEntry e;
    e.name = std::string(d.name);
    e.type = d.type;
    std::vector<std::string_view> keys;
    for (std::string_view k : d.broker_keys) {
      if (!k.empty()) keys.push_back(k);
    }
    if (!keys.empty()) e.synonyms = broker_synonyms(config, keys, keys.front(), false);
    auto o = overrides.find(e.name);
    if (o != overrides.end()) {
      e.value = o->second;
      e.synonyms.insert(e.synonyms.begin(), {e.name, o->second, ConfigSource::kDynamicTopicConfig});
    } else if (auto v = broker_default_for(config, d.name)) {
      e.value = v;
    } else if (!keys.empty() && config.supplied(std::string(keys.front()))) {
      e.value = config.get(std::string(keys.front()));
    } else if (d.fallback_default) {
      e.value = std::string(*d.fallback_default);
    }
    e.source = e.synonyms.empty() ? ConfigSource::kDefaultConfig : e.synonyms.front().source;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<ConfigEntry> describe_broker_configs(const BrokerConfig& config) {
  std::vector<ConfigEntry> out;
  for (const ConfigDef& def : broker_config_defs()) {
    ConfigEntry e;
    e.name = std::string(def.name);
    e.type = def.type;
    e.read_only = def.read_only;
    e.is_sensitive = def.type == ConfigType::kPassword;
    if (!e.is_sensitive) e.value = config.get(e.name);
    e.synonyms = broker_synonyms(config, broker_synonym_keys(def.name), def.name, e.is_sensitive);
    e.source = e.synonyms.empty() ? ConfigSource::kDefaultConfig : e.synonyms.front().source;
    out.push_back(std::move(e));
  }
  return out;
}

bool is_list_topic_config(std::string_view key) {
  const TopicConfigDef* d = find_topic_config(key);
  return d != nullptr && d->type == ConfigType::kList;
}

std::optional<std::string> check_topic_config(std::string_view key, std::string_view raw) {
  const TopicConfigDef* d = find_topic_config(key);
  if (d == nullptr) return "Unknown topic config name: " + std::string(key);
  // ConfigDef.parseType trims the value first.
  std::string_view value = raw;
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  std::string invalid =
      "Invalid value " + std::string(value) + " for configuration " + std::string(key) + ": ";
  switch (d->type) {
    case T::kBoolean:
      if (value == "true" || value == "false") return std::nullopt;
      return invalid + "Expected value to be either true or false";
    case T::kInt:
    case T::kLong: {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      bool fits = d->type == T::kLong || (n >= INT32_MIN && n <= INT32_MAX);
      if (!is_long(value) || ec != std::errc() || end != value.data() + value.size() || !fits) {
        return invalid +
               (d->type == T::kInt ? "Not a number of type INT" : "Not a number of type LONG");
      }
      if (key == "compression.gzip.level" && n != -1 && (n < 1 || n > 9)) {
        return invalid + "Value must be between 1 and 9 or equal to -1";
      }
      for (const auto& r : kTopicConfigRanges) {
        if (r.name != key) continue;
        if (n < r.min) return invalid + "Value must be at least " + std::to_string(r.min);
        if (n > r.max) return invalid + "Value must be no more than " + std::to_string(r.max);
      }
      return std::nullopt;
    }
    case T::kDouble: {
      std::string text(value);
      char* end = nullptr;
      double x = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) {
        return invalid + "Not a number of type DOUBLE";
      }
      // min.cleanable.dirty.ratio: between(0, 1).
      if (x < 0) return invalid + "Value must be at least 0";
      if (x > 1) return invalid + "Value must be no more than 1";
      return std::nullopt;
    }
    case T::kList:
      if (key == "cleanup.policy") {
        std::string_view rest = value;
        while (!rest.empty()) {
          size_t comma = rest.find(',');
          std::string_view item = rest.substr(0, comma);
          while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
          while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
          if (item != "compact" && item != "delete") {
            return invalid + "String must be one of: compact, delete";
          }
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
      }
      return std::nullopt;
    case T::kString:
      if (key == "message.timestamp.type" && value != "CreateTime" && value != "LogAppendTime") {
        return invalid + "String must be one of: CreateTime, LogAppendTime";
      }
      [[fallthrough]];
    default:
      if (key == "compression.type") {
        for (std::string_view ok : {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}) {
          if (value == ok) return std::nullopt;
        }
        return invalid + "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer";
      }
      return std::nullopt;
  }
}

}  // namespace fjord
