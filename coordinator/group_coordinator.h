// GroupCoordinator is Kafka's classic group coordinator (GroupCoordinator +
// GroupMetadataManager): JoinGroup/SyncGroup/Heartbeat/LeaveGroup rebalances, committed
// offsets, and the admin views, with every change persisted as records in __consumer_offsets
// (group_records.h) and rebuilt from there when the broker starts.
//
// Sharding and thread-safety: one Shard per __consumer_offsets partition owns the groups that
// hash to it (group_partition.h) behind its own mutex; there is no global lock. Every public
// function may be called from any thread. Client callbacks (JoinCallback, SyncCallback, the
// `done` of commits) run after the shard lock is released, on whatever thread completed the
// operation: the caller's, tick()'s, or the OffsetsTopic's append completion.
//
// Time: deadlines (session timeouts, rebalance timeouts, group.initial.rebalance.delay.ms,
// pending syncs, offsets.retention.minutes) are checked by tick(), which the host calls
// periodically (tens of milliseconds, and at once when __consumer_offsets leadership changes).
//
// Leadership (GroupCoordinator.onElection / onResignation): a shard serves only while this
// broker leads its __consumer_offsets partition. tick() loads the shards that became led
// (requests answer COORDINATOR_LOAD_IN_PROGRESS until then) and unloads those that are not led
// any more (waiting members and requests get NOT_COORDINATOR, and appends still in flight
// complete with NOT_COORDINATOR).
#pragma once

#include <atomic>
#include <climits>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/consumer_group.h"
#include "coordinator/coordinator_env.h"
#include "coordinator/group.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/consumer_group_heartbeat.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"

namespace fjord::coordinator {

// Broker settings the coordinator uses (Kafka's names in the comments).
struct GroupConfig {
  int32_t num_partitions = 50;                            // offsets.topic.num.partitions
  int32_t min_session_timeout_ms = 6000;                  // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;               // group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 3000;              // group.initial.rebalance.delay.ms
  int32_t max_size = INT32_MAX;                           // group.max.size
  int64_t offsets_retention_ms = 7LL * 24 * 3600 * 1000;  // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600000;   // offsets.retention.check.interval.ms
  int32_t offset_metadata_max_bytes = 4096;               // offset.metadata.max.bytes
  int32_t load_buffer_bytes = 5 * 1024 * 1024;            // offsets.load.buffer.size
  // KIP-848 consumer groups.
  bool consumer_protocol_enabled = false;  // group.coordinator.rebalance.protocols has consumer
  int32_t consumer_session_timeout_ms = 45000;    // group.consumer.session.timeout.ms
  int32_t consumer_heartbeat_interval_ms = 5000;  // group.consumer.heartbeat.interval.ms
  int32_t consumer_max_size = INT32_MAX;          // group.consumer.max.size
  std::vector<std::string> consumer_assignors = {"uniform", "range"};  // group.consumer.assignors
};

// Whether a topic partition exists (OffsetCommit/OffsetDelete answer UNKNOWN_TOPIC_OR_PARTITION
// for the others, as KafkaApis does before it reaches the coordinator).
using PartitionExists = std::function<bool(const std::string& topic, int32_t partition)>;
// A topic's id and partition count by name (nullopt: no such topic), for KIP-848 assignments.
using TopicLookup = std::function<std::optional<SubscribedTopic>(const std::string& topic)>;
using ConsumerHeartbeatCallback = std::function<void(msg::ConsumerGroupHeartbeatResponse)>;

class GroupCoordinator {
 public:
  GroupCoordinator(GroupConfig config, OffsetsTopic& topic, const CoordinatorClock& clock);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  const GroupConfig& config() const { return config_; }
  int32_t partition_for(std::string_view group_id) const;

