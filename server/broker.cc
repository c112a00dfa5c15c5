#include "server/broker.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include <unistd.h>

#include "server/meta_properties.h"
#include "server/topic_config.h"
#include "zk/broker_registration.h"
#include "zk/controlled_shutdown.h"
#include "zk/embedded_store.h"
#include "zk/producer_id_block.h"
#include "zk/zk_metadata_store.h"

namespace fjord {

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() {
  shutdown();
  // A broker that failed to start is not shut down: its session still runs handlers.
  if (zk_) zk_->close();
}

bool Broker::start(std::string* error) {
  std::vector<std::string> dirs = config_.log_dirs();
  for (const std::string& dir : dirs) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      *error = "cannot create log dir " + dir + ": " + ec.message();
      return false;
    }
  }
  std::string fresh_cluster_id = uuid_to_base64(random_uuid());
  if (config_.get("zookeeper.connect")) {
    // ZooKeeper mode: /cluster/id is the truth; a log dir of another cluster is refused.
    if (!connect_zookeeper(error)) return false;
    auto zk_cluster_id = zk::get_or_create_cluster_id(*zk_, fresh_cluster_id, error);
    if (!zk_cluster_id) return false;
    fresh_cluster_id = *zk_cluster_id;
  }
  auto cluster_id = ensure_meta_properties(dirs, broker_id(), fresh_cluster_id, error);
  if (!cluster_id) return false;
  if (zk_ && *cluster_id != fresh_cluster_id) {
    // Kafka's InconsistentClusterIdException.
    *error = "The Cluster ID " + fresh_cluster_id + " doesn't match stored clusterId Some(" +
             *cluster_id + ") in meta.properties. The broker is trying to join the wrong " +
             "cluster. Configured zookeeper.connect may be wrong.";
    return false;
  }
  cluster_id_ = *cluster_id;
  if (zk_) {
    // Producer ids are unique across the cluster: blocks come from /latest_producer_id_block.
    producer_ids_ = coordinator::ProducerIdManager::with_source(
        [this](int64_t block_size) -> Result<int64_t> {
          std::string why;
          auto block = zk::claim_producer_id_block(*zk_, broker_id(), block_size, &why);
          if (!block) {
            spdlog::error("[KafkaServer id={}] no producer id block: {}; InitProducerId answers "
                          "COORDINATOR_NOT_AVAILABLE until one is claimed",
                          broker_id(), why);
            return ErrorCode::kCoordinatorNotAvailable;
          }
          return block->first;
        });
  } else {
    auto producer_ids = coordinator::ProducerIdManager::open(dirs.front());
    if (!producer_ids.ok()) {
      *error = "cannot read " + dirs.front() + "/" +
               std::string(coordinator::ProducerIdManager::kFileName);
      return false;
    }
    producer_ids_ = std::move(*producer_ids);
  }

  if (zk_) {
    zk::ZkMetadataStoreOptions zk_options;
    zk_options.default_num_partitions = config_.get_int("num.partitions");
    zk_options.default_replication_factor =
        static_cast<int16_t>(config_.get_int("default.replication.factor"));
    zk_options.cluster_id = cluster_id_;
    auto zk_store = std::make_unique<zk::ZkMetadataStore>(*zk_, zk_options);
    if (!zk_store->start(error)) return false;
    metadata_ = std::move(zk_store);
  }
  EmbeddedStoreOptions store_options;
  store_options.dir = dirs.front();
  store_options.broker_id = broker_id();
  store_options.default_num_partitions = config_.get_int("num.partitions");
  store_options.default_replication_factor =
      static_cast<int16_t>(config_.get_int("default.replication.factor"));
  store_options.cluster_id = cluster_id_;
  if (!metadata_) {
    auto store = EmbeddedStore::open(store_options, error);
    if (!store) return false;
    metadata_ = std::move(store);
  }

  log::LogManagerConfig log_config;
  for (const std::string& dir : dirs) log_config.log_dirs.push_back(dir);
  log_config.default_config = broker_log_defaults(config_);
  log_config.recovery_threads_per_dir = config_.get_int("num.recovery.threads.per.data.dir");
  log_config.retention_check_interval_ms = config_.get_long("log.retention.check.interval.ms");
  log_config.flush_scheduler_interval_ms = config_.get_long("log.flush.scheduler.interval.ms");
  log_config.flush_offset_checkpoint_interval_ms =
      config_.get_long("log.flush.offset.checkpoint.interval.ms");
  log_config.flush_start_offset_checkpoint_interval_ms =
      config_.get_long("log.flush.start.offset.checkpoint.interval.ms");
  log_config.high_watermark_checkpoint_interval_ms =
      config_.get_long("replica.high.watermark.checkpoint.interval.ms");
  log_config.cleaner_enable = config_.get_bool("log.cleaner.enable");
  log_config.cleaner = {config_.get_long("log.cleaner.dedupe.buffer.size"),
                        config_.get_int("log.cleaner.threads"),
                        config_.get_double("log.cleaner.io.buffer.load.factor"),
                        config_.get_long("log.cleaner.backoff.ms")};
  auto logs = log::LogManager::open(log_config);
  if (!logs.ok()) {
    *error = "cannot load the logs in " + config_.get("log.dirs").value_or(dirs.front()) + ": " +
             std::string(error_name(logs.error())) + " (see the log lines above)";
    return false;
  }
  logs_ = std::move(*logs);
  spdlog::info("loaded {} partition logs in {} ms", logs_->size(), logs_->load_ms());
  replicas_ = std::make_unique<ReplicaManager>(broker_id(), *logs_, log_config.default_config);
  configure_replication();
  replicas_->apply(*metadata_->snapshot());
  metadata_->subscribe([this](const auto& snapshot) { replicas_->apply(*snapshot); });
  logs_->startup();
  fetch_sessions_ = std::make_unique<FetchSessionCache>(
      static_cast<size_t>(config_.get_int("max.incremental.fetch.session.cache.slots")));
  groups_ = std::make_unique<GroupService>(*this);
  groups_->start();

  size_t loops = std::max(1u, std::thread::hardware_concurrency());
  if (config_.supplied("num.network.threads")) {
    loops = static_cast<size_t>(std::max(1, config_.get_int("num.network.threads")));
  }
  // Kafka's request handler threads (num.io.threads) and request queue (queued.max.requests)
  // become the pool that does the blocking work of requests.
  blocking_ = std::make_unique<BlockingPool>(
      static_cast<size_t>(std::max(1, config_.get_int("num.io.threads"))),
      static_cast<size_t>(std::max(1, config_.get_int("queued.max.requests"))));
  loops_ = std::make_unique<EventLoops>(loops);
  dispatcher_ = std::make_unique<Dispatcher>(*this);
  ConnectionLimits limits;
  limits.max_request_bytes = config_.get_int("socket.request.max.bytes");
  limits.max_idle = std::chrono::milliseconds(config_.get_long("connections.max.idle.ms"));
  limits.send_buffer_bytes = config_.get_int("socket.send.buffer.bytes");
  limits.receive_buffer_bytes = config_.get_int("socket.receive.buffer.bytes");
  server_ = std::make_unique<TcpServer>(*loops_, *dispatcher_, limits);
  if (!server_->listen(config_.listeners(), error)) return false;
  server_->start_accepting();
  loops_->start();
  if (zk_ && !register_in_zookeeper(error)) {
    started_ = true;
    shutdown();
    return false;
  }
  started_ = true;
  spdlog::info("[KafkaServer id={}] started (cluster id {}, {} event loops)", broker_id(),
               cluster_id_, loops);
  return true;
}

