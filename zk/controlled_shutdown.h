// The broker side of a controlled shutdown (KafkaServer.controlledShutdown): before it stops,
// a broker asks the active controller (found through /controller and /brokers/ids) to move its
// leaderships away, and retries while partitions remain, controlled.shutdown.max.retries times
// with controlled.shutdown.retry.backoff.ms between attempts. Blocking: call it from the
// shutdown thread while the event loops still serve (the controller may be this broker).
#pragma once

#include <cstdint>
#include <string>

#include "zk/zookeeper_client.h"

namespace fjord::zk {

struct ControlledShutdownOptions {
  int32_t broker_id = 0;
  int64_t broker_epoch = -1;
  std::string inter_broker_listener = "PLAINTEXT";
  int32_t max_retries = 3;
  int64_t retry_backoff_ms = 5000;
  int64_t request_timeout_ms = 30000;
};

// True when the controller answered with no remaining partitions.
bool controlled_shutdown(ZooKeeperClient& zk, const ControlledShutdownOptions& options);

}  // namespace fjord::zk
