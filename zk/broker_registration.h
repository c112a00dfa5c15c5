// Broker registration in ZooKeeper, as Kafka 2.8-3.9's KafkaZkClient does it at start-up:
// the persistent paths every broker ensures (ZkData.PersistentZkPaths), /cluster/id (created by
// the first broker, read by the others), and the ephemeral /brokers/ids/<id> znode (version 5
// JSON), re-created on every new session after an expiry. Runs on the ZooKeeper client's
// threads only (never on an event loop).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zk/zookeeper_client.h"

namespace fjord::zk {

struct BrokerEndpoint {
  std::string listener;           // listener name, e.g. PLAINTEXT
  std::string host;
  int32_t port = 0;
  std::string security_protocol;  // e.g. PLAINTEXT
};

struct BrokerInfo {
  int32_t id = 0;
  std::vector<BrokerEndpoint> endpoints;  // advertised listeners
  std::optional<std::string> rack;
  int32_t jmx_port = -1;
};

// The persistent paths a Kafka broker creates at start-up when missing.
const std::vector<std::string>& persistent_zk_paths();
ZkCode ensure_persistent_paths(ZooKeeperClient& zk);

// Reads /cluster/id, or creates it with fresh_id ({"version":"1","id":...}); when another
// broker wins the creation race, its id is returned. nullopt with *error on failure.
std::optional<std::string> get_or_create_cluster_id(ZooKeeperClient& zk,
                                                    const std::string& fresh_id,
                                                    std::string* error);

// BrokerIdZNode.encode, version 5: host/port of the first PLAINTEXT endpoint (null/-1 if none).
std::string broker_znode_json(const BrokerInfo& info, int64_t timestamp_ms);
// Parses a /brokers/ids/<id> znode (versions 1-5) back into a BrokerInfo.
std::optional<BrokerInfo> parse_broker_znode(int32_t id, const std::string& json);

// Creates the ephemeral /brokers/ids/<id>. A znode left by this same session (a retried
// create after a connection loss) counts as success; one owned by another session is the
// fatal NODE_EXISTS start-up error Kafka reports.
// *czxid (if given) gets the znode's creation zxid: the broker epoch Kafka's controller uses.
bool register_broker(ZooKeeperClient& zk, const BrokerInfo& info, std::string* error,
                     int64_t* czxid = nullptr);

}  // namespace fjord::zk
