// GroupService hosts the group coordinator (coordinator/) inside the broker: it implements
// the coordinator's OffsetsTopic over this broker's __consumer_offsets partitions, gives it the
// wall clock, and runs its timer tick (deadlines, loading, offset expiry) and append
// completions on one small event loop of its own, apart from the network loops.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <thread>

#include "coordinator/group_coordinator.h"
#include "protocol/error_code.h"

namespace fjord {

class Broker;

class GroupService {
 public:
  explicit GroupService(Broker& broker);
  ~GroupService();

  void start();
  // Answers waiting members NOT_COORDINATOR, then stops the tick thread.
  void shutdown();

  coordinator::GroupCoordinator& coordinator() { return *coordinator_; }
  // Creates __consumer_offsets when missing, as Kafka does on the first FindCoordinator
  // (offsets.topic.num.partitions, offsets.topic.replication.factor, compacted). NONE when it
  // exists; COORDINATOR_NOT_AVAILABLE when it cannot be created (too few brokers).
  ErrorCode ensure_offsets_topic();

 private:
  class Topic;
  class Clock;
  void schedule_tick();

  Broker& broker_;
  asio::io_context io_{1};
  asio::steady_timer timer_{io_};
  std::unique_ptr<Topic> topic_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<coordinator::GroupCoordinator> coordinator_;
  std::thread thread_;
  bool started_ = false;
};

}  // namespace fjord
