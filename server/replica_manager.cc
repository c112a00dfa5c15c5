#include "server/replica_manager.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/post.hpp>
#include <chrono>

#include "server/replica_fetcher.h"
#include "server/topic_config.h"

namespace fjord {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ReplicaManager::ReplicaManager(int32_t broker_id, log::LogManager& logs, log::LogConfig defaults)
    : broker_id_(broker_id), logs_(logs), defaults_(defaults) {
  partitions_.store(std::make_shared<const Map>());
}

ReplicaManager::~ReplicaManager() { shutdown(); }

void ReplicaManager::configure(const ReplicationConfig& config, IsrChangeSender* isr_sender) {
  config_ = config;
  isr_sender_ = isr_sender;
  if (!config_.zk_mode) return;
  fetchers_ = std::make_unique<ReplicaFetcherManager>(broker_id_, config_);
  isr_timer_ = std::make_unique<asio::steady_timer>(io_);
  schedule_isr_check();
  thread_ = std::thread([this] { io_.run(); });
}

void ReplicaManager::shutdown() {
  if (fetchers_) fetchers_->shutdown();
  if (thread_.joinable()) {
    asio::post(io_, [this] { isr_timer_->cancel(); });
    thread_.join();
  }
}

void ReplicaManager::schedule_isr_check() {
  // Kafka's isr-expiration task: every replica.lag.time.max.ms / 2.
  isr_timer_->expires_after(
      std::chrono::milliseconds(std::max<int64_t>(10, config_.replica_lag_time_max_ms / 2)));
  isr_timer_->async_wait([this](std::error_code ec) {
    if (ec) return;
    auto map = partitions_.load(std::memory_order_acquire);
    const int64_t now = now_ms();
    for (const auto& [_, p] : *map) {
      if (p->is_leader()) p->maybe_shrink_isr(now, config_.replica_lag_time_max_ms);
    }
    schedule_isr_check();
  });
}

void ReplicaManager::on_leadership_change(LeadershipListener listener) {
  std::lock_guard lock(apply_mu_);
  leadership_listeners_.push_back(std::move(listener));
}

PartitionPtr ReplicaManager::get(const std::string& topic, int32_t partition) const {
  auto map = partitions_.load(std::memory_order_acquire);
  auto it = map->find(log::TopicPartition{topic, partition});
  return it == map->end() ? nullptr : it->second;
}

int32_t ReplicaManager::min_isr_for(const std::string& topic) const {
  if (last_snapshot_) {
    if (const TopicMetadata* t = last_snapshot_->find(topic)) {
      auto it = t->configs.find("min.insync.replicas");
      if (it != t->configs.end()) {
        try {
          return std::stoi(it->second);
        } catch (const std::exception&) {
        }
      }
    }
  }
  return config_.min_insync_replicas;
}

void ReplicaManager::apply(const MetadataSnapshot& snapshot) {
  std::lock_guard lock(apply_mu_);
  last_snapshot_ = std::make_shared<const MetadataSnapshot>(snapshot);
  auto current = partitions_.load();
  if (config_.zk_mode) {
    // The controller decides which partitions live here (LeaderAndIsr / StopReplica); the
    // store only carries topic configs.
    for (const auto& [tp, p] : *current) {
      if (const TopicMetadata* t = snapshot.find(tp.topic)) {
        p->log().update_config(topic_log_config(defaults_, t->configs));
      }
      p->set_min_insync_replicas(min_isr_for(tp.topic));
    }
    return;
  }
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
    bool replaced =
        w != wanted.end() && c != current->end() && c->second->topic_id() != w->second.topic_id;
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
      existing->second->set_min_insync_replicas(min_isr_for(tp.topic));
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
    auto partition = std::make_shared<Partition>(tp, w.topic_id, *log, broker_id_, nullptr);
    partition->set_min_insync_replicas(min_isr_for(tp.topic));
    partition->make_sole_leader();
    next->emplace(tp, std::move(partition));
  }
  partitions_.store(std::move(next), std::memory_order_release);
}

