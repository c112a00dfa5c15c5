// DescribeGroups / ListGroups / DeleteGroups, as Kafka's GroupCoordinator
// (handleDescribeGroup, handleListGroups, handleDeleteGroups).
#include <algorithm>
#include <cctype>

#include "coordinator/group_coordinator.h"

namespace fjord::coordinator {
namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool listed(const std::vector<std::string>& filter, std::string_view value) {
  if (filter.empty()) return true;
  return std::any_of(filter.begin(), filter.end(),
                     [&](const std::string& f) { return equals_ignore_case(f, value); });
}

}  // namespace

msg::DescribeGroupsResponse::DescribedGroup GroupCoordinator::describe_group(
    const std::string& group_id) {
  Shard& s = shard_for(group_id);
  std::lock_guard lock(s.mu);
  msg::DescribeGroupsResponse::DescribedGroup out;
  out.group_id = group_id;
  ErrorCode status = group_status(s, group_id, true);
  if (status != ErrorCode::kNone) {
    out.error_code = static_cast<int16_t>(status);
    return out;
  }
  Group* g = find_group(s, group_id);
  if (g == nullptr || find_consumer_group(s, group_id) != nullptr) {
    // Kafka's DeadGroup summary; a KIP-848 group is not a classic group either.
    out.group_state = group_state_name(GroupState::kDead);
    return out;
  }
  return g->describe();
}

msg::ListGroupsResponse GroupCoordinator::list_groups(const msg::ListGroupsRequest& req,
                                                      int16_t version) {
  msg::ListGroupsResponse resp;
  if (!active_.load()) {
    resp.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
    return resp;
  }
  const bool classic = version < 5 || listed(req.types_filter, "classic");
  const bool consumer = version < 5 || listed(req.types_filter, "consumer");
  for (auto& sp : shards_) {
    Shard& s = *sp;
    std::lock_guard lock(s.mu);
    const int32_t leader_epoch = topic_.leader_epoch(s.partition);
    if (leader_epoch < 0) continue;
    if (s.load != LoadState::kLoaded || s.loaded_leader_epoch != leader_epoch) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorLoadInProgress);
      continue;
    }
    for (const auto& [id, g] : s.consumer_groups) {
      if (!consumer) break;
      std::string_view state = consumer_group_state_name(g->state());
      if (version >= 4 && !listed(req.states_filter, state)) continue;
      msg::ListGroupsResponse::ListedGroup lg;
      lg.group_id = id;
      lg.protocol_type = "consumer";
      lg.group_state = state;
      lg.group_type = "consumer";
      resp.groups.push_back(std::move(lg));
    }
    for (const auto& [id, g] : s.groups) {
      if (!classic) break;
      if (g->is(GroupState::kDead) || s.consumer_groups.count(id) != 0) continue;
      std::string_view state = group_state_name(g->state());
      if (version >= 4 && !listed(req.states_filter, state)) continue;
      msg::ListGroupsResponse::ListedGroup lg;
      lg.group_id = id;
      lg.protocol_type = g->protocol_type().value_or("");
      lg.group_state = state;
      lg.group_type = "classic";
      resp.groups.push_back(std::move(lg));
    }
  }
  return resp;
}

msg::DeleteGroupsResponse::DeletableGroupResult GroupCoordinator::delete_group(
    const std::string& group_id) {
  msg::DeleteGroupsResponse::DeletableGroupResult out;
  out.group_id = group_id;
  Shard& s = shard_for(group_id);
  std::lock_guard lock(s.mu);
  ErrorCode e = group_status(s, group_id, true);
  Group* g = e == ErrorCode::kNone ? find_group(s, group_id) : nullptr;
  if (ConsumerGroup* modern = e == ErrorCode::kNone ? find_consumer_group(s, group_id) : nullptr) {
    if (!modern->members.empty()) {
      out.error_code = static_cast<int16_t>(ErrorCode::kNonEmptyGroup);
      return out;
    }
    Effects fx;  // DeleteGroups answers without waiting for the tombstones, as for classic groups
    append_consumer_group(s, modern, nullptr, fx, [](ErrorCode, Effects&) {});
    s.consumer_groups.erase(group_id);
    if (g == nullptr) {
      out.error_code = 0;
      return out;
    }
  }
  if (e == ErrorCode::kNone) {
    if (g == nullptr || g->is(GroupState::kDead)) {
      e = ErrorCode::kGroupIdNotFound;
    } else if (!g->is(GroupState::kEmpty)) {
      e = ErrorCode::kNonEmptyGroup;
    } else {
      g->transition_to(GroupState::kDead, now());
      std::vector<TopicPartitionKey> all;
      for (const auto& [tp, c] : g->offsets()) all.push_back(tp);
      cleanup_group(s, *g, all);
    }
  }
  out.error_code = static_cast<int16_t>(e);
  return out;
}

}  // namespace fjord::coordinator
