#include "coordinator/consumer_group_records.h"

#include <algorithm>

#include "coordinator/group_records.h"
#include "protocol/generated/consumer_group_record.h"

namespace fjord::coordinator {
namespace {

constexpr int16_t kGroupEpochKey = 3;
constexpr int16_t kPartitionMetadataKey = 4;
constexpr int16_t kMemberMetadataKey = 5;
constexpr int16_t kTargetEpochKey = 6;
constexpr int16_t kTargetMemberKey = 7;
constexpr int16_t kCurrentAssignmentKey = 8;
constexpr int16_t kValueVersion = 0;

// MemberState values in ConsumerGroupCurrentMemberAssignmentValue.State.
int8_t state_value(ConsumerMemberState s) {
  switch (s) {
    case ConsumerMemberState::kStable:
      return 0;
    case ConsumerMemberState::kUnrevokedPartitions:
      return 1;
    case ConsumerMemberState::kUnreleasedPartitions:
      return 2;
  }
  return 127;  // UNKNOWN
}

ConsumerMemberState state_from(int8_t v) {
  if (v == 1) return ConsumerMemberState::kUnrevokedPartitions;
  if (v == 2) return ConsumerMemberState::kUnreleasedPartitions;
  return ConsumerMemberState::kStable;
}

template <typename Key>
Bytes group_key(const std::string& group, int16_t version) {
  Key k;
  k.group_id = group;
  return encode_versioned(k, version);
}

template <typename Key>
Bytes member_key(const std::string& group, const std::string& member, int16_t version) {
  Key k;
  k.group_id = group;
  k.member_id = member;
  return encode_versioned(k, version);
}

template <typename TopicPartitions>
std::vector<TopicPartitions> to_record(const TopicPartitionSet& set) {
  std::vector<TopicPartitions> out;
  for (const auto& [t, ps] : set) {
    TopicPartitions tp;
    tp.topic_id = t;
    tp.partitions.assign(ps.begin(), ps.end());
    out.push_back(std::move(tp));
  }
  return out;
}

template <typename TopicPartitions>
TopicPartitionSet from_record(const std::vector<TopicPartitions>& tps) {
  TopicPartitionSet out;
  for (const auto& tp : tps) {
    if (!tp.partitions.empty()) out[tp.topic_id].insert(tp.partitions.begin(), tp.partitions.end());
  }
  return out;
}

bool same_subscription(const ConsumerMember& a, const ConsumerMember& b) {
  return a.instance_id == b.instance_id && a.rack_id == b.rack_id && a.client_id == b.client_id &&
         a.client_host == b.client_host && a.subscribed_topics == b.subscribed_topics &&
         a.rebalance_timeout_ms == b.rebalance_timeout_ms && a.server_assignor == b.server_assignor;
}

bool same_current_assignment(const ConsumerMember& a, const ConsumerMember& b) {
  return a.member_epoch == b.member_epoch && a.previous_member_epoch == b.previous_member_epoch &&
         a.state == b.state && a.assigned == b.assigned &&
         a.pending_revocation == b.pending_revocation;
}

OffsetsTopicRecord subscription_record(const std::string& group, const ConsumerMember& m) {
  msg::ConsumerGroupMemberMetadataValue v;
  v.instance_id = m.instance_id;
  v.rack_id = m.rack_id;
  v.client_id = m.client_id;
  v.client_host = m.client_host;
  v.subscribed_topic_names = m.subscribed_topics;
  v.subscribed_topic_regex = std::nullopt;
  v.rebalance_timeout_ms = m.rebalance_timeout_ms;
  v.server_assignor = m.server_assignor;
  return {member_key<msg::ConsumerGroupMemberMetadataKey>(group, m.member_id, kMemberMetadataKey),
          encode_versioned(v, kValueVersion)};
}

OffsetsTopicRecord partition_metadata_record(const std::string& group,
                                             const SubscriptionMetadata& metadata) {
  msg::ConsumerGroupPartitionMetadataValue v;
  for (const auto& [name, t] : metadata) {
    msg::ConsumerGroupPartitionMetadataValue::TopicMetadata tm;
    tm.topic_id = t.id;
    tm.topic_name = name;
    tm.num_partitions = t.partitions;
    // No rack information: Kafka stores an empty list then.
    v.topics.push_back(std::move(tm));
  }
  return {group_key<msg::ConsumerGroupPartitionMetadataKey>(group, kPartitionMetadataKey),
          encode_versioned(v, kValueVersion)};
}

OffsetsTopicRecord group_epoch_record(const std::string& group, int32_t epoch) {
  msg::ConsumerGroupMetadataValue v;
  v.epoch = epoch;
  return {group_key<msg::ConsumerGroupMetadataKey>(group, kGroupEpochKey),
          encode_versioned(v, kValueVersion)};
}

OffsetsTopicRecord target_record(const std::string& group, const std::string& member,
                                 const TopicPartitionSet& target) {
  msg::ConsumerGroupTargetAssignmentMemberValue v;
  v.topic_partitions =
      to_record<msg::ConsumerGroupTargetAssignmentMemberValue::TopicPartition>(target);
  return {member_key<msg::ConsumerGroupTargetAssignmentMemberKey>(group, member, kTargetMemberKey),
          encode_versioned(v, kValueVersion)};
}

OffsetsTopicRecord target_epoch_record(const std::string& group, int32_t epoch) {
  msg::ConsumerGroupTargetAssignmentMetadataValue v;
  v.assignment_epoch = epoch;
  return {group_key<msg::ConsumerGroupTargetAssignmentMetadataKey>(group, kTargetEpochKey),
          encode_versioned(v, kValueVersion)};
}

OffsetsTopicRecord current_assignment_record(const std::string& group, const ConsumerMember& m) {
  using V = msg::ConsumerGroupCurrentMemberAssignmentValue;
  V v;
  v.member_epoch = m.member_epoch;
  v.previous_member_epoch = m.previous_member_epoch;
  v.state = state_value(m.state);
  v.assigned_partitions = to_record<V::TopicPartitions>(m.assigned);
  v.partitions_pending_revocation = to_record<V::TopicPartitions>(m.pending_revocation);
  return {member_key<msg::ConsumerGroupCurrentMemberAssignmentKey>(group, m.member_id,
                                                                   kCurrentAssignmentKey),
          encode_versioned(v, kValueVersion)};
}

// GroupMetadataManager.removeMember: the order matters to Kafka's replay.
void member_tombstones(const std::string& group, const std::string& member,
                       std::vector<OffsetsTopicRecord>& out) {
  out.emplace_back(member_key<msg::ConsumerGroupCurrentMemberAssignmentKey>(group, member,
                                                                            kCurrentAssignmentKey),
                   std::nullopt);
  out.emplace_back(
      member_key<msg::ConsumerGroupTargetAssignmentMemberKey>(group, member, kTargetMemberKey),
      std::nullopt);
  out.emplace_back(
      member_key<msg::ConsumerGroupMemberMetadataKey>(group, member, kMemberMetadataKey),
      std::nullopt);
}

// ConsumerGroup.createGroupTombstoneRecords
std::vector<OffsetsTopicRecord> group_tombstones(const ConsumerGroup& g) {
  const std::string& id = g.group_id();
  std::vector<OffsetsTopicRecord> out;
  for (const auto& [mid, m] : g.members) {
    out.emplace_back(
        member_key<msg::ConsumerGroupCurrentMemberAssignmentKey>(id, mid, kCurrentAssignmentKey),
        std::nullopt);
  }
  for (const auto& [mid, m] : g.members) {
    out.emplace_back(
        member_key<msg::ConsumerGroupTargetAssignmentMemberKey>(id, mid, kTargetMemberKey),
        std::nullopt);
  }
  out.emplace_back(group_key<msg::ConsumerGroupTargetAssignmentMetadataKey>(id, kTargetEpochKey),
                   std::nullopt);
  for (const auto& [mid, m] : g.members) {
    out.emplace_back(member_key<msg::ConsumerGroupMemberMetadataKey>(id, mid, kMemberMetadataKey),
                     std::nullopt);
  }
  out.emplace_back(group_key<msg::ConsumerGroupPartitionMetadataKey>(id, kPartitionMetadataKey),
                   std::nullopt);
  out.emplace_back(group_key<msg::ConsumerGroupMetadataKey>(id, kGroupEpochKey), std::nullopt);
  return out;
}

template <typename Message>
bool decode_value(std::optional<ByteView> value, std::optional<Message>& out) {
  if (!value) return true;
  Message m;
  if (!decode_versioned(*value, m)) return false;
  out = std::move(m);
  return true;
}

}  // namespace

std::vector<OffsetsTopicRecord> consumer_group_records(const ConsumerGroup* before,
                                                       const ConsumerGroup* after) {
  if (after == nullptr)
    return before == nullptr ? std::vector<OffsetsTopicRecord>{} : group_tombstones(*before);
  const std::string& id = after->group_id();
  static const ConsumerGroup kNone("");
  const ConsumerGroup& old = before == nullptr ? kNone : *before;
  std::vector<OffsetsTopicRecord> out;
  for (const auto& [mid, m] : old.members) {
    if (after->members.count(mid) == 0) member_tombstones(id, mid, out);
  }
  for (const auto& [mid, m] : after->members) {
    auto it = old.members.find(mid);
    if (it == old.members.end() || !same_subscription(it->second, m)) {
      out.push_back(subscription_record(id, m));
    }
  }
  if (after->subscription_metadata != old.subscription_metadata) {
    out.push_back(partition_metadata_record(id, after->subscription_metadata));
  }
  if (before == nullptr || after->group_epoch != old.group_epoch) {
    out.push_back(group_epoch_record(id, after->group_epoch));
  }
  for (const auto& [mid, t] : after->target) {
    auto it = old.target.find(mid);
    if (it == old.target.end() || it->second != t) out.push_back(target_record(id, mid, t));
  }
  for (const auto& [mid, t] : old.target) {
    // A removed member's target tombstone is already written with its other tombstones.
    if (after->target.count(mid) == 0 && after->members.count(mid) != 0) {
      out.emplace_back(
          member_key<msg::ConsumerGroupTargetAssignmentMemberKey>(id, mid, kTargetMemberKey),
          std::nullopt);
    }
  }
  if (before == nullptr || after->assignment_epoch != old.assignment_epoch) {
    out.push_back(target_epoch_record(id, after->assignment_epoch));
  }
  for (const auto& [mid, m] : after->members) {
    auto it = old.members.find(mid);
    if (it == old.members.end() || !same_current_assignment(it->second, m)) {
      out.push_back(current_assignment_record(id, m));
    }
  }
  return out;
}

bool is_consumer_group_key(ByteView key) {
  if (key.size() < 2) return false;
  Reader r(key);
  const int16_t version = r.read_int16();
  return version >= kGroupEpochKey && version <= kCurrentAssignmentKey;
}

ErrorCode ConsumerGroupReplay::apply(ByteView key, std::optional<ByteView> value) {
  Reader r(key);
  const int16_t version = r.read_int16();
  if (!r.ok()) return ErrorCode::kInvalidRecord;
  auto decode_key = [&](auto& k) { return k.decode(r, version) == DecodeError::kNone; };
  switch (version) {
    case kGroupEpochKey: {
      msg::ConsumerGroupMetadataKey k;
      std::optional<msg::ConsumerGroupMetadataValue> v;
      if (!decode_key(k) || !decode_value(value, v)) return ErrorCode::kInvalidRecord;
      if (v) {
        groups_[k.group_id].epoch = v->epoch;
      } else {
        groups_.erase(k.group_id);  // the group is deleted
      }
      return ErrorCode::kNone;
    }
    case kPartitionMetadataKey: {
      msg::ConsumerGroupPartitionMetadataKey k;
      std::optional<msg::ConsumerGroupPartitionMetadataValue> v;
      if (!decode_key(k) || !decode_value(value, v)) return ErrorCode::kInvalidRecord;
      SubscriptionMetadata metadata;
      if (v) {
        for (const auto& t : v->topics) {
          metadata[t.topic_name] = SubscribedTopic{t.topic_id, t.topic_name, t.num_partitions};
        }
      }
      groups_[k.group_id].metadata = std::move(metadata);
      return ErrorCode::kNone;
    }
    case kMemberMetadataKey: {
      msg::ConsumerGroupMemberMetadataKey k;
      std::optional<msg::ConsumerGroupMemberMetadataValue> v;
      if (!decode_key(k) || !decode_value(value, v)) return ErrorCode::kInvalidRecord;
      PersistedGroup& g = groups_[k.group_id];
      if (!v) {
        g.members.erase(k.member_id);
        return ErrorCode::kNone;
      }
      PersistedMember& m = g.members[k.member_id];
      m.subscribed = true;
      m.member.member_id = k.member_id;
      m.member.instance_id = v->instance_id;
      m.member.rack_id = v->rack_id;
      m.member.client_id = v->client_id;
      m.member.client_host = v->client_host;
      m.member.subscribed_topics = v->subscribed_topic_names;
      std::sort(m.member.subscribed_topics.begin(), m.member.subscribed_topics.end());
      m.member.rebalance_timeout_ms = v->rebalance_timeout_ms;
      m.member.server_assignor = v->server_assignor;
      return ErrorCode::kNone;
    }
    case kTargetEpochKey: {
      msg::ConsumerGroupTargetAssignmentMetadataKey k;
      std::optional<msg::ConsumerGroupTargetAssignmentMetadataValue> v;
      if (!decode_key(k) || !decode_value(value, v)) return ErrorCode::kInvalidRecord;
      groups_[k.group_id].assignment_epoch = v ? v->assignment_epoch : -1;
      return ErrorCode::kNone;
    }
    case kTargetMemberKey: {
      msg::ConsumerGroupTargetAssignmentMemberKey k;
      std::optional<msg::ConsumerGroupTargetAssignmentMemberValue> v;
      if (!decode_key(k) || !decode_value(value, v)) return ErrorCode::kInvalidRecord;
      PersistedGroup& g = groups_[k.group_id];
      if (v) {
        g.target[k.member_id] = from_record(v->topic_partitions);
      } else {
        g.target.erase(k.member_id);
      }
      return ErrorCode::kNone;
    }
    case kCurrentAssignmentKey: {
      msg::ConsumerGroupCurrentMemberAssignmentKey k;
      std::optional<msg::ConsumerGroupCurrentMemberAssignmentValue> v;
      if (!decode_key(k) || !decode_value(value, v)) return ErrorCode::kInvalidRecord;
      PersistedGroup& g = groups_[k.group_id];
      PersistedMember& m = g.members[k.member_id];
      m.member.member_id = k.member_id;
      if (v) {
        m.member.member_epoch = v->member_epoch;
        m.member.previous_member_epoch = v->previous_member_epoch;
        m.member.state = state_from(v->state);
        m.member.assigned = from_record(v->assigned_partitions);
        m.member.pending_revocation = from_record(v->partitions_pending_revocation);
      } else {
        // Kafka resets the member to epoch -1 without partitions until its subscription
        // tombstone removes it.
        m.member.member_epoch = kLeaveGroupMemberEpoch;
        m.member.previous_member_epoch = kLeaveGroupMemberEpoch;
        m.member.state = ConsumerMemberState::kStable;
        m.member.assigned.clear();
        m.member.pending_revocation.clear();
      }
      return ErrorCode::kNone;
    }
    default:
      return ErrorCode::kInvalidRecord;
  }
}

std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>> ConsumerGroupReplay::take() {
  std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>> out;
  for (auto& [id, pg] : groups_) {
    if (!pg.epoch) continue;  // records of a group deleted later, or an incomplete one
    auto g = std::make_unique<ConsumerGroup>(id);
    g->group_epoch = *pg.epoch;
    g->assignment_epoch = std::max(pg.assignment_epoch, 0);
    g->subscription_metadata = std::move(pg.metadata);
    for (auto& [mid, m] : pg.members) {
      if (m.subscribed) g->update_member(m.member);
    }
    for (auto& [mid, t] : pg.target) {
      if (g->member(mid) != nullptr) g->target[mid] = std::move(t);
    }
    out.emplace(id, std::move(g));
  }
  groups_.clear();
  return out;
}

}  // namespace fjord::coordinator