bool ReplicaManager::accept_controller_epoch(int32_t epoch) {
  int32_t known = controller_epoch_.load();
  while (epoch >= known) {
    if (controller_epoch_.compare_exchange_weak(known, epoch)) return true;
  }
  return false;
}

PartitionPtr ReplicaManager::get_or_create_locked(const log::TopicPartition& tp,
                                                  const Uuid& topic_id, Map& next,
                                                  ErrorCode* error) {
  if (auto it = next.find(tp); it != next.end()) {
    if (!topic_id.is_zero() && !it->second->topic_id().is_zero() &&
        it->second->topic_id() != topic_id) {
      *error = ErrorCode::kInconsistentTopicId;
      return nullptr;
    }
    return it->second;
  }
  log::LogConfig config = defaults_;
  if (last_snapshot_) {
    if (const TopicMetadata* t = last_snapshot_->find(tp.topic)) {
      config = topic_log_config(defaults_, t->configs);
    }
  }
  auto log = logs_.get_or_create(tp, config, topic_id);
  if (!log.ok()) {
    spdlog::error("cannot open the log of {}-{}: {}", tp.topic, tp.partition,
                  error_name(log.error()));
    *error = ErrorCode::kKafkaStorageError;
    return nullptr;
  }
  auto p = std::make_shared<Partition>(tp, topic_id, *log, broker_id_, isr_sender_);
  p->set_min_insync_replicas(min_isr_for(tp.topic));
  next.emplace(tp, p);
  return p;
}

bool ReplicaManager::stale_broker_epoch(const char* request, int64_t epoch_in_request,
                                        int32_t controller_id) const {
  const int64_t current = broker_epoch_.load();
  if (epoch_in_request == -1 || epoch_in_request >= current) return false;
  spdlog::info(
      "Received {} request with broker epoch {} smaller than the current broker epoch {} from "
      "controller {}: it was meant for this broker before it registered again",
      request, epoch_in_request, current, controller_id);
  return true;
}

