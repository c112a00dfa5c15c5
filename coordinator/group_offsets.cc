// OffsetCommit / OffsetFetch / OffsetDelete and offset expiry, as Kafka's GroupCoordinator
// (handleCommitOffsets, handleFetchOffsets, handleDeleteOffsets) and GroupMetadataManager
// (storeOffsets, getOffsets, cleanupGroupMetadata, removeExpiredOffsets).
#include "coordinator/append_error.h"
#include "coordinator/group_coordinator.h"

namespace fjord::coordinator {

void GroupCoordinator::commit_offsets(const msg::OffsetCommitRequest& req, int16_t version,
                                      const PartitionExists& exists,
                                      std::function<void(msg::OffsetCommitResponse)> done) {
  // The response mirrors the request; errors are filled in per partition.
  msg::OffsetCommitResponse resp;
  for (const auto& t : req.topics) {
    msg::OffsetCommitResponse::OffsetCommitResponseTopic rt;
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      msg::OffsetCommitResponse::OffsetCommitResponsePartition rp;
      rp.partition_index = p.partition_index;
      rp.error_code = exists(t.name, p.partition_index)
                          ? 0
                          : static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  auto fill = [&resp](ErrorCode e) {
    for (auto& t : resp.topics) {
      for (auto& p : t.partitions) {
        if (p.error_code == 0) p.error_code = static_cast<int16_t>(e);
      }
    }
  };

  Shard& s = shard_for(req.group_id);
  Effects fx;
  {
    std::lock_guard lock(s.mu);
    ErrorCode status = group_status(s, req.group_id, true);
    Group* g = status == ErrorCode::kNone ? find_group(s, req.group_id) : nullptr;
    const int32_t generation = req.generation_id_or_member_epoch;
    ErrorCode e = status;
    ConsumerGroup* modern =
        status == ErrorCode::kNone ? find_consumer_group(s, req.group_id) : nullptr;
    if (modern != nullptr) {
      // A KIP-848 group: member epochs instead of generations; the offsets are kept in the
      // memberless Group of the same id.
      e = validate_consumer_commit(*modern, req.member_id, generation, version);
      if (e == ErrorCode::kNone && g == nullptr) g = &get_or_create_group(s, req.group_id);
    } else if (e == ErrorCode::kNone && g == nullptr) {
      // A group that does not use Kafka's group management commits with generation -1.
      if (generation < 0) {
        g = &get_or_create_group(s, req.group_id);
      } else {
        e = ErrorCode::kIllegalGeneration;
      }
    }
    if (e == ErrorCode::kNone && modern == nullptr) {
      // validateOffsetCommit
      if (g->is(GroupState::kDead)) {
        e = ErrorCode::kCoordinatorNotAvailable;
      } else if (generation >= 0 || !req.member_id.empty() || req.group_instance_id) {
        e = g->member_error(req.member_id, req.group_instance_id, generation);
      } else if (!g->is(GroupState::kEmpty)) {
        // Only members commit for a group with members.
        e = ErrorCode::kUnknownMemberId;
      }
    }
    if (e == ErrorCode::kNone && g->is(GroupState::kCompletingRebalance)) {
      e = ErrorCode::kRebalanceInProgress;
    }
    if (e != ErrorCode::kNone) {
      fill(e);
      if (g != nullptr) erase_if_unused(s, req.group_id);
      fx.push_back([done, resp] { done(resp); });
    } else {
      if (Member* m = g->member(req.member_id)) m->last_heartbeat_ms = now();
      const int64_t t = now();
      std::vector<Record> records;
      std::vector<std::pair<TopicPartitionKey, CommittedOffset>> pending;
      for (size_t ti = 0; ti < req.topics.size(); ++ti) {
        const auto& topic = req.topics[ti];
        for (size_t pi = 0; pi < topic.partitions.size(); ++pi) {
          const auto& p = topic.partitions[pi];
          auto& rp = resp.topics[ti].partitions[pi];
          if (rp.error_code != 0) continue;
          const std::string metadata = p.committed_metadata.value_or("");
          if (static_cast<int64_t>(metadata.size()) > config_.offset_metadata_max_bytes) {
            rp.error_code = static_cast<int16_t>(ErrorCode::kOffsetMetadataTooLarge);
            continue;
          }
          CommittedOffset c;
          c.offset = p.committed_offset;
          c.leader_epoch = version >= 6 ? p.committed_leader_epoch : -1;
          c.metadata = metadata;
          // v1 may carry the commit time; v2-v4 a retention time (an explicit expiry).
          c.commit_timestamp = version == 1 && p.commit_timestamp != -1 ? p.commit_timestamp : t;
          if (version >= 2 && version <= 4 && req.retention_time_ms != -1) {
            c.expire_timestamp = t + req.retention_time_ms;
          }
          records.emplace_back(offset_commit_key(req.group_id, topic.name, p.partition_index),
                               offset_commit_value(c));
          pending.emplace_back(TopicPartitionKey{topic.name, p.partition_index}, std::move(c));
        }
      }
      if (records.empty()) {
        fx.push_back([done, resp] { done(resp); });
      } else {
        for (const auto& [tp, c] : pending) ++g->pending_offset_commits()[tp];
        append(s, std::move(records),
               [this, group_id = req.group_id, pending = std::move(pending), resp, done](
                   ErrorCode e, Effects& fx2) mutable {
                 Group* g2 = find_group(shard_for(group_id), group_id);
                 for (const auto& [tp, c] : pending) {
                   if (g2 == nullptr) break;
                   auto it = g2->pending_offset_commits().find(tp);
                   if (it != g2->pending_offset_commits().end() && --it->second <= 0) {
                     g2->pending_offset_commits().erase(it);
                   }
                   if (e == ErrorCode::kNone) g2->offsets()[tp] = c;
                 }
                 if (e != ErrorCode::kNone) {
                   ErrorCode mapped = append_error(e, GroupWrite::kOffsetCommit);
                   for (auto& t : resp.topics) {
                     for (auto& p : t.partitions) {
                       if (p.error_code == 0) p.error_code = static_cast<int16_t>(mapped);
                     }
                   }
                 }
                 fx2.push_back([done, resp] { done(resp); });
               });
      }
    }
  }
  run(fx);
}

msg::OffsetFetchResponse::OffsetFetchResponseGroup GroupCoordinator::fetch_offsets(
    const std::string& group_id, const FetchTopics& topics, bool require_stable,
    const std::optional<std::string>& member_id, int32_t member_epoch) {
  msg::OffsetFetchResponse::OffsetFetchResponseGroup out;
  out.group_id = group_id;
  auto add = [&out](const std::string& topic, int32_t partition, const CommittedOffset* c,
                    ErrorCode e) {
    if (out.topics.empty() || out.topics.back().name != topic) {
      msg::OffsetFetchResponse::OffsetFetchResponseTopics t;
      t.name = topic;
      out.topics.push_back(std::move(t));
    }
    msg::OffsetFetchResponse::OffsetFetchResponsePartitions p;
    p.partition_index = partition;
    p.committed_offset = c ? c->offset : -1;
    p.committed_leader_epoch = c ? c->leader_epoch : -1;
    p.metadata = c ? c->metadata : "";
    p.error_code = static_cast<int16_t>(e);
    out.topics.back().partitions.push_back(std::move(p));
  };
  Shard& s = shard_for(group_id);
  std::lock_guard lock(s.mu);
  ErrorCode status = group_status(s, group_id, true);
  if (status != ErrorCode::kNone) {
    out.error_code = static_cast<int16_t>(status);
    return out;
  }
  if (ConsumerGroup* modern = find_consumer_group(s, group_id)) {
    ErrorCode e = validate_consumer_fetch(*modern, member_id, member_epoch);
    if (e != ErrorCode::kNone) {
      out.error_code = static_cast<int16_t>(e);
      return out;
    }
  }
  // Offsets are returned whatever the group's state: the group may only store offsets here.
  Group* g = find_group(s, group_id);
  if (g != nullptr && g->is(GroupState::kDead)) g = nullptr;
  if (!topics) {
    if (g == nullptr) return out;
    for (const auto& [tp, c] : g->offsets()) add(tp.topic, tp.partition, &c, ErrorCode::kNone);
    return out;
  }
  for (const auto& t : *topics) {
    for (int32_t p : t.partition_indexes) {
      TopicPartitionKey tp{t.name, p};
      if (g == nullptr) {
        add(t.name, p, nullptr, ErrorCode::kNone);
      } else if (require_stable && g->pending_offset_commits().count(tp) != 0) {
        add(t.name, p, nullptr, ErrorCode::kUnstableOffsetCommit);
      } else {
        auto it = g->offsets().find(tp);
        add(t.name, p, it == g->offsets().end() ? nullptr : &it->second, ErrorCode::kNone);
      }
    }
  }
  return out;
}

msg::OffsetDeleteResponse GroupCoordinator::delete_offsets(const msg::OffsetDeleteRequest& req,
                                                           const PartitionExists& exists) {
  msg::OffsetDeleteResponse resp;
  Shard& s = shard_for(req.group_id);
  std::lock_guard lock(s.mu);
  ErrorCode status = group_status(s, req.group_id, false);
  if (status != ErrorCode::kNone) {
    resp.error_code = static_cast<int16_t>(status);
    return resp;
  }
  Group* g = find_group(s, req.group_id);
  if (g == nullptr || g->is(GroupState::kDead)) {
    resp.error_code = static_cast<int16_t>(ErrorCode::kGroupIdNotFound);
    return resp;
  }
  const bool consumer_group = g->protocol_type() && *g->protocol_type() == "consumer";
  if (!g->is(GroupState::kEmpty) && !consumer_group) {
    resp.error_code = static_cast<int16_t>(ErrorCode::kNonEmptyGroup);
    return resp;
  }
  // A group with members may only lose offsets of topics it does not subscribe to (an
  // unreadable subscription counts as subscribed to everything).
  std::optional<std::set<std::string>> subscribed;
  if (!g->is(GroupState::kEmpty)) subscribed = g->subscribed_topics();
  std::vector<TopicPartitionKey> removed;
  for (const auto& t : req.topics) {
    msg::OffsetDeleteResponse::OffsetDeleteResponseTopic rt;
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      msg::OffsetDeleteResponse::OffsetDeleteResponsePartition rp;
      rp.partition_index = p.partition_index;
      ErrorCode e = ErrorCode::kNone;
      if (!exists(t.name, p.partition_index)) {
        e = ErrorCode::kUnknownTopicOrPartition;
      } else if (!g->is(GroupState::kEmpty) && (!subscribed || subscribed->count(t.name) != 0)) {
        e = ErrorCode::kGroupSubscribedToTopic;
      } else {
        removed.push_back({t.name, p.partition_index});
      }
      rp.error_code = static_cast<int16_t>(e);
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  if (!removed.empty()) cleanup_group(s, *g, removed);
  return resp;
}

void GroupCoordinator::cleanup_group(Shard& s, Group& g,
                                     const std::vector<TopicPartitionKey>& removed) {
  std::vector<Record> tombstones;
  for (const TopicPartitionKey& tp : removed) {
    if (g.offsets().erase(tp) != 0) {
      tombstones.emplace_back(offset_commit_key(g.group_id(), tp.topic, tp.partition),
                              std::nullopt);
    }
  }
  if (g.is(GroupState::kEmpty) && !g.has_offsets()) g.transition_to(GroupState::kDead, now());
  const std::string group_id = g.group_id();
  if (g.is(GroupState::kDead)) {
    // A group that only stored offsets (generation 0) never wrote group metadata.
    if (g.generation() > 0) tombstones.emplace_back(group_metadata_key(group_id), std::nullopt);
    s.groups.erase(group_id);
  }
  if (!tombstones.empty()) append(s, std::move(tombstones), [](ErrorCode, Effects&) {});
}

void GroupCoordinator::expire_offsets(Shard& s) {
  const int64_t t = now();
  std::vector<std::string> ids;
  for (const auto& [id, g] : s.groups) ids.push_back(id);
  for (const std::string& id : ids) {
    Group* g = find_group(s, id);
    if (g == nullptr || has_active_consumer_group(s, id)) continue;
    // removeExpiredOffsets: an Empty group's offsets age from when it became empty; a
    // standalone group's from their commit; a Stable consumer group's only for topics it no
    // longer subscribes to.
    std::optional<std::set<std::string>> keep;
    bool use_state_time = false;
    if (!g->protocol_type()) {
    } else if (g->is(GroupState::kEmpty)) {
      use_state_time = true;
    } else if (g->is(GroupState::kStable) && *g->protocol_type() == "consumer") {
      keep = g->subscribed_topics();
      if (!keep) continue;
    } else {
      continue;
    }
    std::vector<TopicPartitionKey> expired;
    for (const auto& [tp, c] : g->offsets()) {
      if (keep && keep->count(tp.topic) != 0) continue;
      if (g->pending_offset_commits().count(tp) != 0) continue;
      const int64_t base = use_state_time ? g->current_state_timestamp() : c.commit_timestamp;
      const bool gone =
          c.expire_timestamp ? t >= *c.expire_timestamp : t - base >= config_.offsets_retention_ms;
      if (gone) expired.push_back(tp);
    }
    if (!expired.empty() || (g->is(GroupState::kEmpty) && !g->has_offsets())) {
      cleanup_group(s, *g, expired);
    }
  }
  // GroupMetadataManager.maybeDeleteGroup: an empty consumer group without committed offsets
  // is deleted (its tombstones written).
  for (auto it = s.consumer_groups.begin(); it != s.consumer_groups.end();) {
    ConsumerGroup& cg = *it->second;
    Group* offsets = find_group(s, it->first);
    if (!cg.members.empty() || (offsets != nullptr && offsets->has_offsets())) {
      ++it;
      continue;
    }
    Effects fx;  // nobody waits for these records
    append_consumer_group(s, &cg, nullptr, fx, [](ErrorCode, Effects&) {});
    it = s.consumer_groups.erase(it);
  }
}

}  // namespace fjord::coordinator