bool Broker::connect_zookeeper(std::string* error) {
  zk::ZooKeeperClientOptions options;
  options.connect = *config_.get("zookeeper.connect");
  options.session_timeout_ms = config_.get_int("zookeeper.session.timeout.ms");
  // zookeeper.connection.timeout.ms defaults to the session timeout, as in Kafka.
  options.connection_timeout_ms = config_.get("zookeeper.connection.timeout.ms")
                                      ? config_.get_int("zookeeper.connection.timeout.ms")
                                      : options.session_timeout_ms;
  zk_ = zk::ZooKeeperClient::connect(options, error);
  if (!zk_) return false;
  zk::ZkCode rc = zk::ensure_persistent_paths(*zk_);
  if (!zk::zk_ok(rc)) {
    *error = std::string("cannot create Kafka's persistent znodes in ZooKeeper: ") +
             zk::zk_code_name(rc);
    return false;
  }
  return true;
}

bool Broker::register_in_zookeeper(std::string* error) {
  zk::BrokerInfo info;
  info.id = broker_id();
  info.rack = rack();
  for (const Listener& l : config_.advertised_listeners()) {
    Endpoint e = advertised_endpoint(l.name);
    info.endpoints.push_back({l.name, e.host, e.port, l.security_protocol});
  }
  int64_t czxid = -1;
  if (!zk::register_broker(*zk_, info, error, &czxid)) return false;
  replicas_->set_broker_epoch(czxid);
  // KafkaServer re-registers after a session expiry (its ephemeral znode went with the session).
  zk_->on_new_session([this, info] {
    std::string why;
    int64_t epoch = -1;
    if (!zk::zk_ok(zk::ensure_persistent_paths(*zk_)) ||
        !zk::register_broker(*zk_, info, &why, &epoch)) {
      spdlog::error("[KafkaServer id={}] re-registration in ZooKeeper failed: {}", broker_id(),
                    why);
      return;
    }
    replicas_->set_broker_epoch(epoch);
  });
  // Every broker is a controller candidate (KafkaController.startup).
  zk::ControllerOptions options;
  options.broker_id = broker_id();
  options.inter_broker_listener = config_.get("inter.broker.listener.name").value_or("PLAINTEXT");
  options.unclean_leader_election = config_.get_bool("unclean.leader.election.enable");
  options.auto_leader_rebalance = config_.get_bool("auto.leader.rebalance.enable");
  options.leader_imbalance_check_interval_ms =
      config_.get_long("leader.imbalance.check.interval.seconds") * 1000;
  options.leader_imbalance_per_broker_percentage =
      config_.get_int("leader.imbalance.per.broker.percentage");
  controller_ = std::make_unique<zk::Controller>(*zk_, options);
  controller_->start();
  return true;
}