msg::LeaderAndIsrResponse ReplicaManager::become_leader_or_follower(
    const msg::LeaderAndIsrRequest& req, int16_t version) {
  using Resp = msg::LeaderAndIsrResponse;
  Resp resp;
  struct Item {
    std::string topic;
    Uuid topic_id;
    const msg::LeaderAndIsrRequest::LeaderAndIsrPartitionState* ps;
    ErrorCode error = ErrorCode::kNone;
  };
  std::vector<Item> items;
  for (const auto& ps : req.ungrouped_partition_states) items.push_back({ps.topic_name, {}, &ps});
  for (const auto& ts : req.topic_states) {
    for (const auto& ps : ts.partition_states) items.push_back({ts.topic_name, ts.topic_id, &ps});
  }
  // v0-v4: one flat list; v5+: grouped by topic id.
  auto respond = [&] {
    if (version < 5) {
      for (const Item& item : items) {
        resp.partition_errors.push_back({.topic_name = item.topic,
                                         .partition_index = item.ps->partition_index,
                                         .error_code = static_cast<int16_t>(item.error)});
      }
    } else {
      for (const auto& ts : req.topic_states) {
        Resp::LeaderAndIsrTopicError te;
        te.topic_id = ts.topic_id;
        for (const Item& item : items) {
          if (item.topic != ts.topic_name) continue;
          te.partition_errors.push_back({.partition_index = item.ps->partition_index,
                                         .error_code = static_cast<int16_t>(item.error)});
        }
        resp.topics.push_back(std::move(te));
      }
    }
    return resp;
  };
  // Kafka's LeaderAndIsrRequest.getErrorResponse: the error on the request and every partition.
  auto refuse = [&](ErrorCode code) {
    for (Item& item : items) item.error = code;
    resp.error_code = static_cast<int16_t>(code);
    return respond();
  };
  if (stale_broker_epoch("LeaderAndIsr", req.broker_epoch, req.controller_id)) {
    return refuse(ErrorCode::kStaleBrokerEpoch);
  }
  std::vector<std::tuple<log::TopicPartition, bool, int32_t>> changes;
  {
    std::lock_guard lock(apply_mu_);
    if (!accept_controller_epoch(req.controller_epoch)) {
      spdlog::warn(
          "Ignoring LeaderAndIsr request from controller {} with epoch {}: the latest "
          "known controller epoch is {}",
          req.controller_id, req.controller_epoch, controller_epoch_.load());
      return refuse(ErrorCode::kStaleControllerEpoch);
    }
    std::map<int32_t, LeaderEndpoint> leaders;
    for (const auto& l : req.live_leaders) {
      leaders[l.broker_id] = {l.broker_id, l.host_name, l.port};
    }
    auto next = std::make_shared<Map>(*partitions_.load());
    const int64_t now = now_ms();
    for (Item& item : items) {
      const auto& ps = *item.ps;
      log::TopicPartition tp{item.topic, ps.partition_index};
      if (std::find(ps.replicas.begin(), ps.replicas.end(), broker_id_) == ps.replicas.end()) {
        spdlog::warn("Ignoring LeaderAndIsr for {}-{}: broker {} is not in its replicas", tp.topic,
                     tp.partition, broker_id_);
        item.error = ErrorCode::kUnknownTopicOrPartition;
        continue;
      }
      PartitionPtr p = get_or_create_locked(tp, item.topic_id, *next, &item.error);
      if (!p) continue;
      LeaderAndIsrState s{ps.controller_epoch, ps.leader, ps.leader_epoch,
                          ps.partition_epoch,  ps.isr,    ps.replicas};
      if (ErrorCode e = p->check_leader_and_isr(s); e != ErrorCode::kNone) {
        spdlog::info("Ignoring LeaderAndIsr for {}-{}: leader epoch {} is not newer than {}",
                     tp.topic, tp.partition, ps.leader_epoch, p->leader_epoch());
        item.error = e;
        continue;
      }
      if (ps.leader == broker_id_) {
        if (fetchers_) fetchers_->remove(tp);
        p->make_leader(s, now);
        spdlog::info("[Broker id={}] {}-{}: leader at epoch {}, ISR {}", broker_id_, tp.topic,
                     tp.partition, ps.leader_epoch, fmt::join(ps.isr, ","));
        changes.emplace_back(tp, true, ps.leader_epoch);
      } else {
        const bool changed = p->make_follower(s);
        spdlog::info("[Broker id={}] {}-{}: follower of {} at epoch {}", broker_id_, tp.topic,
                     tp.partition, ps.leader, ps.leader_epoch);
        if (changed && fetchers_) {
          auto it = leaders.find(ps.leader);
          std::optional<CachedEndpoint> e;
          if (it == leaders.end()) {
            e = cache_.view()->endpoint(ps.leader, config_.inter_broker_listener);
          }
          if (it != leaders.end()) {
            fetchers_->add(p, it->second, ps.leader_epoch);
          } else if (e) {
            fetchers_->add(p, {ps.leader, e->host, e->port}, ps.leader_epoch);
          } else {
            spdlog::warn("{}-{}: no endpoint for leader {}; not fetching until it is known",
                         tp.topic, tp.partition, ps.leader);
          }
        }
        changes.emplace_back(tp, false, ps.leader_epoch);
      }
    }
    partitions_.store(std::move(next), std::memory_order_release);
  }
  for (const auto& [tp, leader, epoch] : changes) {
    for (const auto& l : leadership_listeners_) l(tp, leader, epoch);
  }
  return respond();
}

