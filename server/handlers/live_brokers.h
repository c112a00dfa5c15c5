// The brokers and the controller a client is told about (Metadata, DescribeCluster). On a
// ZooKeeper cluster: every live broker with an endpoint on the client's listener and the
// controller, as the controller's last UpdateMetadata said (Kafka's ZkMetadataCache; before
// the first one this broker lists only itself and no controller). On one node: this broker,
// which is also its own controller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/broker.h"

namespace fjord::handlers {

struct LiveBroker {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
};

struct LiveBrokers {
  std::vector<LiveBroker> brokers;
  int32_t controller_id = -1;
};

inline LiveBrokers live_brokers(Broker& broker, const std::string& listener_name) {
  LiveBrokers out;
  if (!broker.zk_mode() || !broker.replicas().metadata_cache().initialized()) {
    Endpoint self = broker.advertised_endpoint(listener_name);
    out.brokers.push_back({broker.broker_id(), self.host, self.port, broker.rack()});
    if (!broker.zk_mode()) out.controller_id = broker.broker_id();
    return out;
  }
  auto view = broker.replicas().metadata_cache().view();
  for (const auto& [id, b] : view->brokers) {
    auto e = b.endpoints.find(listener_name);
    if (e == b.endpoints.end()) continue;
    out.brokers.push_back({id, e->second.host, e->second.port, b.rack});
  }
  out.controller_id = view->controller_id;
  return out;
}

}  // namespace fjord::handlers
