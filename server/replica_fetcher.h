// ReplicaFetcherManager runs the follower side of replication (Kafka's ReplicaFetcherManager and
// ReplicaFetcherThread): for each (leader, fetcher id) one fetcher, on num.replica.fetchers
// threads of its own, never on the request event loops. A fetcher first truncates each new
// partition to where its log agrees with the leader's (OffsetsForLeaderEpoch, KIP-101/KIP-279),
// then sends Fetch with this broker's replica id (replica.fetch.max.bytes per partition,
// replica.fetch.wait.max.ms, replica.fetch.min.bytes), appends what comes back as follower and
// moves the high watermark to the leader's. Errors back off replica.fetch.backoff.ms. All
// traffic goes through the shared KafkaClient (protocol/client).
//
// Thread-safety: add/remove/shutdown may be called from any thread.
#pragma once

#include <asio/io_context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/partition.h"

namespace fjord {

struct ReplicationConfig;

struct LeaderEndpoint {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
};

class ReplicaFetcherManager {
 public:
  ReplicaFetcherManager(int32_t local_id, const ReplicationConfig& config);
  ~ReplicaFetcherManager();

  // Starts (or restarts, after truncation) fetching `partition` from `leader` at leader_epoch.
  void add(PartitionPtr partition, LeaderEndpoint leader, int32_t leader_epoch);
  void remove(const log::TopicPartition& tp);
  void shutdown();

 private:
  class Fetcher;
  int fetcher_id(const log::TopicPartition& tp) const;

  int32_t local_id_;
  const ReplicationConfig& config_;
  asio::io_context io_;
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  // (leader id, fetcher id) -> fetcher; and which fetcher holds each partition.
  std::map<std::pair<int32_t, int>, std::shared_ptr<Fetcher>> fetchers_;
  std::map<log::TopicPartition, std::shared_ptr<Fetcher>> assigned_;
  bool stopped_ = false;
};

}  // namespace fjord
