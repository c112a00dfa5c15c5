// Broker is one Fjord broker process: it owns the configuration, the metadata store, the
// event loops, the listeners and the request dispatcher, and runs start-up and the graceful
// shutdown Kafka users expect from kafka-server-start / SIGTERM.
#pragma once

#include <memory>
#include <string>

#include "coordinator/producer_id_manager.h"
#include "server/blocking_pool.h"
#include "server/broker_config.h"
#include "server/dispatcher.h"
#include "server/event_loops.h"
#include "server/fetch_session.h"
#include "server/group_service.h"
#include "server/alter_partition_sender.h"
#include "server/replica_manager.h"
#include "server/tcp_server.h"
#include "zk/controller.h"
#include "zk/metadata_store.h"
#include "zk/zookeeper_client.h"

namespace fjord {

struct Endpoint {
  std::string host;
  int32_t port = 0;
};

class Broker {
 public:
  explicit Broker(BrokerConfig config);
  ~Broker();

  // Loads everything and starts serving. On failure returns false with *error set.
  bool start(std::string* error);
  // Graceful stop: no new connections, in-flight requests finish (bounded wait), logs are
  // flushed and checkpointed, then the loops stop.
  void shutdown();

  const BrokerConfig& config() const { return config_; }
  int32_t broker_id() const { return config_.broker_id(); }
  const std::string& cluster_id() const { return cluster_id_; }
  MetadataStore& metadata() { return *metadata_; }
  ReplicaManager& replicas() { return *replicas_; }
  // ZooKeeper mode (zookeeper.connect set): the controller drives partitions and Metadata is
  // answered from the metadata cache it feeds.
  bool zk_mode() const { return config_.get("zookeeper.connect").has_value(); }
  coordinator::ProducerIdManager& producer_ids() { return *producer_ids_; }
  FetchSessionCache& fetch_sessions() { return *fetch_sessions_; }
  GroupService& groups() { return *groups_; }
  // Blocking file work (fsync, non-sendfile reads) of the handlers; never on an event loop.
  BlockingPool& blocking() { return *blocking_; }
  std::optional<std::string> rack() const { return config_.get("broker.rack"); }
  // The advertised host and port of a listener (advertised.listeners, else listeners; an empty
  // host advertises this machine's host name, as Kafka does).
  Endpoint advertised_endpoint(const std::string& listener_name) const;
  // Creates a topic in the metadata store; the partitions' logs follow from the change.
  StoreStatus create_topic(const CreateTopicSpec& spec, bool validate_only,
                           std::shared_ptr<const TopicMetadata>* created);
  StoreStatus delete_topic(const std::string& name);
  // The ZooKeeper session in ZooKeeper mode (zookeeper.connect set), else nullptr.
  zk::ZooKeeperClient* zookeeper() { return zk_.get(); }
  // The controller candidate in ZooKeeper mode (active or not), else nullptr.
  zk::Controller* controller() { return controller_.get(); }
  // This broker's epoch: the czxid of its /brokers/ids/<id> znode (-1 without ZooKeeper).
  int64_t broker_epoch() const { return replicas_->broker_epoch(); }
  // The port a listener is bound to (useful with port 0 in tests).
  uint16_t bound_port(size_t listener) const { return server_->bound_port(listener); }

 private:
  void configure_replication();

  BrokerConfig config_;
  std::string cluster_id_;
  // The ZooKeeper session in ZooKeeper mode, closed (its worker joined) before any member goes,
  // and destroyed after the metadata store and the controller, which unregister from it.
  std::unique_ptr<zk::ZooKeeperClient> zk_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<log::LogManager> logs_;
  std::unique_ptr<ReplicaManager> replicas_;
  std::unique_ptr<AlterPartitionSender> isr_sender_;
  std::unique_ptr<coordinator::ProducerIdManager> producer_ids_;
  std::unique_ptr<FetchSessionCache> fetch_sessions_;
  std::unique_ptr<GroupService> groups_;
  std::unique_ptr<BlockingPool> blocking_;  // before loops_: outlives the handlers using it
  std::unique_ptr<EventLoops> loops_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<TcpServer> server_;
  bool started_ = false;

  // ZooKeeper mode: the session, /cluster/id, and (after the listeners are bound) the
  // ephemeral /brokers/ids/<id>, re-created on every new session.
  bool connect_zookeeper(std::string* error);
  bool register_in_zookeeper(std::string* error);
  std::unique_ptr<zk::Controller> controller_;  // after zk_: destroyed first
};

}  // namespace fjord
