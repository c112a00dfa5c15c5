#include "server/config_def.h"

#include <algorithm>

namespace fjord {
namespace {

using T = ConfigType;
constexpr std::string_view kLongMax = "9223372036854775807";
constexpr std::string_view kIntMax = "2147483647";

// Kafka 3.9 defaults. Keep sorted by name (binary search below).
constexpr ConfigDef kDefs[] = {
    {"advertised.listeners", T::kString, std::nullopt},
    {"auto.create.topics.enable", T::kBoolean, "true"},
    {"auto.leader.rebalance.enable", T::kBoolean, "true"},
    {"background.threads", T::kInt, "10", false},
    {"broker.id", T::kInt, "-1"},
    {"broker.id.generation.enable", T::kBoolean, "true"},
    {"broker.rack", T::kString, std::nullopt},
    {"compression.type", T::kString, "producer", false},
    {"connections.max.idle.ms", T::kLong, "600000"},
    {"controlled.shutdown.enable", T::kBoolean, "true"},
    {"controlled.shutdown.max.retries", T::kInt, "3"},
    {"controlled.shutdown.retry.backoff.ms", T::kLong, "5000"},
    {"default.replication.factor", T::kInt, "1"},
    {"delete.topic.enable", T::kBoolean, "true"},
    {"fetch.max.bytes", T::kInt, "57671680"},
    {"group.consumer.assignors", T::kList,
     "org.apache.kafka.coordinator.group.assignor.UniformAssignor,"
     "org.apache.kafka.coordinator.group.assignor.RangeAssignor"},
    {"group.consumer.heartbeat.interval.ms", T::kInt, "5000"},
    {"group.consumer.max.size", T::kInt, kIntMax},
    {"group.consumer.session.timeout.ms", T::kInt, "45000"},
    // Kafka 3.9's default: KIP-848 (a preview in 3.9) is off until "consumer" is listed;
    // Kafka 4.0 made "classic,consumer" the default.
    {"group.coordinator.rebalance.protocols", T::kList, "classic"},
    {"group.initial.rebalance.delay.ms", T::kInt, "3000"},
    {"group.max.session.timeout.ms", T::kInt, "1800000"},
    {"group.max.size", T::kInt, kIntMax},
    {"group.min.session.timeout.ms", T::kInt, "6000"},
    {"inter.broker.listener.name", T::kString, std::nullopt},
    {"leader.imbalance.check.interval.seconds", T::kLong, "300"},
    {"leader.imbalance.per.broker.percentage", T::kInt, "10"},
    {"listener.security.protocol.map", T::kString,
     "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT", false},
    {"listeners", T::kString, "PLAINTEXT://:9092", false},
    {"log.cleaner.backoff.ms", T::kLong, "15000", false},
    {"log.cleaner.dedupe.buffer.size", T::kLong, "134217728", false},
    {"log.cleaner.delete.retention.ms", T::kLong, "86400000", false},
    {"log.cleaner.enable", T::kBoolean, "true"},
    {"log.cleaner.io.buffer.load.factor", T::kDouble, "0.9", false},
    {"log.cleaner.min.cleanable.ratio", T::kDouble, "0.5", false},
    {"log.cleaner.min.compaction.lag.ms", T::kLong, "0", false},
    {"log.cleaner.threads", T::kInt, "1", false},
    {"log.cleanup.policy", T::kList, "delete", false},
    {"log.dir", T::kString, "/tmp/kafka-logs"},
    {"log.dirs", T::kString, std::nullopt},
    {"log.flush.interval.messages", T::kLong, kLongMax, false},
    {"log.flush.interval.ms", T::kLong, std::nullopt, false},
    {"log.flush.offset.checkpoint.interval.ms", T::kInt, "60000"},
    {"log.flush.scheduler.interval.ms", T::kLong, kLongMax},
    {"log.flush.start.offset.checkpoint.interval.ms", T::kInt, "60000"},
    {"log.index.interval.bytes", T::kInt, "4096", false},
    {"log.index.size.max.bytes", T::kInt, "10485760", false},
    {"log.message.timestamp.after.max.ms", T::kLong, kLongMax, false},
    {"log.message.timestamp.before.max.ms", T::kLong, kLongMax, false},
    {"log.message.timestamp.difference.max.ms", T::kLong, kLongMax, false},
    {"log.message.timestamp.type", T::kString, "CreateTime", false},
    {"log.preallocate", T::kBoolean, "false", false},
    {"log.retention.bytes", T::kLong, "-1", false},
    {"log.retention.check.interval.ms", T::kLong, "300000"},
    {"log.retention.hours", T::kInt, "168"},
    {"log.retention.minutes", T::kInt, std::nullopt},
    {"log.retention.ms", T::kLong, std::nullopt, false},
    {"log.roll.hours", T::kInt, "168"},
    {"log.roll.jitter.hours", T::kInt, "0"},
    {"log.roll.jitter.ms", T::kLong, std::nullopt, false},
    {"log.roll.ms", T::kLong, std::nullopt, false},
    {"log.segment.bytes", T::kInt, "1073741824", false},
    {"log.segment.delete.delay.ms", T::kLong, "60000", false},
    {"max.connections", T::kInt, kIntMax, false},
    {"max.incremental.fetch.session.cache.slots", T::kInt, "1000"},
    {"message.max.bytes", T::kInt, "1048588", false},
    {"min.insync.replicas", T::kInt, "1", false},
    {"num.io.threads", T::kInt, "8", false},
    {"num.network.threads", T::kInt, "3", false},
    {"num.partitions", T::kInt, "1"},
    {"num.recovery.threads.per.data.dir", T::kInt, "1", false},
    {"num.replica.fetchers", T::kInt, "1", false},
    {"offsets.commit.required.acks", T::kShort, "-1"},
    {"offsets.commit.timeout.ms", T::kInt, "5000"},
    {"offsets.load.buffer.size", T::kInt, "5242880"},
    {"offsets.retention.check.interval.ms", T::kLong, "600000"},
    {"offsets.retention.minutes", T::kInt, "10080"},
    {"offsets.topic.compression.codec", T::kInt, "0"},
    {"offsets.topic.num.partitions", T::kInt, "50"},
    {"offsets.topic.replication.factor", T::kShort, "3"},
    {"offsets.topic.segment.bytes", T::kInt, "104857600"},
    {"producer.id.expiration.ms", T::kInt, "86400000", false},
    {"queued.max.requests", T::kInt, "500"},
    {"replica.fetch.backoff.ms", T::kInt, "1000"},
    {"replica.fetch.max.bytes", T::kInt, "1048576"},
    {"replica.fetch.min.bytes", T::kInt, "1"},
    {"replica.fetch.response.max.bytes", T::kInt, "10485760"},
    {"replica.fetch.wait.max.ms", T::kInt, "500"},
    {"replica.high.watermark.checkpoint.interval.ms", T::kLong, "5000"},
    {"replica.lag.time.max.ms", T::kLong, "30000"},
    {"replica.socket.timeout.ms", T::kInt, "30000"},
    {"reserved.broker.max.id", T::kInt, "1000"},
    {"socket.receive.buffer.bytes", T::kInt, "102400"},
    {"socket.request.max.bytes", T::kInt, "104857600"},
    {"socket.send.buffer.bytes", T::kInt, "102400"},
    {"transaction.state.log.min.isr", T::kInt, "2"},
    {"transaction.state.log.num.partitions", T::kInt, "50"},
    {"transaction.state.log.replication.factor", T::kShort, "3"},
    {"transactional.id.expiration.ms", T::kInt, "604800000"},
    {"unclean.leader.election.enable", T::kBoolean, "false", false},
    {"zookeeper.connect", T::kString, std::nullopt},
    {"zookeeper.connection.timeout.ms", T::kInt, std::nullopt},
    {"zookeeper.session.timeout.ms", T::kInt, "18000"},
};

constexpr bool sorted_by_name() {
  for (size_t i = 1; i < std::size(kDefs); ++i) {
    if (!(kDefs[i - 1].name < kDefs[i].name)) return false;
  }
  return true;
}
static_assert(sorted_by_name(), "kDefs must stay sorted by name");

}  // namespace

std::span<const ConfigDef> broker_config_defs() { return kDefs; }

const ConfigDef* find_broker_config_def(std::string_view name) {
  auto it = std::lower_bound(std::begin(kDefs), std::end(kDefs), name,
                             [](const ConfigDef& d, std::string_view n) { return d.name < n; });
  return it != std::end(kDefs) && it->name == name ? it : nullptr;
}

}  // namespace fjord
