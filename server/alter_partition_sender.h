// AlterPartitionSender is the real IsrChangeSender: it sends AlterPartition to the current
// controller (found in the metadata cache, on the inter-broker listener) with the shared Kafka
// client, as Kafka 3.x brokers in ZooKeeper mode do. Version 1 (topic names, which the
// ZooKeeper-mode controller keys partitions by). Thread-safe.
#pragma once

#include <asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "protocol/client/kafka_client.h"
#include "server/isr_change_sender.h"
#include "server/metadata_cache.h"
#include "zk/controlled_shutdown.h"

namespace fjord {

class AlterPartitionSender : public IsrChangeSender {
 public:
  // broker_epoch: our registration epoch (read at send time).
  AlterPartitionSender(int32_t broker_id, std::function<int64_t()> broker_epoch,
                       const MetadataCache& cache, std::string listener);
  ~AlterPartitionSender() override;

  void send(IsrChange change, std::function<void(IsrChangeResult)> done) override;
  void on_metadata_update() override;

 private:
  std::shared_ptr<client::KafkaClient> controller_client(IsrChangeResult* error);

  int32_t broker_id_;
  std::function<int64_t()> broker_epoch_;
  const MetadataCache& cache_;
  std::string listener_;
  asio::io_context io_{1};
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::mutex mu_;
  std::optional<zk::ControllerAddress> client_for_;  // the controller the client points at
  std::shared_ptr<client::KafkaClient> client_;
};

}  // namespace fjord
