#include "server/replica_manager.h"

#include <spdlog/spdlog.h>

#include "server/topic_config.h"

namespace fjord {

ReplicaManager::ReplicaManager(int32_t broker_id, log::LogManager& logs, log::LogConfig defaults)
    : broker_id_(broker_id), logs_(logs), defaults_(defaults) {
  partitions_.store(std::make_shared<const Map>());
}

PartitionPtr ReplicaManager::get(const std::string& topic, int32_t partition) const {
  auto map = partitions_.load(std::memory_order_acquire);
  auto it = map->find(log::TopicPartition{topic, partition});
  return it == map->end() ? nullptr : it->second;
}

void ReplicaManager::apply(const MetadataSnapshot& snapshot) {
  std::lock_guard lock(apply_mu_);
  auto current = partitions_.load();
  struct Wanted {
    Uuid topic_id;
    log::LogConfig config;
  };
  std::map<log::TopicPartition, Wanted> wanted;
  for (const auto& [name, topic] : snapshot.topics) {
    log::LogConfig config = topic_log_config(defaults_, topic->configs);
    for (size_t p = 0; p < topic->partitions.size(); ++p) {
      const auto& replicas = topic->partitions[p].replicas;
      if (std::find(replicas.begin(), replicas.end(), broker_id_) == replicas.end()) continue;
      wanted[{name, static_cast<int32_t>(p)}] = {topic->topic_id, config};
    }
  }
  // Delete first, so a topic deleted and created again under the same name gets a fresh log.
  // Logs on disk that no topic owns any more (deleted while the broker was down) go too.
  for (const auto& log : logs_.all_logs()) {
    const log::TopicPartition& tp = log->topic_partition();
    auto w = wanted.find(tp);
    auto c = current->find(tp);
    bool replaced = w != wanted.end() && c != current->end() && c->second->topic_id() != w->second.topic_id;
    if (w == wanted.end() || replaced) {
      spdlog::info("deleting the log of {}-{}: its topic is gone", tp.topic, tp.partition);
      if (!logs_.delete_log(tp).ok()) {
        spdlog::error("cannot delete the log of {}-{}", tp.topic, tp.partition);
      }
    }
  }
  auto next = std::make_shared<Map>();
  for (const auto& [tp, w] : wanted) {
    auto existing = current->find(tp);
    if (existing != current->end() && existing->second->topic_id() == w.topic_id) {
      existing->second->log().update_config(w.config);
      next->emplace(tp, existing->second);
      continue;
    }
    auto log = logs_.get_or_create(tp, w.config, w.topic_id);
    if (!log.ok()) {
      spdlog::error("cannot open the log of {}-{}: {}; the partition stays offline", tp.topic,
                    tp.partition, error_name(log.error()));
      continue;
    }
    (*log)->update_config(w.config);
    next->emplace(tp, std::make_shared<Partition>(tp, w.topic_id, *log));
  }
  partitions_.store(std::move(next), std::memory_order_release);
}

}  // namespace fjord
