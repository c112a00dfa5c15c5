// The broker side of a controlled shutdown (KafkaServer.controlledShutdown): before it stops,
// a broker asks the active controller to move its leaderships away, and retries while
// partitions remain, controlled.shutdown.max.retries times with
// controlled.shutdown.retry.backoff.ms between attempts. Blocking: call it from the shutdown
// thread while the event loops still serve (the controller may be this broker).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace fjord::zk {

struct ControllerAddress {
  int32_t id = -1;
  std::string host;
  uint16_t port = 0;

  bool operator==(const ControllerAddress&) const = default;
};

// Where the active controller listens for inter-broker requests, or nullopt when none is
// known. Kafka takes it from the broker's metadata cache (the controller's UpdateMetadata), not
// from ZooKeeper, so a broker that has lost ZooKeeper still asks, and stops without sleeping
// through every retry.
using FindController = std::function<std::optional<ControllerAddress>()>;

struct ControlledShutdownOptions {
  int32_t broker_id = 0;
  int64_t broker_epoch = -1;
  int32_t max_retries = 3;
  int64_t retry_backoff_ms = 5000;
  int64_t request_timeout_ms = 30000;
};

// True when the controller answered with no remaining partitions.
bool controlled_shutdown(const FindController& find_controller,
                         const ControlledShutdownOptions& options);

}  // namespace fjord::zk