  // --- membership (JoinGroup v0-9, SyncGroup v0-5, Heartbeat v0-4, LeaveGroup v0-5) ---
  void join_group(const msg::JoinGroupRequest& req, int16_t version, std::string client_id,
                  std::string client_host, JoinCallback done);
  void sync_group(const msg::SyncGroupRequest& req, int16_t version, SyncCallback done);
  msg::HeartbeatResponse heartbeat(const msg::HeartbeatRequest& req);
  msg::LeaveGroupResponse leave_group(const msg::LeaveGroupRequest& req, int16_t version);

  // --- offsets ---
  void commit_offsets(const msg::OffsetCommitRequest& req, int16_t version,
                      const PartitionExists& exists,
                      std::function<void(msg::OffsetCommitResponse)> done);
  // One group of an OffsetFetch (v8+ layout); topics nullopt: every committed offset.
  // member_id/member_epoch (v9) are checked against a KIP-848 group's members.
  using FetchTopics = std::optional<std::vector<msg::OffsetFetchRequest::OffsetFetchRequestTopics>>;
  msg::OffsetFetchResponse::OffsetFetchResponseGroup fetch_offsets(
      const std::string& group_id, const FetchTopics& topics, bool require_stable,
      const std::optional<std::string>& member_id = std::nullopt, int32_t member_epoch = -1);
  msg::OffsetDeleteResponse delete_offsets(const msg::OffsetDeleteRequest& req,
                                           const PartitionExists& exists);

  // --- KIP-848 consumer groups (group_consumer_protocol.cc) ---
  // Answered once the records of the change (consumer_group_records.h) are written to
  // __consumer_offsets, or at once when nothing changed.
  void consumer_group_heartbeat(const msg::ConsumerGroupHeartbeatRequest& req,
                                const std::string& client_id, const std::string& client_host,
                                const TopicLookup& topics, ConsumerHeartbeatCallback done);
  msg::ConsumerGroupDescribeResponse::DescribedGroup consumer_group_describe(
      const std::string& group_id);

  // --- admin ---
  msg::DescribeGroupsResponse::DescribedGroup describe_group(const std::string& group_id);
  msg::ListGroupsResponse list_groups(const msg::ListGroupsRequest& req, int16_t version);
  msg::DeleteGroupsResponse::DeletableGroupResult delete_group(const std::string& group_id);

  // Runs expired deadlines, offset expiry and pending loads. Call every few tens of ms.
  void tick();
  // Answers waiting joins and syncs with NOT_COORDINATOR and refuses further requests
  // (COORDINATOR_NOT_AVAILABLE), as Kafka does when the coordinator shuts down.
  void shutdown();

  // True once every shard this broker leads is loaded (tests, start-up logging).
  bool all_loaded();

 private:
  enum class LoadState { kUnloaded, kLoaded };
  struct Shard {
    int32_t partition = 0;
    std::mutex mu;
    LoadState load = LoadState::kUnloaded;
    // The partition's leader epoch the groups were loaded at: a different one (leadership lost
    // and regained) makes tick() unload and load them again.
    int32_t loaded_leader_epoch = -1;
    uint64_t epoch = 0;  // bumped when unloaded: append completions of an older epoch are stale
    std::map<std::string, std::unique_ptr<Group>, std::less<>> groups;
    // KIP-848 groups. Their committed offsets live in a Group of the same id in `groups`
    // (no members, state Empty), which the offset paths share with classic groups.
    std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>> consumer_groups;
  };
  using Effects = std::vector<std::function<void()>>;
  static void run(Effects& fx);

  Shard& shard_for(std::string_view group_id);
  // Kafka's validateGroupStatus: INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE,
  // COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR or NONE. Shard lock held.
  ErrorCode group_status(Shard& s, std::string_view group_id, bool allow_empty_id);
  Group* find_group(Shard& s, std::string_view group_id);
  Group& get_or_create_group(Shard& s, const std::string& group_id);
  void erase_if_unused(Shard& s, const std::string& group_id);
  int64_t now() const { return clock_.now_ms(); }

