// Cluster is N brokers of the test target (FJORD_TEST_TARGET) coordinated by one real
// ZooKeeper, in Kafka's ZooKeeper mode: broker ids 1..N, internal topics replicated
// min(N, 3) times. On destruction the brokers are killed (SIGKILL: no controlled shutdown),
// then ZooKeeper is stopped, and their dirs removed. Not thread-safe.
//
//   Cluster cluster(3);
//   FJORD_SKIP_IF_UNAVAILABLE(cluster);
//   cluster.start();
//   cluster.broker(0).kill();  ...  cluster.broker(0).start();
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/zookeeper.h"

namespace fjord::itest {

class Cluster {
 public:
  // overrides apply to every broker's server.properties.
  explicit Cluster(int brokers, std::map<std::string, std::string> overrides = {},
                   Target target = target_from_env());
  ~Cluster();

  std::optional<std::string> unavailable_reason() const;

  // Starts ZooKeeper, then every broker at once, and returns when each serves Metadata and
  // broker 1 lists them all. Throws HarnessError on failure.
  void start(std::chrono::milliseconds timeout = 180s);

  size_t size() const { return brokers_.size(); }
  Broker& broker(size_t index) { return *brokers_.at(index); }
  ZooKeeper& zookeeper() { return zookeeper_; }
  // Every broker's "127.0.0.1:<port>", comma-separated.
  std::string bootstrap() const;
  // The ids of every broker but `id`, ascending (e.g. the brokers that are not the controller).
  std::vector<int32_t> broker_ids_other_than(int32_t id) const;

 private:
  ZooKeeper zookeeper_;  // declared first: destroyed after the brokers
  std::vector<std::unique_ptr<Broker>> brokers_;
};

}  // namespace fjord::itest
