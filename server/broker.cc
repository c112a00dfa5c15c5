#include "server/broker.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "server/meta_properties.h"
#include "zk/embedded_store.h"

namespace fjord {

Broker::Broker(BrokerConfig config) : config_(std::move(config)) {}

Broker::~Broker() { shutdown(); }

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
  auto cluster_id =
      ensure_meta_properties(dirs, broker_id(), uuid_to_base64(random_uuid()), error);
  if (!cluster_id) return false;
  cluster_id_ = *cluster_id;

  EmbeddedStoreOptions store_options;
  store_options.dir = dirs.front();
  store_options.broker_id = broker_id();
  store_options.default_num_partitions = config_.get_int("num.partitions");
  store_options.default_replication_factor =
      static_cast<int16_t>(config_.get_int("default.replication.factor"));
  store_options.cluster_id = cluster_id_;
  auto store = EmbeddedStore::open(store_options, error);
  if (!store) return false;
  metadata_ = std::move(store);

  size_t loops = std::max(1u, std::thread::hardware_concurrency());
  if (config_.supplied("num.network.threads")) {
    loops = static_cast<size_t>(std::max(1, config_.get_int("num.network.threads")));
  }
  loops_ = std::make_unique<EventLoops>(loops);
  dispatcher_ = std::make_unique<Dispatcher>(*this);
  ConnectionLimits limits;
  limits.max_request_bytes = config_.get_int("socket.request.max.bytes");
  limits.max_idle = std::chrono::milliseconds(config_.get_long("connections.max.idle.ms"));
  server_ = std::make_unique<TcpServer>(*loops_, *dispatcher_, limits);
  if (!server_->listen(config_.listeners(), error)) return false;
  server_->start_accepting();
  loops_->start();
  started_ = true;
  spdlog::info("[KafkaServer id={}] started (cluster id {}, {} event loops)", broker_id(),
               cluster_id_, loops);
  return true;
}

void Broker::shutdown() {
  if (!started_) return;
  started_ = false;
  spdlog::info("[KafkaServer id={}] shutting down", broker_id());
  server_->stop_accepting_and_drain();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_->open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    // Draining is driven by the loops; this control thread only checks for completion.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  loops_->stop();
  spdlog::info("[KafkaServer id={}] shut down completed", broker_id());
}

}  // namespace fjord