void Broker::configure_replication() {
  ReplicationConfig rc;
  rc.zk_mode = zk_mode();
  rc.min_insync_replicas = config_.get_int("min.insync.replicas");
  rc.num_replica_fetchers = config_.get_int("num.replica.fetchers");
  rc.replica_fetch_max_bytes = config_.get_int("replica.fetch.max.bytes");
  rc.replica_fetch_response_max_bytes = config_.get_int("replica.fetch.response.max.bytes");
  rc.replica_fetch_min_bytes = config_.get_int("replica.fetch.min.bytes");
  rc.replica_fetch_wait_max_ms = config_.get_int("replica.fetch.wait.max.ms");
  rc.replica_fetch_backoff_ms = config_.get_int("replica.fetch.backoff.ms");
  rc.replica_socket_timeout_ms = config_.get_int("replica.socket.timeout.ms");
  rc.replica_lag_time_max_ms = config_.get_long("replica.lag.time.max.ms");
  rc.inter_broker_listener = config_.get("inter.broker.listener.name")
                                 .value_or(config_.listeners().front().name);
  if (rc.zk_mode) {
    isr_sender_ = std::make_unique<AlterPartitionSender>(
        broker_id(), [this] { return replicas_->broker_epoch(); }, replicas_->metadata_cache(),
        rc.inter_broker_listener);
  }
  replicas_->configure(rc, isr_sender_.get());
}

Endpoint Broker::advertised_endpoint(const std::string& listener_name) const {
  const auto& advertised = config_.advertised_listeners();
  const Listener* match = nullptr;
  for (const Listener& l : advertised) {
    if (l.name == listener_name) match = &l;
  }
  if (match == nullptr) match = &advertised.front();
  Endpoint e{match->host, match->port};
  if (e.host.empty()) {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    e.host = name;
  }
  // Port 0 in listeners means "pick one": advertise the port actually bound.
  if (e.port == 0) {
    const auto& listeners = config_.listeners();
    for (size_t i = 0; i < listeners.size(); ++i) {
      if (listeners[i].name == match->name) e.port = server_->bound_port(i);
    }
  }
  return e;
}

StoreStatus Broker::create_topic(const CreateTopicSpec& spec, bool validate_only,
                                 std::shared_ptr<const TopicMetadata>* created) {
  return metadata_->create_topic(spec, validate_only, created);
}

StoreStatus Broker::delete_topic(const std::string& name) {
  return metadata_->delete_topic(name);
}

void Broker::shutdown() {
  if (!started_) return;
  started_ = false;
  spdlog::info("[KafkaServer id={}] shutting down", broker_id());
  if (zk_ && config_.get_bool("controlled.shutdown.enable")) {
    // Leaderships move away while this broker still serves (the controller may be this one).
    zk::ControlledShutdownOptions options;
    options.broker_id = broker_id();
    options.broker_epoch = broker_epoch();
    options.max_retries = config_.get_int("controlled.shutdown.max.retries");
    options.retry_backoff_ms = config_.get_long("controlled.shutdown.retry.backoff.ms");
    // The controller as the last UpdateMetadata named it, as Kafka finds it: ZooKeeper may be
    // the very thing that is gone.
    const std::string listener = config_.get("inter.broker.listener.name").value_or("PLAINTEXT");
    zk::controlled_shutdown(
        [&] { return replicas_->metadata_cache().view()->controller_endpoint(listener); },
        options);
  }
  groups_->shutdown();
  server_->stop_accepting_and_drain();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_->open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    // Draining is driven by the loops; this control thread only checks for completion.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  loops_->stop();
  blocking_->stop();  // runs what is still queued, then joins
  replicas_->shutdown();
  // Closing the session removes /brokers/ids/<id> at once (the controller sees the broker go).
  if (controller_) controller_->shutdown();
  if (zk_) zk_->close();
  if (!logs_->shutdown().ok()) {
    spdlog::error("[KafkaServer id={}] the logs did not close cleanly; the next start recovers them",
                  broker_id());
  }
  spdlog::info("[KafkaServer id={}] shut down completed", broker_id());
}

}  // namespace fjord
