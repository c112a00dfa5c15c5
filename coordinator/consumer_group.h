// A ConsumerGroup is one KIP-848 consumer group (Kafka's modern/consumer/ConsumerGroup): members
// that heartbeat with ConsumerGroupHeartbeat, a group epoch bumped on every membership or
// subscription change, a target assignment computed by a server-side assignor for that epoch,
// and each member's current assignment, reconciled towards its target one step per heartbeat
// (CurrentAssignmentBuilder): a partition is revoked from its owner before it is assigned to
// another member (partition epochs say who still owns what).
//
// Plain data plus the decisions that depend only on it; GroupCoordinator drives it
// (coordinator/group_consumer_protocol.cc). Thread-safety: none; guarded by the shard mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "protocol/wire.h"

namespace fjord::coordinator {

struct UuidLess {
  bool operator()(const Uuid& a, const Uuid& b) const { return a.bytes < b.bytes; }
};
// topic id -> partitions
using TopicPartitionSet = std::map<Uuid, std::set<int32_t>, UuidLess>;

// What the group knows of a subscribed topic (Kafka's TopicMetadata).
struct SubscribedTopic {
  Uuid id;
  std::string name;
  int32_t partitions = 0;
  friend bool operator==(const SubscribedTopic&, const SubscribedTopic&) = default;
};
// topic name -> metadata, for the topics some member subscribes to that exist.
using SubscriptionMetadata = std::map<std::string, SubscribedTopic>;

// KIP-848 member epochs in requests.
inline constexpr int32_t kJoinGroupMemberEpoch = 0;
inline constexpr int32_t kLeaveGroupMemberEpoch = -1;
inline constexpr int32_t kLeaveGroupStaticMemberEpoch = -2;

enum class ConsumerMemberState { kStable, kUnrevokedPartitions, kUnreleasedPartitions };
enum class ConsumerGroupState { kEmpty, kAssigning, kReconciling, kStable };

// Kafka's names: "Empty", "Assigning", "Reconciling", "Stable".
std::string_view consumer_group_state_name(ConsumerGroupState state);

struct ConsumerMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topics;  // sorted, distinct
  std::optional<std::string> server_assignor;
  int32_t rebalance_timeout_ms = -1;
  int32_t member_epoch = 0;
  int32_t previous_member_epoch = -1;
  ConsumerMemberState state = ConsumerMemberState::kStable;
  TopicPartitionSet assigned;
  TopicPartitionSet pending_revocation;
  // Deadlines (ms; -1: none): the session, and the revocation while kUnrevokedPartitions.
  int64_t session_deadline_ms = -1;
  int64_t rebalance_deadline_ms = -1;
  int32_t rebalance_deadline_epoch = -1;

  bool reconciled_to(int32_t epoch) const {
    return state == ConsumerMemberState::kStable && member_epoch == epoch;
  }
};

// A server-side assignor (Kafka's ConsumerGroupPartitionAssignor): "uniform" or "range".
// members: member id -> subscribed topic names; current: the previous target assignment (the
// uniform assignor keeps what it can). Returns member id -> partitions (every member present).
using MemberSubscriptions = std::map<std::string, std::vector<std::string>>;
std::map<std::string, TopicPartitionSet> assign_partitions(
    std::string_view assignor, const MemberSubscriptions& members,
    const SubscriptionMetadata& topics, const std::map<std::string, TopicPartitionSet>& current);

class ConsumerGroup {
 public:
  explicit ConsumerGroup(std::string group_id) : group_id_(std::move(group_id)) {}

  const std::string& group_id() const { return group_id_; }
  ConsumerGroupState state() const;

  int32_t group_epoch = 0;
  int32_t assignment_epoch = 0;
  std::map<std::string, ConsumerMember> members;
  std::map<std::string, std::string> static_members;  // instance id -> member id
  std::map<std::string, TopicPartitionSet> target;    // member id -> target assignment
  SubscriptionMetadata subscription_metadata;

  ConsumerMember* member(const std::string& id);
  ConsumerMember* static_member(const std::string& instance_id);
  // Adds or replaces a member, keeping the partition epochs and static ids in step.
  void update_member(const ConsumerMember& m);
  void remove_member(const std::string& id);
  // The epoch of the member that owns (or is revoking) the partition; -1 when free.
  int32_t partition_epoch(const Uuid& topic, int32_t partition) const;

  // Topic name -> number of members subscribing, with `old_member` replaced by `new_member`
  // (either may be null).
  std::map<std::string, int> subscribed_topic_names(const ConsumerMember* old_member,
                                                    const ConsumerMember* new_member) const;
  // The assignor most members asked for (Kafka's computePreferredServerAssignor).
  std::optional<std::string> preferred_assignor(const ConsumerMember* old_member,
                                                const ConsumerMember* new_member) const;

 private:
  void add_partition_epochs(const TopicPartitionSet& p, int32_t epoch);
  void remove_partition_epochs(const TopicPartitionSet& p);

  std::string group_id_;
  std::map<std::pair<Uuid, int32_t>, int32_t,
           bool (*)(const std::pair<Uuid, int32_t>&, const std::pair<Uuid, int32_t>&)>
      partition_epochs_{[](const std::pair<Uuid, int32_t>& a, const std::pair<Uuid, int32_t>& b) {
        return std::tie(a.first.bytes, a.second) < std::tie(b.first.bytes, b.second);
      }};
};

// Kafka's CurrentAssignmentBuilder: the member's next state towards the target assignment,
// given what it reports it owns (nullopt: not reported in this heartbeat). nullopt result
// for an unknown state is not possible here; the member is returned unchanged when it must
// wait.
ConsumerMember reconcile(const ConsumerMember& member, const ConsumerGroup& group,
                         int32_t target_epoch, const TopicPartitionSet& target,
                         const std::optional<TopicPartitionSet>& owned);

}  // namespace fjord::coordinator
