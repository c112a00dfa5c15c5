#include "coordinator/group.h"

#include <algorithm>

#include "protocol/generated/consumer_protocol.h"

namespace fjord::coordinator {

std::string_view group_state_name(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Dead";
}

const Bytes* Member::metadata_for(std::string_view protocol) const {
  for (const MemberProtocol& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

void Group::transition_to(GroupState s, int64_t now_ms) {
  state_ = s;
  current_state_timestamp_ = now_ms;
}

Member* Group::member(const std::string& member_id) {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

void Group::add(Member m) {
  if (members_.empty()) protocol_type_ = m.protocol_type;
  if (leader_id_.empty()) leader_id_ = m.member_id;
  if (m.group_instance_id) static_members_[*m.group_instance_id] = m.member_id;
  std::string id = m.member_id;
  members_.insert_or_assign(std::move(id), std::move(m));
}

void Group::remove(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  if (it->second.group_instance_id) {
    auto s = static_members_.find(*it->second.group_instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  members_.erase(it);
  pending_sync_.erase(member_id);
  if (leader_id_ == member_id) {
    leader_id_.clear();
    for (const auto& [id, m] : members_) {
      if (m.awaiting_join) {
        leader_id_ = id;
        break;
      }
    }
    if (leader_id_.empty() && !members_.empty()) leader_id_ = members_.begin()->first;
  }
}

const std::string* Group::static_member_id(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  return it == static_members_.end() ? nullptr : &it->second;
}

bool Group::is_static_member_fenced(const std::optional<std::string>& instance_id,
                                    const std::string& member_id) const {
  if (!instance_id) return false;
  const std::string* current = static_member_id(*instance_id);
  return current != nullptr && *current != member_id;
}

ErrorCode Group::member_error(const std::string& member_id,
                              const std::optional<std::string>& instance_id,
                              int32_t generation) const {
  if (is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  if (is_static_member_fenced(instance_id, member_id)) return ErrorCode::kFencedInstanceId;
  if (!has(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation != generation_) return ErrorCode::kIllegalGeneration;
  return ErrorCode::kNone;
}

void Group::replace_static_member(const std::string& instance_id, const std::string& old_id,
                                  const std::string& new_id) {
  auto it = members_.find(old_id);
  if (it == members_.end()) return;
  Member m = std::move(it->second);
  members_.erase(it);
  m.member_id = new_id;
  members_.insert_or_assign(new_id, std::move(m));
  static_members_[instance_id] = new_id;
  if (leader_id_ == old_id) leader_id_ = new_id;
  if (pending_sync_.erase(old_id)) pending_sync_.insert(new_id);
}

int Group::num_awaiting_join() const {
  int n = 0;
  for (const auto& [id, m] : members_) n += m.awaiting_join ? 1 : 0;
  return n;
}

bool Group::all_members_joined() const {
  return static_cast<int>(members_.size()) == num_awaiting_join() && pending_members_.empty();
}

bool Group::supports_protocols(std::string_view type,
                               const std::vector<MemberProtocol>& protocols) const {
  if (members_.empty()) return !type.empty() && !protocols.empty();
  if (!protocol_type_ || *protocol_type_ != type) return false;
  for (const MemberProtocol& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      return kv.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

std::string Group::select_protocol() const {
  if (members_.empty()) return {};
  std::vector<std::string> candidates;
  for (const MemberProtocol& p : members_.begin()->second.protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      return kv.second.metadata_for(p.name) != nullptr;
    });
    if (everyone) candidates.push_back(p.name);
  }
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) {
    for (const MemberProtocol& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best;
  int best_votes = -1;
  for (const std::string& c : candidates) {
    if (votes[c] > best_votes) {
      best = c;
      best_votes = votes[c];
    }
  }
  return best;
}

void Group::init_next_generation(int64_t now_ms) {
  ++generation_;
  if (!members_.empty()) {
    protocol_name_ = select_protocol();
    transition_to(GroupState::kCompletingRebalance, now_ms);
  } else {
    protocol_name_.reset();
    transition_to(GroupState::kEmpty, now_ms);
  }
}

void Group::clear_assignments() {
  for (auto& [id, m] : members_) m.assignment.clear();
}

int32_t Group::rebalance_timeout_ms() const {
  int32_t t = 0;
  for (const auto& [id, m] : members_) t = std::max(t, m.rebalance_timeout_ms);
  return t;
}

std::optional<std::set<std::string>> Group::subscribed_topics() const {
  if (!protocol_type_ || *protocol_type_ != "consumer" || !protocol_name_) return std::nullopt;
  std::set<std::string> topics;
  for (const auto& [id, m] : members_) {
    const Bytes* metadata = m.metadata_for(*protocol_name_);
    if (metadata == nullptr) return std::nullopt;
    Reader r(*metadata);
    int16_t version = r.read_int16();
    if (!r.ok() || version < 0) return std::nullopt;
    msg::ConsumerProtocolSubscription sub;
    version = std::min<int16_t>(version, msg::ConsumerProtocolSubscription::kMaxVersion);
    if (sub.decode(r, version) != DecodeError::kNone) return std::nullopt;
    topics.insert(sub.topics.begin(), sub.topics.end());
  }
  return topics;
}

msg::GroupMetadataValue Group::to_record(int64_t now_ms) const {
  msg::GroupMetadataValue v;
  v.protocol_type = protocol_type_.value_or("");
  v.generation = generation_;
  v.protocol = protocol_name_;
  v.leader = leader_id_.empty() ? std::nullopt : std::optional<std::string>(leader_id_);
  v.current_state_timestamp = current_state_timestamp_ >= 0 ? current_state_timestamp_ : now_ms;
  for (const auto& [id, m] : members_) {
    msg::GroupMetadataValue::MemberMetadata mm;
    mm.member_id = id;
    mm.group_instance_id = m.group_instance_id;
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout = m.rebalance_timeout_ms;
    mm.session_timeout = m.session_timeout_ms;
    if (protocol_name_) {
      if (const Bytes* md = m.metadata_for(*protocol_name_)) mm.subscription = *md;
    }
    mm.assignment = m.assignment;
    v.members.push_back(std::move(mm));
  }
  return v;
}

void Group::load_from_record(const msg::GroupMetadataValue& v, int64_t now_ms) {
  protocol_type_ =
      v.protocol_type.empty() ? std::nullopt : std::optional<std::string>(v.protocol_type);
  generation_ = v.generation;
  protocol_name_ = v.protocol;
  leader_id_ = v.leader.value_or("");
  members_.clear();
  static_members_.clear();
  for (const auto& mm : v.members) {
    Member m;
    m.member_id = mm.member_id;
    m.group_instance_id = mm.group_instance_id;
    m.client_id = mm.client_id;
    m.client_host = mm.client_host;
    m.session_timeout_ms = mm.session_timeout;
    m.rebalance_timeout_ms = mm.rebalance_timeout >= 0 ? mm.rebalance_timeout : mm.session_timeout;
    m.protocol_type = v.protocol_type;
    if (v.protocol) m.protocols.push_back({*v.protocol, mm.subscription});
    m.assignment = mm.assignment;
    m.last_heartbeat_ms = now_ms;
    if (m.group_instance_id) static_members_[*m.group_instance_id] = m.member_id;
    members_.insert_or_assign(m.member_id, std::move(m));
  }
  state_ = members_.empty() ? GroupState::kEmpty : GroupState::kStable;
  current_state_timestamp_ = v.current_state_timestamp >= 0 ? v.current_state_timestamp : now_ms;
}

msg::DescribeGroupsResponse::DescribedGroup Group::describe() const {
  msg::DescribeGroupsResponse::DescribedGroup g;
  g.group_id = group_id_;
  g.group_state = group_state_name(state_);
  g.protocol_type = protocol_type_.value_or("");
  const bool stable = state_ == GroupState::kStable;
  g.protocol_data = stable && protocol_name_ ? *protocol_name_ : "";
  for (const auto& [id, m] : members_) {
    msg::DescribeGroupsResponse::DescribedGroupMember dm;
    dm.member_id = id;
    dm.group_instance_id = m.group_instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    if (stable && protocol_name_) {
      if (const Bytes* md = m.metadata_for(*protocol_name_)) dm.member_metadata = *md;
      dm.member_assignment = m.assignment;
    }
    g.members.push_back(std::move(dm));
  }
  return g;
}

}  // namespace fjord::coordinator
