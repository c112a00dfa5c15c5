// ZkReader reads what a ZooKeeper-mode cluster's controller and brokers write into ZooKeeper, in
// Kafka's layout (shared/reference/ZK-LAYOUT.md): /controller, /controller_epoch, a topic's
// assignment in /brokers/topics/<topic> and each partition's state znode
// (/brokers/topics/<topic>/partitions/<p>/state: leader, leader_epoch, isr, controller_epoch).
// Its own session (30 s) to the test's ZooKeeper; the operations block the calling thread.
// Not thread-safe beyond what zk::ZooKeeperClient guarantees.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "zk/zookeeper_client.h"

namespace fjord::itest {

using namespace std::chrono_literals;

class ZkReader {
 public:
  // Connects to `connect_string` ("127.0.0.1:<port>[/chroot]"). Throws HarnessError when no
  // session is established.
  explicit ZkReader(const std::string& connect_string);

  // The JSON at `path` (and its stat), or nullopt when the znode is missing or not JSON.
  std::optional<nlohmann::json> read(const std::string& path, zk::ZkStat* stat = nullptr);
  // /controller's brokerid, or -1 while there is no controller.
  int32_t controller_id();
  // /controller_epoch, or -1 while it does not exist.
  int32_t controller_epoch();
  // Waits until /controller names a broker other than `other_than`; its id, or -1 at timeout.
  int32_t wait_for_controller(std::chrono::milliseconds timeout = 60s, int32_t other_than = -1);
  // The partition state znode of topic-p, or nullopt.
  std::optional<nlohmann::json> state(const std::string& topic, int32_t p,
                                      zk::ZkStat* stat = nullptr);
  // The state's leader, or -1 without a state.
  int32_t leader(const std::string& topic, int32_t p);
  // The state's ISR, or empty without a state.
  std::vector<int32_t> isr(const std::string& topic, int32_t p);
  // Partition p's assigned replicas from /brokers/topics/<topic>, or empty.
  std::vector<int32_t> replicas(const std::string& topic, int32_t p);

  zk::ZkCode exists(const std::string& path, zk::ZkStat* stat = nullptr) {
    return zk_->exists(path, stat);
  }
  zk::ZkCode get_children(const std::string& path, std::vector<std::string>* children) {
    return zk_->get_children(path, children);
  }
  // The session itself, for anything else.
  zk::ZooKeeperClient& client() { return *zk_; }

 private:
  std::unique_ptr<zk::ZooKeeperClient> zk_;
};

}  // namespace fjord::itest
