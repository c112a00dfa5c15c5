// IsrChangeSender is how a partition leader asks the controller to change its ISR (Kafka's
// AlterPartitionManager): the leader proposes a new ISR at its leader and partition epochs, the
// controller writes it to ZooKeeper and answers with the state it committed. A small interface
// so Partition and ReplicaManager are tested with a fake; the real one sends AlterPartition with
// the shared Kafka client (alter_partition_sender.h).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "log/segment_name.h"
#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace fjord {

struct IsrChange {
  log::TopicPartition tp;
  Uuid topic_id;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  std::vector<int32_t> new_isr;
};

struct IsrChangeResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t leader_epoch = -1;
  int32_t partition_epoch = -1;
  std::vector<int32_t> isr;
};

class IsrChangeSender {
 public:
  virtual ~IsrChangeSender() = default;
  // Sends the change; `done` runs once, on any thread, with the controller's answer (or a
  // transport error such as REQUEST_TIMED_OUT).
  virtual void send(IsrChange change, std::function<void(IsrChangeResult)> done) = 0;
  // The controller may have moved (a new UpdateMetadata arrived): requests still waiting on a
  // former controller fail now, to be retried with the new one, rather than at their timeout
  // (Kafka's controller channel disconnects from the old controller the same way).
  virtual void on_metadata_update() {}
};

}  // namespace fjord
