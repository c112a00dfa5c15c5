#include "coordinator/consumer_group.h"

#include <algorithm>

namespace fjord::coordinator {
namespace {

using TopicPartition = std::pair<Uuid, int32_t>;

// Every partition of the subscribed topics, in topic name then partition order.
std::vector<TopicPartition> partitions_of(const std::set<std::string>& names,
                                          const SubscriptionMetadata& topics) {
  std::vector<TopicPartition> out;
  for (const std::string& name : names) {
    auto it = topics.find(name);
    if (it == topics.end()) continue;
    for (int32_t p = 0; p < it->second.partitions; ++p) out.emplace_back(it->second.id, p);
  }
  return out;
}

bool contains(const TopicPartitionSet& s, const Uuid& topic, int32_t p) {
  auto it = s.find(topic);
  return it != s.end() && it->second.count(p) != 0;
}

size_t count(const TopicPartitionSet& s) {
  size_t n = 0;
  for (const auto& [t, ps] : s) n += ps.size();
  return n;
}

// Kafka's UniformAssignor: as even as possible, keeping what members already have.
std::map<std::string, TopicPartitionSet> assign_uniform(
    const MemberSubscriptions& members, const SubscriptionMetadata& topics,
    const std::map<std::string, TopicPartitionSet>& current) {
  std::map<std::string, TopicPartitionSet> out;
  for (const auto& [id, subs] : members) out[id];
  if (members.empty()) return out;
  const bool homogeneous = std::all_of(members.begin(), members.end(), [&](const auto& m) {
    return m.second == members.begin()->second;
  });
  if (homogeneous) {
    const auto& subs = members.begin()->second;
    std::vector<TopicPartition> all = partitions_of({subs.begin(), subs.end()}, topics);
    const size_t min_quota = all.size() / members.size();
    size_t extras = all.size() % members.size();
    std::set<TopicPartition, decltype([](const TopicPartition& a, const TopicPartition& b) {
               return std::tie(a.first.bytes, a.second) < std::tie(b.first.bytes, b.second);
             })>
        taken;
    const std::set<TopicPartition, decltype(taken.key_comp())> valid(all.begin(), all.end());
    // Keep each member's current partitions up to its quota.
    for (const auto& [id, subs2] : members) {
      auto cur = current.find(id);
      if (cur == current.end()) continue;
      std::vector<TopicPartition> kept;
      for (const auto& [t, ps] : cur->second) {
        for (int32_t p : ps) {
          if (valid.count({t, p}) != 0 && taken.count({t, p}) == 0) kept.emplace_back(t, p);
        }
      }
      size_t quota = min_quota;
      if (kept.size() > min_quota && extras > 0) {
        quota = min_quota + 1;
        --extras;
      }
      if (kept.size() > quota) kept.resize(quota);
      for (const auto& tp : kept) {
        out[id][tp.first].insert(tp.second);
        taken.insert(tp);
      }
    }
    std::vector<TopicPartition> free;
    for (const auto& tp : all) {
      if (taken.count(tp) == 0) free.push_back(tp);
    }
    size_t next = 0;
    for (auto& [id, a] : out) {
      while (count(a) < min_quota && next < free.size()) {
        a[free[next].first].insert(free[next].second);
        ++next;
      }
    }
    for (auto& [id, a] : out) {
      if (next >= free.size()) break;
      if (extras > 0 && count(a) == min_quota) {
        a[free[next].first].insert(free[next].second);
        ++next;
        --extras;
      }
    }
    return out;
  }
  // Heterogeneous subscriptions: each partition goes to the least loaded subscriber,
  // preferring its current owner on ties.
  std::set<std::string> names;
  for (const auto& [id, subs] : members) names.insert(subs.begin(), subs.end());
  std::map<std::string, size_t> load;
  for (const std::string& name : names) {
    auto it = topics.find(name);
    if (it == topics.end()) continue;
    std::vector<std::string> candidates;
    for (const auto& [id, subs] : members) {
      if (std::binary_search(subs.begin(), subs.end(), name)) candidates.push_back(id);
    }
    for (int32_t p = 0; p < it->second.partitions; ++p) {
      const std::string* best = nullptr;
      for (const std::string& id : candidates) {
        auto cur = current.find(id);
        const bool owner = cur != current.end() && contains(cur->second, it->second.id, p);
        if (best == nullptr || load[id] < load[*best] || (load[id] == load[*best] && owner)) {
          best = &id;
        }
      }
      out[*best][it->second.id].insert(p);
      ++load[*best];
    }
  }
  return out;
}

// Kafka's (server-side) RangeAssignor: per topic, consecutive ranges to the subscribed members
// in member id order, the first ones getting one more when it does not divide.
std::map<std::string, TopicPartitionSet> assign_range(const MemberSubscriptions& members,
                                                      const SubscriptionMetadata& topics) {
  std::map<std::string, TopicPartitionSet> out;
  std::set<std::string> names;
  for (const auto& [id, subs] : members) {
    out[id];
    names.insert(subs.begin(), subs.end());
  }
  for (const std::string& name : names) {
    auto it = topics.find(name);
    if (it == topics.end()) continue;
    std::vector<std::string> subscribers;
    for (const auto& [id, subs] : members) {
      if (std::binary_search(subs.begin(), subs.end(), name)) subscribers.push_back(id);
    }
    const int32_t n = it->second.partitions;
    const auto m = static_cast<int32_t>(subscribers.size());
    int32_t start = 0;
    for (int32_t i = 0; i < m; ++i) {
      const int32_t len = n / m + (i < n % m ? 1 : 0);
      for (int32_t p = start; p < start + len; ++p) out[subscribers[i]][it->second.id].insert(p);
      start += len;
    }
  }
  return out;
}

bool owns_any(const std::optional<TopicPartitionSet>& owned, const TopicPartitionSet& set) {
  if (!owned) return true;  // not reported: assume it still owns them
  for (const auto& [t, ps] : *owned) {
    for (int32_t p : ps) {
      if (contains(set, t, p)) return true;
    }
  }
  return false;
}

ConsumerMember with_epoch(ConsumerMember m, int32_t epoch) {
  m.previous_member_epoch = m.member_epoch;
  m.member_epoch = epoch;
  return m;
}

// CurrentAssignmentBuilder.computeNextAssignment
ConsumerMember compute_next(const ConsumerMember& member, const ConsumerGroup& group,
                            int32_t member_epoch, int32_t target_epoch,
                            const TopicPartitionSet& target,
                            const std::optional<TopicPartitionSet>& owned) {
  bool unreleased = false;
  TopicPartitionSet assigned, revoking, pending;
  std::set<Uuid, UuidLess> topics;
  for (const auto& [t, ps] : target) topics.insert(t);
  for (const auto& [t, ps] : member.assigned) topics.insert(t);
  for (const Uuid& t : topics) {
    static const std::set<int32_t> kNone;
    auto ti = target.find(t);
    auto ci = member.assigned.find(t);
    const std::set<int32_t>& want = ti == target.end() ? kNone : ti->second;
    const std::set<int32_t>& have = ci == member.assigned.end() ? kNone : ci->second;
    std::set<int32_t> keep, revoke, add;
    for (int32_t p : have) (want.count(p) ? keep : revoke).insert(p);
    for (int32_t p : want) {
      if (keep.count(p)) continue;
      if (group.partition_epoch(t, p) != -1) {
        unreleased = true;
      } else {
        add.insert(p);
      }
    }
    if (!keep.empty()) assigned[t] = std::move(keep);
    if (!revoke.empty()) revoking[t] = std::move(revoke);
    if (!add.empty()) pending[t] = std::move(add);
  }
  if (!revoking.empty() && owns_any(owned, revoking)) {
    ConsumerMember m = with_epoch(member, member_epoch);
    m.state = ConsumerMemberState::kUnrevokedPartitions;
    m.assigned = std::move(assigned);
    m.pending_revocation = std::move(revoking);
    return m;
  }
  for (auto& [t, ps] : pending) assigned[t].insert(ps.begin(), ps.end());
  ConsumerMember m = with_epoch(member, target_epoch);
  m.state = unreleased ? ConsumerMemberState::kUnreleasedPartitions : ConsumerMemberState::kStable;
  m.assigned = std::move(assigned);
  m.pending_revocation.clear();
  return m;
}

}  // namespace

std::string_view consumer_group_state_name(ConsumerGroupState state) {
  switch (state) {
    case ConsumerGroupState::kEmpty:
      return "Empty";
    case ConsumerGroupState::kAssigning:
      return "Assigning";
    case ConsumerGroupState::kReconciling:
      return "Reconciling";
    case ConsumerGroupState::kStable:
      return "Stable";
  }
  return "Unknown";
}

std::map<std::string, TopicPartitionSet> assign_partitions(
    std::string_view assignor, const MemberSubscriptions& members,
    const SubscriptionMetadata& topics, const std::map<std::string, TopicPartitionSet>& current) {
  if (assignor == "range") return assign_range(members, topics);
  return assign_uniform(members, topics, current);
}

ConsumerGroupState ConsumerGroup::state() const {
  if (members.empty()) return ConsumerGroupState::kEmpty;
  if (group_epoch > assignment_epoch) return ConsumerGroupState::kAssigning;
  for (const auto& [id, m] : members) {
    if (!m.reconciled_to(assignment_epoch)) return ConsumerGroupState::kReconciling;
  }
  return ConsumerGroupState::kStable;
}

ConsumerMember* ConsumerGroup::member(const std::string& id) {
  auto it = members.find(id);
  return it == members.end() ? nullptr : &it->second;
}

ConsumerMember* ConsumerGroup::static_member(const std::string& instance_id) {
  auto it = static_members.find(instance_id);
  return it == static_members.end() ? nullptr : member(it->second);
}

void ConsumerGroup::add_partition_epochs(const TopicPartitionSet& set, int32_t epoch) {
  for (const auto& [t, ps] : set) {
    for (int32_t p : ps) partition_epochs_[{t, p}] = epoch;
  }
}

void ConsumerGroup::remove_partition_epochs(const TopicPartitionSet& set) {
  for (const auto& [t, ps] : set) {
    for (int32_t p : ps) partition_epochs_.erase({t, p});
  }
}

void ConsumerGroup::update_member(const ConsumerMember& m) {
  if (ConsumerMember* old = member(m.member_id)) {
    remove_partition_epochs(old->assigned);
    remove_partition_epochs(old->pending_revocation);
  }
  add_partition_epochs(m.assigned, m.member_epoch);
  add_partition_epochs(m.pending_revocation, m.member_epoch);
  if (m.instance_id) static_members[*m.instance_id] = m.member_id;
  members[m.member_id] = m;
}

void ConsumerGroup::remove_member(const std::string& id) {
  ConsumerMember* old = member(id);
  if (old == nullptr) return;
  remove_partition_epochs(old->assigned);
  remove_partition_epochs(old->pending_revocation);
  if (old->instance_id) {
    auto it = static_members.find(*old->instance_id);
    if (it != static_members.end() && it->second == id) static_members.erase(it);
  }
  members.erase(id);
  target.erase(id);
}

int32_t ConsumerGroup::partition_epoch(const Uuid& topic, int32_t partition) const {
  auto it = partition_epochs_.find({topic, partition});
  return it == partition_epochs_.end() ? -1 : it->second;
}

std::map<std::string, int> ConsumerGroup::subscribed_topic_names(
    const ConsumerMember* old_member, const ConsumerMember* new_member) const {
  std::map<std::string, int> out;
  for (const auto& [id, m] : members) {
    if (old_member != nullptr && id == old_member->member_id) continue;
    for (const auto& t : m.subscribed_topics) ++out[t];
  }
  if (new_member != nullptr) {
    for (const auto& t : new_member->subscribed_topics) ++out[t];
  }
  return out;
}

std::optional<std::string> ConsumerGroup::preferred_assignor(
    const ConsumerMember* old_member, const ConsumerMember* new_member) const {
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members) {
    if (old_member != nullptr && id == old_member->member_id) continue;
    if (m.server_assignor) ++votes[*m.server_assignor];
  }
  if (new_member != nullptr && new_member->server_assignor) ++votes[*new_member->server_assignor];
  std::optional<std::string> best;
  int best_votes = 0;
  for (const auto& [name, n] : votes) {
    if (n > best_votes) {
      best = name;
      best_votes = n;
    }
  }
  return best;
}

ConsumerMember reconcile(const ConsumerMember& member, const ConsumerGroup& group,
                         int32_t target_epoch, const TopicPartitionSet& target,
                         const std::optional<TopicPartitionSet>& owned) {
  switch (member.state) {
    case ConsumerMemberState::kStable:
      if (member.member_epoch != target_epoch) {
        return compute_next(member, group, member.member_epoch, target_epoch, target, owned);
      }
      return member;
    case ConsumerMemberState::kUnrevokedPartitions:
      // Waits until the member no longer reports any partition being revoked.
      if (owns_any(owned, member.pending_revocation)) return member;
      return compute_next(member, group, member.member_epoch + 1, target_epoch, target, owned);
    case ConsumerMemberState::kUnreleasedPartitions:
      return compute_next(member, group, member.member_epoch, target_epoch, target, owned);
  }
  return member;
}

}  // namespace fjord::coordinator