msg::StopReplicaResponse ReplicaManager::stop_replicas(const msg::StopReplicaRequest& req,
                                                       int16_t version) {
  // Kafka's LeaderAndIsr.EpochDuringDelete / NoEpoch sentinels bypass the epoch check.
  constexpr int32_t kEpochDuringDelete = -2;
  constexpr int32_t kNoEpoch = -1;
  msg::StopReplicaResponse resp;
  struct Item {
    log::TopicPartition tp;
    int32_t leader_epoch;
    bool del;
  };
  std::vector<Item> items;
  if (version == 0) {
    for (const auto& p : req.ungrouped_partitions) {
      items.push_back({{p.topic_name, p.partition_index}, kNoEpoch, req.delete_partitions});
    }
  } else if (version <= 2) {
    for (const auto& t : req.topics) {
      for (int32_t p : t.partition_indexes) {
        items.push_back({{t.name, p}, kNoEpoch, req.delete_partitions});
      }
    }
  } else {
    for (const auto& t : req.topic_states) {
      for (const auto& p : t.partition_states) {
        items.push_back({{t.topic_name, p.partition_index}, p.leader_epoch, p.delete_partition});
      }
    }
  }
  if (stale_broker_epoch("StopReplica", req.broker_epoch, req.controller_id)) {
    // KafkaApis answers with the error alone, no partitions.
    resp.error_code = static_cast<int16_t>(ErrorCode::kStaleBrokerEpoch);
    return resp;
  }
  std::vector<std::pair<log::TopicPartition, int32_t>> resigned;
  {
    std::lock_guard lock(apply_mu_);
    if (!accept_controller_epoch(req.controller_epoch)) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kStaleControllerEpoch);
      return resp;
    }
    auto next = std::make_shared<Map>(*partitions_.load());
    for (const Item& item : items) {
      ErrorCode error = ErrorCode::kNone;
      auto it = next->find(item.tp);
      if (it != next->end()) {
        const PartitionPtr& p = it->second;
        const int32_t current = p->leader_epoch();
        if (item.leader_epoch == kEpochDuringDelete || item.leader_epoch == kNoEpoch ||
            item.leader_epoch > current) {
          if (fetchers_) fetchers_->remove(item.tp);
          const bool was_leader = p->is_leader();
          p->make_offline(item.leader_epoch);
          if (was_leader) resigned.emplace_back(item.tp, item.leader_epoch);
          if (item.del) {
            next->erase(it);
            if (auto r = logs_.delete_log(item.tp); !r) error = r.error();
          }
        } else {
          error = ErrorCode::kFencedLeaderEpoch;
        }
      } else if (item.del) {
        // Not hosted (e.g. after a restart): delete a log left on disk.
        if (logs_.get(item.tp)) {
          if (auto r = logs_.delete_log(item.tp); !r) error = r.error();
        }
      }
      resp.partition_errors.push_back({.topic_name = item.tp.topic,
                                       .partition_index = item.tp.partition,
                                       .error_code = static_cast<int16_t>(error)});
    }
    partitions_.store(std::move(next), std::memory_order_release);
  }
  for (const auto& [tp, epoch] : resigned) {
    for (const auto& l : leadership_listeners_) l(tp, false, epoch);
  }
  return resp;
}

ErrorCode ReplicaManager::update_metadata(const msg::UpdateMetadataRequest& req, int16_t version) {
  if (stale_broker_epoch("UpdateMetadata", req.broker_epoch, req.controller_id)) {
    return ErrorCode::kStaleBrokerEpoch;
  }
  std::lock_guard lock(apply_mu_);
  if (!accept_controller_epoch(req.controller_epoch)) {
    spdlog::warn(
        "Ignoring UpdateMetadata from controller {} with epoch {}: the latest known "
        "controller epoch is {}",
        req.controller_id, req.controller_epoch, controller_epoch_.load());
    return ErrorCode::kStaleControllerEpoch;
  }
  cache_.update(req, version);
  if (isr_sender_ != nullptr) isr_sender_->on_metadata_update();
  return ErrorCode::kNone;
}

}  // namespace fjord