  // Appends records (key, value-or-tombstone) to the shard's partition; on_done runs under the
  // shard lock once the append completes.
  using Record = std::pair<Bytes, std::optional<Bytes>>;
  void append(Shard& s, std::vector<Record> records,
              std::function<void(ErrorCode, Effects&)> on_done);
  Record group_record(const Group& g, const std::map<std::string, Bytes>* assignment) const;

  // --- rebalance internals (group_membership.cc), shard lock held ---
  void add_member_and_rebalance(Shard& s, Group& g, Member m, JoinCallback done, Effects& fx);
  void update_member_and_rebalance(Shard& s, Group& g, Member& m, std::vector<MemberProtocol> p,
                                   int32_t rebalance_ms, int32_t session_ms, JoinCallback done,
                                   Effects& fx);
  void maybe_prepare_rebalance(Shard& s, Group& g, Effects& fx);
  void prepare_rebalance(Shard& s, Group& g, Effects& fx);
  void maybe_complete_join(Shard& s, Group& g, Effects& fx);
  void on_join_deadline(Shard& s, Group& g, Effects& fx);
  void complete_join(Shard& s, Group& g, Effects& fx);
  void remove_member_and_update(Shard& s, Group& g, const std::string& member_id, Effects& fx);
  void reset_and_propagate_assignment_error(Group& g, ErrorCode e, Effects& fx);
  void set_and_propagate_assignment(Group& g, const std::map<std::string, Bytes>& a, Effects& fx);
  msg::JoinGroupResponse current_join_response(const Group& g, const std::string& member_id,
                                               bool with_members) const;
  void check_deadlines(Shard& s, Group& g, Effects& fx);

  // --- offsets internals (group_offsets.cc), shard lock held ---
  // Kafka's cleanupGroupMetadata: drops `removed` offsets, turns an Empty group without
  // offsets Dead, writes the tombstones, forgets Dead groups.
  void cleanup_group(Shard& s, Group& g, const std::vector<TopicPartitionKey>& removed);
  void expire_offsets(Shard& s);

  // --- KIP-848 internals (group_consumer_protocol.cc), shard lock held ---
  ConsumerGroup* find_consumer_group(Shard& s, std::string_view group_id);
  // A consumer group with members owns its id: classic requests for it are refused.
  bool has_active_consumer_group(Shard& s, std::string_view group_id);
  // consumerGroupFenceMember: the member leaves, the group epoch is bumped.
  void fence_consumer_member(ConsumerGroup& g, const std::string& member_id, const char* why);
  msg::ConsumerGroupHeartbeatResponse consumer_group_heartbeat_locked(
      Shard& s, const msg::ConsumerGroupHeartbeatRequest& req, const std::string& client_id,
      const std::string& client_host, const TopicLookup& topics);
  // Session and rebalance timeouts; the fenced members' records are written.
  void check_consumer_deadlines(Shard& s, ConsumerGroup& g);
  // Writes the records from `before` to the group's current state (null: created / deleted).
  // When there is nothing to write, on_done runs at once with `fx`.
  void append_consumer_group(Shard& s, const ConsumerGroup* before, const ConsumerGroup* after,
                             Effects& fx, std::function<void(ErrorCode, Effects&)> on_done);
  // ConsumerGroup.validateOffsetCommit / validateOffsetFetch; NONE when allowed.
  ErrorCode validate_consumer_commit(ConsumerGroup& g, const std::string& member_id,
                                     int32_t member_epoch, int16_t version);
  ErrorCode validate_consumer_fetch(ConsumerGroup& g, const std::optional<std::string>& member_id,
                                    int32_t member_epoch);

  // --- loading (group_loader.cc) ---
  // Loads the shard as leader at leader_epoch (unless leadership moved on meanwhile).
  void load_shard(Shard& s, int32_t leader_epoch);
  void unload_shard(Shard& s, Effects& fx);

  GroupConfig config_;
  OffsetsTopic& topic_;
  const CoordinatorClock& clock_;
  std::atomic<bool> active_{true};
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<int64_t> last_expiry_check_ms_{0};
};

}  // namespace fjord::coordinator
