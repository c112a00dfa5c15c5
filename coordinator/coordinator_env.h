// What the group coordinator needs from the broker around it, as narrow interfaces that
// server/ implements (DESIGN.md: coordinator/ never includes server/):
//  - OffsetsTopic: append to and read from the partitions of __consumer_offsets, and whether
//    this broker leads a partition (and so coordinates the groups that hash to it);
//  - CoordinatorClock: wall-clock milliseconds, injectable so tests drive time.
#pragma once

#include <cstdint>
#include <functional>

#include "protocol/result.h"
#include "protocol/wire.h"

namespace fjord::coordinator {

inline constexpr const char* kOffsetsTopic = "__consumer_offsets";

class CoordinatorClock {
 public:
  virtual ~CoordinatorClock() = default;
  virtual int64_t now_ms() const = 0;  // milliseconds since the epoch
};

struct OffsetsRead {
  Bytes records;            // whole batches (a partial last one is cut off by the reader)
  int64_t next_offset = 0;  // where the next read starts
  int64_t end_offset = 0;   // read stops here (the leader's log end offset)
};

class OffsetsTopic {
 public:
  virtual ~OffsetsTopic() = default;

  // This broker's leader epoch of __consumer_offsets partition `partition`, or -1 when it does
  // not lead it. The groups that hash to a partition are coordinated by its leader; a new epoch
  // (leadership lost and regained) means the groups must be loaded again.
  virtual int32_t leader_epoch(int32_t partition) const = 0;
  bool is_leader(int32_t partition) const { return leader_epoch(partition) >= 0; }
  // Appends one magic-2 record batch to the partition. `done` runs once the records are
  // committed — replicated to the ISR, as Kafka appends with offsets.commit.required.acks=-1 —
  // or with the error, always after append() has returned and never on the caller's stack:
  // the coordinator calls append() under a shard lock that `done` takes again.
  virtual void append(int32_t partition, Bytes batch, std::function<void(ErrorCode)> done) = 0;
  // Reads batches from `offset` (the log start offset when below it), at most about max_bytes,
  // up to the leader's log end (Kafka loads groups to the log end: as leader it keeps them);
  // an empty result with next_offset == end_offset means the end.
  virtual Result<OffsetsRead> read(int32_t partition, int64_t offset, int32_t max_bytes) = 0;
};

}  // namespace fjord::coordinator
