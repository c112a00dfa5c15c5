// Broker is one Fjord broker process: it owns the configuration, the metadata store, the
// event loops, the listeners and the request dispatcher, and runs start-up and the graceful
// shutdown Kafka users expect from kafka-server-start / SIGTERM.
#pragma once

#include <memory>
#include <string>

#include "server/broker_config.h"
#include "server/dispatcher.h"
#include "server/event_loops.h"
#include "server/tcp_server.h"
#include "zk/metadata_store.h"

namespace fjord {

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
  // The port a listener is bound to (useful with port 0 in tests).
  uint16_t bound_port(size_t listener) const { return server_->bound_port(listener); }

 private:
  BrokerConfig config_;
  std::string cluster_id_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<EventLoops> loops_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<TcpServer> server_;
  bool started_ = false;
};

}  // namespace fjord
