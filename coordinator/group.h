// A Group is one classic consumer group (Kafka's GroupMetadata): its state, generation,
// members, chosen protocol and committed offsets. It is plain data plus the small decisions
// that depend only on it (protocol selection, "has everyone rejoined"); the protocol flows
// that change it live in GroupCoordinator. The coordinator never looks inside assignments;
// it reads subscriptions only of protocol type "consumer", for OffsetDelete and offset expiry
// (as Kafka does).
//
// States (Kafka's GroupState): Empty -> PreparingRebalance -> CompletingRebalance -> Stable,
// back to PreparingRebalance on any membership change, and Dead once deleted or unloaded.
//
// Thread-safety: none; a Group is guarded by the mutex of its __consumer_offsets shard.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/group_records.h"
#include "protocol/error_code.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/sync_group.h"

namespace fjord::coordinator {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view group_state_name(GroupState state);

using JoinCallback = std::function<void(msg::JoinGroupResponse)>;
using SyncCallback = std::function<void(msg::SyncGroupResponse)>;

struct MemberProtocol {
  std::string name;
  Bytes metadata;
};

struct Member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<MemberProtocol> protocols;  // in the member's order of preference
  Bytes assignment;
  int64_t last_heartbeat_ms = 0;
  JoinCallback awaiting_join;  // set while the member waits for the join phase to end
  SyncCallback awaiting_sync;  // set while the member waits for the leader's assignment

  const Bytes* metadata_for(std::string_view protocol) const;
};

struct TopicPartitionKey {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartitionKey&) const = default;
};

class Group {
 public:
  explicit Group(std::string group_id, int64_t now_ms)
      : group_id_(std::move(group_id)), current_state_timestamp_(now_ms) {}

  const std::string& group_id() const { return group_id_; }
  GroupState state() const { return state_; }
  bool is(GroupState s) const { return state_ == s; }
  void transition_to(GroupState s, int64_t now_ms);
  int64_t current_state_timestamp() const { return current_state_timestamp_; }

  int32_t generation() const { return generation_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::string& leader_id() const { return leader_id_; }
  bool is_leader(std::string_view member_id) const { return leader_id_ == member_id; }
  void set_leader(std::string member_id) { leader_id_ = std::move(member_id); }

  // --- members ---
  std::map<std::string, Member>& members() { return members_; }
  const std::map<std::string, Member>& members() const { return members_; }
  Member* member(const std::string& member_id);
  bool has(const std::string& member_id) const { return members_.count(member_id) != 0; }
  size_t size() const { return members_.size(); }
  void add(Member m);
  void remove(const std::string& member_id);
  // KIP-345: the member id currently holding a group.instance.id.
  const std::string* static_member_id(const std::string& instance_id) const;
  // KIP-345: a request naming an instance id whose current member id differs is fenced.
  bool is_static_member_fenced(const std::optional<std::string>& instance_id,
                               const std::string& member_id) const;
  // The member checks of SyncGroup, Heartbeat and a member's OffsetCommit (Kafka's
  // handleSyncGroup, handleHeartbeat, validateOffsetCommit): COORDINATOR_NOT_AVAILABLE for a
  // dead group, FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, in that order; kNone
  // when `member_id` is a member of this generation.
  ErrorCode member_error(const std::string& member_id,
                         const std::optional<std::string>& instance_id, int32_t generation) const;
  // The static member `old_id` continues as `new_id` (a restarted static member rejoining).
  void replace_static_member(const std::string& instance_id, const std::string& old_id,
                             const std::string& new_id);

  // KIP-394: ids handed out with MEMBER_ID_REQUIRED, waiting for the member's second join,
  // with the time they expire (the member's session timeout).
  std::map<std::string, int64_t>& pending_members() { return pending_members_; }
  // Members the join phase still waits for (Kafka's pendingSyncMembers after join).
  std::set<std::string>& pending_sync() { return pending_sync_; }

  int num_awaiting_join() const;
  // Every member (and no pending one) has rejoined: the join phase can end early.
  bool all_members_joined() const;
  // Join preconditions (Kafka's supportsProtocols): same protocol type, and at least one
  // protocol every member (the new one included) supports.
  bool supports_protocols(std::string_view type, const std::vector<MemberProtocol>& p) const;
  // The protocol most members prefer among those all support (Kafka's selectProtocol).
  std::string select_protocol() const;
  // Ends the join phase: generation + 1, protocol chosen, CompletingRebalance (or Empty).
  void init_next_generation(int64_t now_ms);
  void clear_assignments();

  // --- rebalance timing (deadlines in ms; -1: none) ---
  int64_t join_deadline_ms = -1;
  bool initial_join = false;             // group.initial.rebalance.delay.ms phase
  int64_t initial_remaining_ms = 0;      // of the rebalance timeout, for further delays
  bool new_member_added = false;         // a member joined during the initial delay
  int64_t sync_deadline_ms = -1;         // CompletingRebalance/Stable: pending syncs expire
  int32_t rebalance_timeout_ms() const;  // the largest of the members'

  // --- offsets ---
  std::map<TopicPartitionKey, CommittedOffset>& offsets() { return offsets_; }
  // In-flight (appended, not yet committed) commits per partition: OffsetFetch with
  // require_stable answers UNSTABLE_OFFSET_COMMIT for them.
  std::map<TopicPartitionKey, int>& pending_offset_commits() { return pending_commits_; }
  bool has_offsets() const { return !offsets_.empty() || !pending_commits_.empty(); }
  // Topics the members subscribe to, when every member speaks protocol type "consumer" and
  // the selected protocol's subscription decodes; nullopt otherwise.
  std::optional<std::set<std::string>> subscribed_topics() const;

  // The record that persists this group (GroupMetadataValue v3).
  msg::GroupMetadataValue to_record(int64_t now_ms) const;
  // Rebuilds a loaded group: Empty when it has no members, else Stable.
  void load_from_record(const msg::GroupMetadataValue& v, int64_t now_ms);

  // DescribeGroups summary (members' metadata and assignments only when Stable).
  msg::DescribeGroupsResponse::DescribedGroup describe() const;

 private:
  std::string group_id_;
  GroupState state_ = GroupState::kEmpty;
  int64_t current_state_timestamp_ = -1;
  int32_t generation_ = 0;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::string leader_id_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::map<std::string, int64_t> pending_members_;
  std::set<std::string> pending_sync_;
  std::map<TopicPartitionKey, CommittedOffset> offsets_;
  std::map<TopicPartitionKey, int> pending_commits_;
};

}  // namespace fjord::coordinator
