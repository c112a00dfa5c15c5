// Controller is Kafka's ZooKeeper-mode controller (KafkaController, 2.8-3.9) in one broker:
// every broker runs one; the one that creates the ephemeral /controller (bumping
// /controller_epoch in the same multi) is active until its session ends or it is deposed.
// The active controller
//  - follows /brokers/ids, /brokers/topics (+ each topic znode) and /admin/delete_topics;
//  - gives new partitions a leader (the first live replica in assignment order) and an ISR
//    (the live replicas), and re-elects when a leader dies: the first live ISR member in
//    assignment order, else (unclean.leader.election.enable) the first live replica, else none;
//    every change bumps the leader epoch;
//  - writes each decision to the partition state znode *before* telling brokers, always in a
//    multi that checks /controller_epoch's version, so a deposed controller's writes fail;
//  - tells brokers with LeaderAndIsr, UpdateMetadata and StopReplica (ControllerChannel);
//  - answers AlterPartition (ISR changes from leaders) and ControlledShutdown;
//  - runs the preferred leader election when auto.leader.rebalance.enable.
//
// Threads: all state lives on the ZooKeeper client's worker thread (Kafka's controller event
// thread). The public request methods may be called from any thread; their callbacks run on
// the worker thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/generated/all_messages.h"
#include "zk/broker_registration.h"
#include "zk/controller_channel.h"
#include "zk/zk_data.h"
#include "zk/zookeeper_client.h"

namespace fjord::zk {

struct ControllerOptions {
  int32_t broker_id = 0;
  std::string inter_broker_listener = "PLAINTEXT";
  bool unclean_leader_election = false;  // broker default; topics may override
  bool auto_leader_rebalance = true;
  int64_t leader_imbalance_check_interval_ms = 300'000;
  int32_t leader_imbalance_per_broker_percentage = 10;
};

class Controller {
 public:
  Controller(ZooKeeperClient& zk, ControllerOptions options);
  // Shuts down, removes its watch handlers and session hooks from the client (which may live
  // on) and waits until none of them, nor a task it posted, is running or queued.
  ~Controller();

  // Registers the watches and the session hooks, then runs the first election.
  void start();
  // Resigns (if active) and stops the rebalance timer. The /controller znode goes with the
  // session when the ZooKeeper client closes.
  void shutdown();

  bool is_active() const { return active_.load(); }
  // The broker that holds /controller, or -1 (for Metadata's controller_id).
  int32_t active_controller_id() const { return active_id_.load(); }

  void alter_partition(msg::AlterPartitionRequest request, int16_t version,
                       std::function<void(msg::AlterPartitionResponse)> done);
  void controlled_shutdown(int32_t broker_id, int64_t broker_epoch,
                           std::function<void(msg::ControlledShutdownResponse)> done);

 private:
  using TopicPartition = std::pair<std::string, int32_t>;
  struct Topic {
    Uuid id;
    std::map<int32_t, std::vector<int32_t>> assignment;
  };
  struct LiveBroker {
    BrokerInfo info;
    int64_t epoch = -1;  // czxid of /brokers/ids/<id>
  };

  // Election and failover (KafkaController.elect / onControllerFailover / onControllerResignation).
  void elect();
  void on_controller_change();
  void failover();
  void resign();
  // A multi prefixed by the /controller_epoch version check; false (and resignation) when
  // another controller has taken over.
  ZkCode checked_multi(std::vector<ZkOp> ops);

  // Readers of ZooKeeper into the context.
  std::map<int32_t, LiveBroker> read_live_brokers();
  void load_topic(const std::string& name);
  void watch_topic(const std::string& name);

  // Event handlers.
  void on_broker_change();
  void on_topic_change();
  void on_topic_modified(const std::string& name);
  void on_delete_topics();
  void on_new_partitions(const std::vector<TopicPartition>& partitions);
  void on_brokers_started(const std::vector<int32_t>& ids);
  void on_brokers_failed(const std::vector<int32_t>& ids);
  void rebalance_preferred_leaders();

  // At failover: replicas on brokers that are not live leave the ISRs (OfflineReplica); false
  // if this controller was deposed meanwhile.
  bool take_offline_replicas_out(const std::vector<TopicPartition>& partitions);
  // Partition state machine: elects where needed and writes the state znodes.
  std::vector<TopicPartition> elect_offline_leaders(const std::vector<TopicPartition>& partitions);
  bool write_state(const TopicPartition& tp, LeaderIsrAndEpoch next);
  bool unclean_allowed(const std::string& topic);
  bool alive(int32_t broker) const {
    return live_.count(broker) != 0 && shutting_down_.count(broker) == 0;
  }

  // Requests to brokers.
  void send_leader_and_isr(const std::vector<TopicPartition>& partitions);
  void send_update_metadata(const std::vector<int32_t>& brokers,
                            const std::vector<TopicPartition>& partitions);
  void send_update_metadata_all();
  void send_stop_replica(int32_t broker, const std::vector<TopicPartition>& partitions,
                         bool delete_partitions, std::function<void()> done);
  std::vector<int32_t> live_ids() const;
  void connect_broker(const LiveBroker& b);

  ZooKeeperClient& zk_;
  ControllerOptions options_;
  std::unique_ptr<ControllerChannel> channel_;
  std::atomic<bool> active_{false};
  std::atomic<int32_t> active_id_{-1};
  std::atomic<bool> stopped_{false};

  // Worker-thread state (valid while active).
  int32_t epoch_ = 0;
  int32_t epoch_zk_version_ = -1;
  std::map<int32_t, LiveBroker> live_;
  std::set<int32_t> shutting_down_;
  std::map<std::string, Topic> topics_;
  std::map<TopicPartition, LeaderIsrAndEpoch> states_;
  std::set<std::string> deleting_;

  // auto.leader.rebalance.enable: a timer thread that posts the check to the worker, first
  // 5 s after this broker became the controller, then every
  // leader.imbalance.check.interval.seconds; none while it is not the controller (a nullopt
  // delay cancels).
  void schedule_rebalance(std::optional<std::chrono::milliseconds> delay);
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  std::optional<std::chrono::steady_clock::time_point> rebalance_due_;
  std::thread timer_;
};

}  // namespace fjord::zk
