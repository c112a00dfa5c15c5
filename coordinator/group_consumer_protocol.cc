// KIP-848 consumer groups: ConsumerGroupHeartbeat and ConsumerGroupDescribe, following Kafka's
// GroupMetadataManager (consumerGroupHeartbeat, consumerGroupLeave, consumerGroupFenceMember,
// the session and rebalance timeouts) step by step; comments name the Kafka method.
//
// Every change is persisted as Kafka's consumer-group records (consumer_group_records.h) in
// __consumer_offsets and replayed when the partition is loaded (group_loader.cc), so a group
// keeps its epoch, members and assignments across a broker restart. Its committed offsets
// are persisted as for every group.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "coordinator/append_error.h"
#include "coordinator/consumer_group_records.h"
#include "coordinator/group_coordinator.h"
#include "protocol/uuid.h"

namespace fjord::coordinator {
namespace {

using HbResponse = msg::ConsumerGroupHeartbeatResponse;
using HbRequest = msg::ConsumerGroupHeartbeatRequest;

// Kafka's Uuid.randomUuid().toString() (GroupMetadataManager.consumerGroupHeartbeat).
std::string new_member_id() { return uuid_to_base64(random_uuid()); }

HbResponse hb_error(ErrorCode e, std::optional<std::string> message = std::nullopt) {
  HbResponse r;
  r.error_code = static_cast<int16_t>(e);
  r.error_message = std::move(message);
  r.member_id.reset();
  return r;
}

TopicPartitionSet from_request(const std::vector<HbRequest::TopicPartitions>& tps) {
  TopicPartitionSet out;
  for (const auto& tp : tps) out[tp.topic_id].insert(tp.partitions.begin(), tp.partitions.end());
  return out;
}

HbResponse::Assignment to_response(const TopicPartitionSet& set) {
  HbResponse::Assignment a;
  for (const auto& [t, ps] : set) {
    HbResponse::TopicPartitions tp;
    tp.topic_id = t;
    tp.partitions.assign(ps.begin(), ps.end());
    a.topic_partitions.push_back(std::move(tp));
  }
  return a;
}

bool is_subset(const std::optional<TopicPartitionSet>& owned, const TopicPartitionSet& set) {
  if (!owned) return true;
  for (const auto& [t, ps] : *owned) {
    auto it = set.find(t);
    for (int32_t p : ps) {
      if (it == set.end() || it->second.count(p) == 0) return false;
    }
  }
  return true;
}

// throwIfConsumerGroupMemberEpochIsInvalid
std::optional<std::string> member_epoch_error(const ConsumerMember& m, int32_t received,
                                              const std::optional<TopicPartitionSet>& owned) {
  if (received > m.member_epoch) {
    return "The consumer group member has a greater member epoch (" + std::to_string(received) +
           ") than the one known by the group coordinator (" + std::to_string(m.member_epoch) +
           "). The member must abandon all its partitions and rejoin.";
  }
  if (received < m.member_epoch &&
      (received != m.previous_member_epoch || !is_subset(owned, m.assigned))) {
    return "The consumer group member has a smaller member epoch (" + std::to_string(received) +
           ") than the one known by the group coordinator (" + std::to_string(m.member_epoch) +
           "). The member must abandon all its partitions and rejoin.";
  }
  return std::nullopt;
}

// A member id the group does not know.
HbResponse unknown_member(const std::string& member_id, const std::string& group_id) {
  return hb_error(ErrorCode::kUnknownMemberId,
                  "Member " + member_id + " is not a member of group " + group_id + ".");
}

// throwIfStaticMemberIsUnknown, then throwIfInstanceIdIsFenced: nullopt when `sm`, the member
// holding `instance_id`, is `member_id`.
std::optional<HbResponse> static_member_error(const ConsumerMember* sm,
                                              const std::string& instance_id,
                                              const std::string& member_id) {
  if (sm == nullptr) {
    return hb_error(ErrorCode::kUnknownMemberId, "Instance id " + instance_id + " is unknown.");
  }
  if (sm->member_id != member_id) {
    return hb_error(ErrorCode::kFencedInstanceId,
                    "Static member " + member_id + " with instance id " + instance_id +
                        " was fenced by member " + sm->member_id + ".");
  }
  return std::nullopt;
}

bool same_reconciliation(const ConsumerMember& a, const ConsumerMember& b) {
  return a.state == b.state && a.member_epoch == b.member_epoch && a.assigned == b.assigned &&
         a.pending_revocation == b.pending_revocation;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

ConsumerGroup* GroupCoordinator::find_consumer_group(Shard& s, std::string_view group_id) {
  auto it = s.consumer_groups.find(group_id);
  return it == s.consumer_groups.end() ? nullptr : it->second.get();
}

bool GroupCoordinator::has_active_consumer_group(Shard& s, std::string_view group_id) {
  ConsumerGroup* g = find_consumer_group(s, group_id);
  return g != nullptr && !g->members.empty();
}

void GroupCoordinator::fence_consumer_member(ConsumerGroup& g, const std::string& member_id,
                                             const char* why) {
  spdlog::info("[GroupId {}] Member {} fenced from the consumer group: {}", g.group_id(), member_id,
               why);
  g.remove_member(member_id);
  // The subscription metadata without the member's topics; the epoch bump makes the next
  // heartbeat compute a new target assignment.
  std::map<std::string, int> names = g.subscribed_topic_names(nullptr, nullptr);
  std::erase_if(g.subscription_metadata,
                [&](const auto& kv) { return names.count(kv.first) == 0; });
  g.group_epoch += 1;
}

void GroupCoordinator::append_consumer_group(Shard& s, const ConsumerGroup* before,
                                             const ConsumerGroup* after, Effects& fx,
                                             std::function<void(ErrorCode, Effects&)> on_done) {
  std::vector<OffsetsTopicRecord> records = consumer_group_records(before, after);
  if (records.empty()) {
    on_done(ErrorCode::kNone, fx);
    return;
  }
  append(s, std::move(records), std::move(on_done));
}

void GroupCoordinator::check_consumer_deadlines(Shard& s, ConsumerGroup& g) {
  const int64_t t = now();
  std::vector<std::pair<std::string, const char*>> fenced;
  for (const auto& [id, m] : g.members) {
    if (m.session_deadline_ms >= 0 && t >= m.session_deadline_ms) {
      fenced.emplace_back(id, "the member session expired");
    } else if (m.rebalance_deadline_ms >= 0 && t >= m.rebalance_deadline_ms &&
               m.state == ConsumerMemberState::kUnrevokedPartitions &&
               m.member_epoch == m.rebalance_deadline_epoch) {
      fenced.emplace_back(id,
                          "the member failed to revoke its partitions within the rebalance "
                          "timeout");
    }
  }
  if (fenced.empty()) return;
  const ConsumerGroup before = g;
  for (const auto& [id, why] : fenced) fence_consumer_member(g, id, why);
  Effects fx;  // nobody waits for these records
  append_consumer_group(s, &before, &g, fx, [](ErrorCode, Effects&) {});
}

// --- ConsumerGroupHeartbeat (consumerGroupHeartbeat) ---

// The change a heartbeat makes is written as records before the member hears of it. Should
// the write fail, the member gets the error (and retries) while the coordinator keeps the
// change in memory: unlike Kafka's timeline structures, nothing is rolled back.
void GroupCoordinator::consumer_group_heartbeat(const HbRequest& req, const std::string& client_id,
                                                const std::string& client_host,
                                                const TopicLookup& topics,
                                                ConsumerHeartbeatCallback done) {
  Shard& s = shard_for(req.group_id);
  Effects fx;
  {
    std::lock_guard lock(s.mu);
    std::optional<ConsumerGroup> before;
    if (ConsumerGroup* g = find_consumer_group(s, req.group_id)) before = *g;
    HbResponse r = consumer_group_heartbeat_locked(s, req, client_id, client_host, topics);
    append_consumer_group(
        s, before ? &*before : nullptr, find_consumer_group(s, req.group_id), fx,
        [r = std::move(r), done = std::move(done)](ErrorCode e, Effects& fx2) mutable {
          if (e != ErrorCode::kNone) r = hb_error(append_error(e, GroupWrite::kConsumerGroup));
          fx2.push_back([r = std::move(r), done = std::move(done)] { done(r); });
        });
  }
  run(fx);
}

msg::ConsumerGroupHeartbeatResponse GroupCoordinator::consumer_group_heartbeat_locked(
    Shard& s, const HbRequest& req, const std::string& client_id, const std::string& client_host,
    const TopicLookup& topics) {
  if (!config_.consumer_protocol_enabled) return hb_error(ErrorCode::kUnsupportedVersion);
  // throwIfConsumerGroupHeartbeatRequestIsInvalid
  auto invalid = [](const char* why) { return hb_error(ErrorCode::kInvalidRequest, why); };
  if (req.group_id.empty()) return invalid("GroupId can't be empty.");
  if (req.instance_id && req.instance_id->empty()) return invalid("InstanceId can't be empty.");
  if (req.rack_id && req.rack_id->empty()) return invalid("RackId can't be empty.");
  const int32_t epoch = req.member_epoch;
  if (epoch > 0 || epoch == kLeaveGroupMemberEpoch) {
    if (req.member_id.empty()) return invalid("MemberId can't be empty.");
  } else if (epoch == kJoinGroupMemberEpoch) {
    if (req.rebalance_timeout_ms == -1) {
      return invalid("RebalanceTimeoutMs must be provided in first request.");
    }
    if (!req.topic_partitions || !req.topic_partitions->empty()) {
      return invalid("TopicPartitions must be empty when (re-)joining.");
    }
    if (!req.subscribed_topic_names || req.subscribed_topic_names->empty()) {
      return invalid("SubscribedTopicNames must be set in first request.");
    }
  } else if (epoch == kLeaveGroupStaticMemberEpoch) {
    if (req.member_id.empty()) return invalid("MemberId can't be empty.");
    if (!req.instance_id) return invalid("InstanceId can't be null.");
  } else {
    return invalid("MemberEpoch is invalid.");
  }
  const auto& assignors = config_.consumer_assignors;
  if (req.server_assignor &&
      std::find(assignors.begin(), assignors.end(), *req.server_assignor) == assignors.end()) {
    return hb_error(ErrorCode::kUnsupportedAssignor,
                    "ServerAssignor " + *req.server_assignor +
                        " is not supported. Supported assignors: " + join(assignors) + ".");
  }

  ErrorCode status = group_status(s, req.group_id, false);
  if (status != ErrorCode::kNone) return hb_error(status);
  const std::string& group_id = req.group_id;
  ConsumerGroup* g = find_consumer_group(s, group_id);

  // --- leaving (consumerGroupLeave) ---
  if (epoch == kLeaveGroupMemberEpoch || epoch == kLeaveGroupStaticMemberEpoch) {
    if (g == nullptr) {
      return hb_error(ErrorCode::kGroupIdNotFound, "Group " + group_id + " not found.");
    }
    HbResponse r;
    r.member_id = req.member_id;
    r.member_epoch = epoch;
    if (!req.instance_id) {
      if (g->member(req.member_id) == nullptr) return unknown_member(req.member_id, group_id);
      fence_consumer_member(*g, req.member_id, "the member left the group");
      return r;
    }
    ConsumerMember* sm = g->static_member(*req.instance_id);
    if (auto error = static_member_error(sm, *req.instance_id, req.member_id)) return *error;
    if (epoch == kLeaveGroupStaticMemberEpoch) {
      // A static member leaves for a while: it keeps its partitions (epoch -2) until it
      // rejoins with a new member id or its session expires.
      ConsumerMember m = *sm;
      m.member_epoch = kLeaveGroupStaticMemberEpoch;
      m.pending_revocation.clear();
      g->update_member(m);
      spdlog::info(
          "[GroupId {}] Static member {} with instance id {} temporarily left the "
          "consumer group.",
          group_id, m.member_id, *req.instance_id);
      return r;
    }
    fence_consumer_member(*g, sm->member_id, "the static member left the group");
    return r;
  }

  // --- getOrMaybeCreateConsumerGroup ---
  const bool create = epoch == kJoinGroupMemberEpoch;
  std::unique_ptr<ConsumerGroup> created;
  if (g == nullptr) {
    Group* classic = find_group(s, group_id);
    const bool classic_in_use = classic != nullptr && !classic->is(GroupState::kDead) &&
                                (classic->size() != 0 || !classic->pending_members().empty());
    if (classic_in_use) {
      return hb_error(ErrorCode::kGroupIdNotFound,
                      "Group " + group_id + " is not a consumer group.");
    }
    if (!create) {
      return hb_error(ErrorCode::kGroupIdNotFound, "Consumer group " + group_id + " not found.");
    }
    created = std::make_unique<ConsumerGroup>(group_id);
    g = created.get();
  }
  // throwIfConsumerGroupIsFull
  if (static_cast<int64_t>(g->members.size()) >= config_.consumer_max_size &&
      (req.member_id.empty() || g->member(req.member_id) == nullptr)) {
    return hb_error(ErrorCode::kGroupMaxSizeReached,
                    "The consumer group has reached its maximum capacity of " +
                        std::to_string(config_.consumer_max_size) + " members.");
  }

  const std::string member_id = req.member_id.empty() ? new_member_id() : req.member_id;
  std::optional<TopicPartitionSet> owned;
  if (req.topic_partitions) owned = from_request(*req.topic_partitions);
  ConsumerMember member;
  if (!req.instance_id) {
    if (ConsumerMember* m = g->member(member_id)) {
      member = *m;
    } else if (create) {
      member.member_id = member_id;
      spdlog::info("[GroupId {}] Member {} joins the consumer group using the consumer protocol.",
                   group_id, member_id);
    } else {
      return unknown_member(member_id, group_id);
    }
    if (auto why = member_epoch_error(member, epoch, owned)) {
      return hb_error(ErrorCode::kFencedMemberEpoch, *why);
    }
  } else {
    ConsumerMember* sm = g->static_member(*req.instance_id);
    if (create) {
      if (sm == nullptr) {
        member.member_id = member_id;
      } else if (sm->member_id != member_id) {
        // throwIfInstanceIdIsUnreleased, then replaceMember: the rejoining static member
        // takes over the old one's assignment under its new member id.
        if (sm->member_epoch != kLeaveGroupStaticMemberEpoch) {
          return hb_error(ErrorCode::kUnreleasedInstanceId,
                          "Static member " + member_id + " with instance id " + *req.instance_id +
                              " cannot join the group because the instance id is owned by " +
                              sm->member_id + " member.");
        }
        ConsumerMember replaced = *sm;
        const std::string old_id = sm->member_id;
        auto old_target = g->target.find(old_id);
        TopicPartitionSet target =
            old_target == g->target.end() ? TopicPartitionSet{} : old_target->second;
        g->remove_member(old_id);
        replaced.member_id = member_id;
        replaced.member_epoch = 0;
        replaced.previous_member_epoch = 0;
        g->update_member(replaced);
        g->target[member_id] = std::move(target);
        member = replaced;
        spdlog::info(
            "[GroupId {}] Static member with instance id {} re-joins the consumer group "
            "as {}, replacing {}.",
            group_id, *req.instance_id, member_id, old_id);
      } else {
        member = *sm;
        if (auto why = member_epoch_error(member, epoch, owned)) {
          return hb_error(ErrorCode::kFencedMemberEpoch, *why);
        }
      }
    } else {
      if (auto error = static_member_error(sm, *req.instance_id, member_id)) return *error;
      member = *sm;
      if (auto why = member_epoch_error(member, epoch, owned)) {
        return hb_error(ErrorCode::kFencedMemberEpoch, *why);
      }
    }
  }

  // 1. Create or update the member; a changed subscription (or changed topic metadata) bumps
  // the group epoch.
  ConsumerMember updated = member;
  if (req.instance_id) updated.instance_id = req.instance_id;
  if (req.rack_id) updated.rack_id = req.rack_id;
  if (req.rebalance_timeout_ms != -1) updated.rebalance_timeout_ms = req.rebalance_timeout_ms;
  if (req.server_assignor) updated.server_assignor = req.server_assignor;
  if (req.subscribed_topic_names) {
    std::vector<std::string> subs = *req.subscribed_topic_names;
    std::sort(subs.begin(), subs.end());
    subs.erase(std::unique(subs.begin(), subs.end()), subs.end());
    updated.subscribed_topics = std::move(subs);
  }
  updated.client_id = client_id;
  updated.client_host = client_host;
  const bool known = g->member(member.member_id) != nullptr;
  bool bump = !known || updated.subscribed_topics != member.subscribed_topics;
  SubscriptionMetadata metadata;
  for (const auto& [name, n] : g->subscribed_topic_names(known ? &member : nullptr, &updated)) {
    if (auto info = topics(name)) metadata[name] = *info;
  }
  if (metadata != g->subscription_metadata) bump = true;
  int32_t group_epoch = g->group_epoch;
  if (bump) {
    group_epoch += 1;
    spdlog::info("[GroupId {}] Bumped group epoch to {}.", group_id, group_epoch);
  }

  // 2. A new target assignment for a new group epoch (updateTargetAssignment).
  if (group_epoch > g->assignment_epoch) {
    MemberSubscriptions subs;
    for (const auto& [id, m] : g->members) subs[id] = m.subscribed_topics;
    subs[updated.member_id] = updated.subscribed_topics;
    const std::string assignor = g->preferred_assignor(known ? &member : nullptr, &updated)
                                     .value_or(config_.consumer_assignors.front());
    g->target = assign_partitions(assignor, subs, metadata, g->target);
    g->assignment_epoch = group_epoch;
  }
  g->group_epoch = group_epoch;
  g->subscription_metadata = std::move(metadata);
  const TopicPartitionSet target = g->target[updated.member_id];

  // 3. Reconcile the member towards its target (maybeReconcile); a member that must revoke
  // gets its rebalance timeout to do so.
  if (!updated.reconciled_to(g->assignment_epoch)) {
    ConsumerMember next = reconcile(updated, *g, g->assignment_epoch, target, owned);
    if (!same_reconciliation(next, updated)) {
      if (next.state == ConsumerMemberState::kUnrevokedPartitions) {
        next.rebalance_deadline_ms = now() + std::max(next.rebalance_timeout_ms, 0);
        next.rebalance_deadline_epoch = next.member_epoch;
      } else {
        next.rebalance_deadline_ms = -1;
      }
    }
    updated = std::move(next);
  }
  updated.session_deadline_ms = now() + config_.consumer_session_timeout_ms;
  g->update_member(updated);
  if (created) s.consumer_groups[group_id] = std::move(created);

  HbResponse r;
  r.member_id = updated.member_id;
  r.member_epoch = updated.member_epoch;
  r.heartbeat_interval_ms = config_.consumer_heartbeat_interval_ms;
  // The assignment goes out on a full request (joining, or after an error) or when it changed.
  const bool full = epoch == 0 || (req.rebalance_timeout_ms != -1 && req.subscribed_topic_names &&
                                   req.topic_partitions);
  if (full || updated.assigned != member.assigned) r.assignment = to_response(updated.assigned);
  return r;
}

// --- ConsumerGroupDescribe (consumerGroupDescribe, ConsumerGroup.asDescribedGroup) ---

msg::ConsumerGroupDescribeResponse::DescribedGroup GroupCoordinator::consumer_group_describe(
    const std::string& group_id) {
  using Resp = msg::ConsumerGroupDescribeResponse;
  Resp::DescribedGroup out;
  out.group_id = group_id;
  if (!config_.consumer_protocol_enabled) {
    // KafkaApis.handleConsumerGroupDescribe without the consumer rebalance protocol.
    out.error_code = static_cast<int16_t>(ErrorCode::kUnsupportedVersion);
    return out;
  }
  Shard& s = shard_for(group_id);
  std::lock_guard lock(s.mu);
  ErrorCode status = group_status(s, group_id, true);
  if (status != ErrorCode::kNone) {
    out.error_code = static_cast<int16_t>(status);
    return out;
  }
  ConsumerGroup* g = find_consumer_group(s, group_id);
  if (g == nullptr) {
    out.error_code = static_cast<int16_t>(ErrorCode::kGroupIdNotFound);
    return out;
  }
  std::map<Uuid, std::string, UuidLess> names;
  for (const auto& [name, t] : g->subscription_metadata) names[t.id] = name;
  auto assignment = [&](const TopicPartitionSet& set) {
    Resp::Assignment a;
    for (const auto& [t, ps] : set) {
      Resp::TopicPartitions tp;
      tp.topic_id = t;
      auto n = names.find(t);
      tp.topic_name = n == names.end() ? "" : n->second;
      tp.partitions.assign(ps.begin(), ps.end());
      a.topic_partitions.push_back(std::move(tp));
    }
    return a;
  };
  out.group_state = consumer_group_state_name(g->state());
  out.group_epoch = g->group_epoch;
  out.assignment_epoch = g->assignment_epoch;
  out.assignor_name =
      g->preferred_assignor(nullptr, nullptr).value_or(config_.consumer_assignors.front());
  for (const auto& [id, m] : g->members) {
    Resp::Member rm;
    rm.member_id = id;
    rm.instance_id = m.instance_id;
    rm.rack_id = m.rack_id;
    rm.member_epoch = m.member_epoch;
    rm.client_id = m.client_id;
    rm.client_host = m.client_host;
    rm.subscribed_topic_names = m.subscribed_topics;
    rm.assignment = assignment(m.assigned);
    auto t = g->target.find(id);
    if (t != g->target.end()) rm.target_assignment = assignment(t->second);
    out.members.push_back(std::move(rm));
  }
  return out;
}

ErrorCode GroupCoordinator::validate_consumer_commit(ConsumerGroup& g, const std::string& member_id,
                                                     int32_t member_epoch, int16_t version) {
  // An admin client or a consumer outside group management commits to an empty group.
  if (member_epoch < 0 && g.members.empty()) return ErrorCode::kNone;
  ConsumerMember* m = g.member(member_id);
  if (m == nullptr) return ErrorCode::kUnknownMemberId;
  if (version < 9) return ErrorCode::kUnsupportedVersion;
  if (member_epoch != m->member_epoch) return ErrorCode::kStaleMemberEpoch;
  return ErrorCode::kNone;
}

ErrorCode GroupCoordinator::validate_consumer_fetch(ConsumerGroup& g,
                                                    const std::optional<std::string>& member_id,
                                                    int32_t member_epoch) {
  if (!member_id && member_epoch < 0) return ErrorCode::kNone;
  ConsumerMember* m = member_id ? g.member(*member_id) : nullptr;
  if (m == nullptr) return ErrorCode::kUnknownMemberId;
  if (member_epoch != m->member_epoch) return ErrorCode::kStaleMemberEpoch;
  return ErrorCode::kNone;
}

}  // namespace fjord::coordinator
