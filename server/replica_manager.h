// ReplicaManager keeps this broker's partitions in step with the cluster. In embedded mode it
// follows the metadata store: every partition assigned here is opened (or created) and led by
// this broker; logs of topics that are gone are deleted. In ZooKeeper mode it does what the
// controller says (Kafka's ReplicaManager): LeaderAndIsr makes partitions leaders or followers
// (followers truncate and fetch through the replica fetchers), StopReplica stops and optionally
// deletes them, UpdateMetadata feeds the metadata cache; requests from a deposed controller
// (an older controller epoch) are refused with STALE_CONTROLLER_EPOCH.
//
// Produce and fetch look partitions up in an immutable map published atomically, so the data
// path takes no lock. Control requests are serialised by one mutex (they are rare).
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "log/log_manager.h"
#include "protocol/generated/leader_and_isr.h"
#include "protocol/generated/stop_replica.h"
#include "protocol/generated/update_metadata.h"
#include "server/metadata_cache.h"
#include "server/partition.h"
#include "zk/topic_metadata.h"

namespace fjord {

class ReplicaFetcherManager;

// The replica.* settings (Kafka's names and defaults, read in broker.cc).
struct ReplicationConfig {
  bool zk_mode = false;
  int32_t min_insync_replicas = 1;  // broker default; topics override
  int32_t num_replica_fetchers = 1;
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_response_max_bytes = 10485760;
  int32_t replica_fetch_min_bytes = 1;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_backoff_ms = 1000;
  int32_t replica_socket_timeout_ms = 30000;
  int64_t replica_lag_time_max_ms = 30000;
  std::string inter_broker_listener = "PLAINTEXT";
};

class ReplicaManager {
 public:
  ReplicaManager(int32_t broker_id, log::LogManager& logs, log::LogConfig defaults);
  ~ReplicaManager();

  // Before the first apply()/request: replication settings, the ISR change channel (may be
  // null: ISR changes then apply locally) and, in ZooKeeper mode, starts the replica fetchers and
  // the ISR lag check on a small event loop of their own.
  void configure(const ReplicationConfig& config, IsrChangeSender* isr_sender);
  void shutdown();

  // Embedded mode: brings the local partitions in line with the snapshot (create, reconfigure,
  // delete). ZooKeeper mode: only refreshes the configs of hosted partitions.
  void apply(const MetadataSnapshot& snapshot);

  PartitionPtr get(const std::string& topic, int32_t partition) const;
  log::LogManager& logs() { return logs_; }
  const log::LogConfig& defaults() const { return defaults_; }
  const ReplicationConfig& replication() const { return config_; }
  MetadataCache& metadata_cache() { return cache_; }
  int32_t broker_id() const { return broker_id_; }
  // Our registration's epoch: the czxid of /brokers/ids/<id> (-1 before we register). Set by
  // the broker at each (re-)registration; a controller request for an older epoch is refused
  // with STALE_BROKER_EPOCH (KIP-380: it was meant for this broker before a restart).
  int64_t broker_epoch() const { return broker_epoch_.load(); }
  void set_broker_epoch(int64_t epoch) { broker_epoch_.store(epoch); }
  int32_t controller_epoch() const { return controller_epoch_.load(); }

  msg::LeaderAndIsrResponse become_leader_or_follower(const msg::LeaderAndIsrRequest& req,
                                                      int16_t version);
  msg::StopReplicaResponse stop_replicas(const msg::StopReplicaRequest& req, int16_t version);
  ErrorCode update_metadata(const msg::UpdateMetadataRequest& req, int16_t version);

  // Leadership hooks (the group coordinator follows __consumer_offsets leadership). Called
  // after the change, outside the control lock, on the handler's thread.
  using LeadershipListener =
      std::function<void(const log::TopicPartition&, bool leader, int32_t leader_epoch)>;
  void on_leadership_change(LeadershipListener listener);

 private:
  using Map = std::map<log::TopicPartition, PartitionPtr>;
  // False (and STALE_CONTROLLER_EPOCH for the caller) when the epoch is older than known.
  bool accept_controller_epoch(int32_t epoch);
  // Kafka's isBrokerEpochStale: -1 (a controller from before KIP-380) is never stale, and a
  // newer epoch than ours can come from a controller that saw our registration first. Logs
  // the refusal of the named request when it is stale.
  bool stale_broker_epoch(const char* request, int64_t epoch_in_request,
                          int32_t controller_id) const;
  PartitionPtr get_or_create_locked(const log::TopicPartition& tp, const Uuid& topic_id, Map& next,
                                    ErrorCode* error);
  int32_t min_isr_for(const std::string& topic) const;
  void schedule_isr_check();

  int32_t broker_id_;
  log::LogManager& logs_;
  log::LogConfig defaults_;
  ReplicationConfig config_;
  IsrChangeSender* isr_sender_ = nullptr;
  MetadataCache cache_;
  std::mutex apply_mu_;  // one metadata change / control request at a time
  std::atomic<std::shared_ptr<const Map>> partitions_;
  std::shared_ptr<const MetadataSnapshot> last_snapshot_;  // guarded by apply_mu_
  std::atomic<int32_t> controller_epoch_{-1};
  std::atomic<int64_t> broker_epoch_{-1};
  std::vector<LeadershipListener> leadership_listeners_;

  asio::io_context io_{1};
  std::unique_ptr<asio::steady_timer> isr_timer_;
  std::unique_ptr<ReplicaFetcherManager> fetchers_;
  std::thread thread_;
};

}  // namespace fjord
