// JoinGroup / SyncGroup / Heartbeat / LeaveGroup and the rebalance they drive, following
// Kafka's GroupCoordinator (classic protocol) step by step; comments name the Kafka method.
#include <random>

#include "coordinator/append_error.h"
#include "coordinator/group_coordinator.h"

namespace fjord::coordinator {
namespace {

std::string random_uuid_string() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // IETF variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

msg::JoinGroupResponse join_error(ErrorCode e, int16_t version, std::string member_id = {}) {
  msg::JoinGroupResponse r;
  r.error_code = static_cast<int16_t>(e);
  r.generation_id = -1;
  r.member_id = std::move(member_id);
  if (version >= 7) r.protocol_name.reset();
  return r;
}

msg::SyncGroupResponse sync_error(ErrorCode e) {
  msg::SyncGroupResponse r;
  r.error_code = static_cast<int16_t>(e);
  return r;
}

std::vector<MemberProtocol> protocols_of(const msg::JoinGroupRequest& req) {
  std::vector<MemberProtocol> out;
  for (const auto& p : req.protocols) out.push_back({p.name, p.metadata});
  return out;
}

bool same_protocols(const std::vector<MemberProtocol>& a, const std::vector<MemberProtocol>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].metadata != b[i].metadata) return false;
  }
  return true;
}

}  // namespace

// --- JoinGroup (handleJoinGroup, doNewMemberJoinGroup, doCurrentMemberJoinGroup) ---

void GroupCoordinator::join_group(const msg::JoinGroupRequest& req, int16_t version,
                                  std::string client_id, std::string client_host,
                                  JoinCallback done) {
  Shard& s = shard_for(req.group_id);
  Effects fx;
  {
    std::lock_guard lock(s.mu);
    auto fail = [&](ErrorCode e, std::string member_id = {}) {
      fx.push_back([done, r = join_error(e, version, std::move(member_id))] { done(r); });
    };
    ErrorCode status = group_status(s, req.group_id, false);
    if (status == ErrorCode::kNone && !has_active_consumer_group(s, req.group_id)) {
      s.consumer_groups.erase(req.group_id);  // an empty KIP-848 group turns classic
    }
    if (status != ErrorCode::kNone) {
      fail(status);
    } else if (has_active_consumer_group(s, req.group_id)) {
      // Classic members joining a KIP-848 group (online migration) are not supported.
      fail(ErrorCode::kInconsistentGroupProtocol);
    } else if (req.session_timeout_ms < config_.min_session_timeout_ms ||
               req.session_timeout_ms > config_.max_session_timeout_ms) {
      fail(ErrorCode::kInvalidSessionTimeout);
    } else {
      const bool unknown_member = req.member_id.empty();
      Group* g = find_group(s, req.group_id);
      if (g == nullptr && !unknown_member) {
        fail(ErrorCode::kUnknownMemberId);
      } else {
        if (g == nullptr) g = &get_or_create_group(s, req.group_id);
        const int32_t session_ms = req.session_timeout_ms;
        // JoinGroup v0 has no rebalance timeout: the session timeout serves as both.
        const int32_t rebalance_ms = version == 0 || req.rebalance_timeout_ms < 0
                                         ? req.session_timeout_ms
                                         : req.rebalance_timeout_ms;
        std::vector<MemberProtocol> protocols = protocols_of(req);
        auto make_member = [&](const std::string& id) {
          Member m;
          m.member_id = id;
          m.group_instance_id = req.group_instance_id;
          m.client_id = client_id;
          m.client_host = client_host;
          m.session_timeout_ms = session_ms;
          m.rebalance_timeout_ms = rebalance_ms;
          m.protocol_type = req.protocol_type;
          m.protocols = protocols;
          m.last_heartbeat_ms = now();
          return m;
        };
        // acceptJoiningMember: group.max.size counts members (or, while preparing a
        // rebalance, members that have rejoined); known members are always let back in.
        bool accept = true;
        Member* existing = unknown_member ? nullptr : g->member(req.member_id);
        const auto max = static_cast<size_t>(config_.max_size);
        switch (g->state()) {
          case GroupState::kEmpty:
          case GroupState::kDead:
            break;
          case GroupState::kPreparingRebalance:
            accept = (existing && existing->awaiting_join) ||
                     static_cast<size_t>(g->num_awaiting_join()) < max;
            break;
          default:
            accept = existing != nullptr || g->size() < max;
            break;
        }
        if (!accept) {
          fail(ErrorCode::kGroupMaxSizeReached);
        } else if (g->is(GroupState::kDead)) {
          fail(ErrorCode::kCoordinatorNotAvailable);
        } else if (!g->supports_protocols(req.protocol_type, protocols)) {
          fail(ErrorCode::kInconsistentGroupProtocol);
        } else if (unknown_member) {
          const std::string new_id = (req.group_instance_id ? *req.group_instance_id : client_id) +
                                     "-" + random_uuid_string();
          const std::string* static_id =
              req.group_instance_id ? g->static_member_id(*req.group_instance_id) : nullptr;
          if (static_id != nullptr) {
            // KIP-345 (updateStaticMemberAndRebalance): a restarted static member takes over
            // its old identity; the old member id is fenced from now on.
            const std::string old_id = *static_id;
            const std::string old_leader = g->leader_id();
            g->replace_static_member(*req.group_instance_id, old_id, new_id);
            Member& m = *g->member(new_id);
            m.last_heartbeat_ms = now();
            const bool changed = !same_protocols(m.protocols, protocols);
            if (g->is(GroupState::kStable) && !changed) {
              m.client_id = client_id;
              m.client_host = client_host;
              m.session_timeout_ms = session_ms;
              m.rebalance_timeout_ms = rebalance_ms;
              // Persist the new member id, then answer with the current generation and the
              // old leader id, so the member does not run a needless assignment.
              const int32_t generation = g->generation();
              append(s, {group_record(*g, nullptr)},
                     [this, group_id = req.group_id, new_id, old_leader, generation, version, done](
                         ErrorCode e, Effects& fx2) {
                       Shard& s2 = shard_for(group_id);
                       Group* g2 = find_group(s2, group_id);
                       if (e != ErrorCode::kNone || g2 == nullptr) {
                         ErrorCode err = e != ErrorCode::kNone
                                             ? append_error(e, GroupWrite::kClassicGroup)
                                             : ErrorCode::kNotCoordinator;
                         fx2.push_back([done, r = join_error(err, version)] { done(r); });
                         return;
                       }
                       msg::JoinGroupResponse r = current_join_response(*g2, new_id, false);
                       r.generation_id = generation;
                       r.leader = old_leader == new_id ? std::string() : old_leader;
                       fx2.push_back([done, r] { done(r); });
                     });
            } else {
              update_member_and_rebalance(s, *g, m, std::move(protocols), rebalance_ms, session_ms,
                                          done, fx);
            }
          } else if (!req.group_instance_id && version >= 4) {
            // KIP-394: the first join of a dynamic member only hands out its member id.
            g->pending_members()[new_id] = now() + session_ms;
            fail(ErrorCode::kMemberIdRequired, new_id);
          } else {
            add_member_and_rebalance(s, *g, make_member(new_id), done, fx);
          }
        } else if (g->pending_members().count(req.member_id) != 0) {
          g->pending_members().erase(req.member_id);
          add_member_and_rebalance(s, *g, make_member(req.member_id), done, fx);
        } else if (g->is_static_member_fenced(req.group_instance_id, req.member_id)) {
          fail(ErrorCode::kFencedInstanceId);
        } else if (existing == nullptr ||
                   (req.group_instance_id && !g->static_member_id(*req.group_instance_id))) {
          fail(ErrorCode::kUnknownMemberId);
        } else {
          Member& m = *existing;
          const bool matches = same_protocols(m.protocols, protocols);
          switch (g->state()) {
            case GroupState::kPreparingRebalance:
              update_member_and_rebalance(s, *g, m, std::move(protocols), rebalance_ms, session_ms,
                                          done, fx);
              break;
            case GroupState::kCompletingRebalance:
              if (matches) {
                // The member lost the join response: send it again.
                fx.push_back([done, r = current_join_response(
                                        *g, m.member_id, g->is_leader(m.member_id))] { done(r); });
              } else {
                update_member_and_rebalance(s, *g, m, std::move(protocols), rebalance_ms,
                                            session_ms, done, fx);
              }
              break;
            case GroupState::kStable:
              if (g->is_leader(m.member_id) || !matches) {
                // A rejoining leader or changed metadata (new subscription) rebalances.
                update_member_and_rebalance(s, *g, m, std::move(protocols), rebalance_ms,
                                            session_ms, done, fx);
              } else {
                m.last_heartbeat_ms = now();
                fx.push_back(
                    [done, r = current_join_response(*g, m.member_id, false)] { done(r); });
              }
              break;
            default:
              fail(ErrorCode::kUnknownMemberId);
              break;
          }
        }
        erase_if_unused(s, req.group_id);
      }
    }
  }
  run(fx);
}

msg::JoinGroupResponse GroupCoordinator::current_join_response(const Group& g,
                                                               const std::string& member_id,
                                                               bool with_members) const {
  msg::JoinGroupResponse r;
  r.generation_id = g.generation();
  r.protocol_type = g.protocol_type();
  r.protocol_name = g.protocol_name();
  r.leader = g.leader_id();
  r.member_id = member_id;
  if (with_members && g.protocol_name()) {
    for (const auto& [id, m] : g.members()) {
      msg::JoinGroupResponse::JoinGroupResponseMember jm;
      jm.member_id = id;
      jm.group_instance_id = m.group_instance_id;
      if (const Bytes* md = m.metadata_for(*g.protocol_name())) jm.metadata = *md;
      r.members.push_back(std::move(jm));
    }
  }
  return r;
}

void GroupCoordinator::add_member_and_rebalance(Shard& s, Group& g, Member m, JoinCallback done,
                                                Effects& fx) {
  // The initial delay is extended while new members keep arriving (InitialDelayedJoin).
  if (g.is(GroupState::kPreparingRebalance) && g.generation() == 0) g.new_member_added = true;
  m.awaiting_join = std::move(done);
  g.add(std::move(m));
  maybe_prepare_rebalance(s, g, fx);
  maybe_complete_join(s, g, fx);
}

void GroupCoordinator::update_member_and_rebalance(Shard& s, Group& g, Member& m,
                                                   std::vector<MemberProtocol> protocols,
                                                   int32_t rebalance_ms, int32_t session_ms,
                                                   JoinCallback done, Effects& fx) {
  if (m.awaiting_join) {
    // A second JoinGroup from a member already waiting: the first one is superseded.
    fx.push_back([cb = std::move(m.awaiting_join),
                  r = join_error(ErrorCode::kRebalanceInProgress, 0, m.member_id)] { cb(r); });
  }
  m.protocols = std::move(protocols);
  m.rebalance_timeout_ms = rebalance_ms;
  m.session_timeout_ms = session_ms;
  m.last_heartbeat_ms = now();
  m.awaiting_join = std::move(done);
  maybe_prepare_rebalance(s, g, fx);
  maybe_complete_join(s, g, fx);
}

void GroupCoordinator::maybe_prepare_rebalance(Shard& s, Group& g, Effects& fx) {
  if (g.is(GroupState::kStable) || g.is(GroupState::kCompletingRebalance) ||
      g.is(GroupState::kEmpty)) {
    prepare_rebalance(s, g, fx);
  }
}

void GroupCoordinator::prepare_rebalance(Shard& s, Group& g, Effects& fx) {
  if (g.is(GroupState::kCompletingRebalance)) {
    reset_and_propagate_assignment_error(g, ErrorCode::kRebalanceInProgress, fx);
  }
  g.pending_sync().clear();
  g.sync_deadline_ms = -1;
  const int64_t t = now();
  if (g.is(GroupState::kEmpty)) {
    // group.initial.rebalance.delay.ms: a new group waits for more members before the
    // first generation, up to the rebalance timeout.
    const int64_t delay = std::min<int64_t>(config_.initial_rebalance_delay_ms,
                                            std::max(g.rebalance_timeout_ms(), 0));
    g.initial_join = true;
    g.new_member_added = false;
    g.initial_remaining_ms = std::max<int64_t>(g.rebalance_timeout_ms() - delay, 0);
    g.join_deadline_ms = t + delay;
  } else {
    g.initial_join = false;
    g.join_deadline_ms = t + g.rebalance_timeout_ms();
  }
  g.transition_to(GroupState::kPreparingRebalance, t);
  maybe_complete_join(s, g, fx);
}

void GroupCoordinator::maybe_complete_join(Shard& s, Group& g, Effects& fx) {
  if (!g.is(GroupState::kPreparingRebalance)) return;
  if (g.initial_join) {
    if (now() >= g.join_deadline_ms) on_join_deadline(s, g, fx);
  } else if (g.all_members_joined()) {
    complete_join(s, g, fx);
  }
}

void GroupCoordinator::on_join_deadline(Shard& s, Group& g, Effects& fx) {
  if (g.initial_join && g.new_member_added && g.initial_remaining_ms > 0) {
    const int64_t delay =
        std::min<int64_t>(config_.initial_rebalance_delay_ms, g.initial_remaining_ms);
    g.new_member_added = false;
    g.initial_remaining_ms -= delay;
    g.join_deadline_ms = now() + delay;
    return;
  }
  complete_join(s, g, fx);
}

// onCompleteJoin
void GroupCoordinator::complete_join(Shard& s, Group& g, Effects& fx) {
  // Dynamic members that did not rejoin in time leave; static ones keep their place.
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members()) {
    if (!m.awaiting_join && !m.group_instance_id) gone.push_back(id);
  }
  for (const std::string& id : gone) g.remove(id);
  g.initial_join = false;
  g.join_deadline_ms = -1;
  bool leader_joined = false;
  if (const Member* leader = g.member(std::string(g.leader_id()))) {
    leader_joined = static_cast<bool>(leader->awaiting_join);
  }
  if (!leader_joined) {
    // maybeElectNewJoinedLeader: any member that rejoined leads.
    for (const auto& [id, m] : g.members()) {
      if (m.awaiting_join) {
        g.set_leader(id);
        leader_joined = true;
        break;
      }
    }
  }
  if (!leader_joined && g.size() != 0) {
    // Nobody rejoined: wait another rebalance timeout for session expiry to clear them out.
    g.join_deadline_ms = now() + g.rebalance_timeout_ms();
    return;
  }
  g.init_next_generation(now());
  if (g.is(GroupState::kEmpty)) {
    append(s, {group_record(g, nullptr)}, [](ErrorCode, Effects&) {});
    return;
  }
  const int64_t t = now();
  for (auto& [id, m] : g.members()) {
    m.last_heartbeat_ms = t;
    g.pending_sync().insert(id);
    if (m.awaiting_join) {
      fx.push_back([cb = std::move(m.awaiting_join),
                    r = current_join_response(g, id, g.is_leader(id))] { cb(r); });
      m.awaiting_join = nullptr;
    }
  }
  g.sync_deadline_ms = t + g.rebalance_timeout_ms();
}

// removeMemberAndUpdateGroup
void GroupCoordinator::remove_member_and_update(Shard& s, Group& g, const std::string& member_id,
                                                Effects& fx) {
  Member* m = g.member(member_id);
  if (m == nullptr) return;
  if (m->awaiting_join) {
    fx.push_back([cb = std::move(m->awaiting_join),
                  r = join_error(ErrorCode::kUnknownMemberId, 0)] { cb(r); });
  }
  if (m->awaiting_sync) {
    fx.push_back(
        [cb = std::move(m->awaiting_sync), r = sync_error(ErrorCode::kUnknownMemberId)] { cb(r); });
  }
  g.remove(member_id);
  switch (g.state()) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      maybe_prepare_rebalance(s, g, fx);
      break;
    case GroupState::kPreparingRebalance:
      maybe_complete_join(s, g, fx);
      break;
    default:
      break;
  }
}

void GroupCoordinator::reset_and_propagate_assignment_error(Group& g, ErrorCode e, Effects& fx) {
  g.clear_assignments();
  for (auto& [id, m] : g.members()) {
    if (m.awaiting_sync) {
      fx.push_back([cb = std::move(m.awaiting_sync), r = sync_error(e)] { cb(r); });
      m.awaiting_sync = nullptr;
    }
  }
}

void GroupCoordinator::set_and_propagate_assignment(Group& g, const std::map<std::string, Bytes>& a,
                                                    Effects& fx) {
  for (auto& [id, m] : g.members()) {
    auto it = a.find(id);
    m.assignment = it == a.end() ? Bytes() : it->second;
    if (m.awaiting_sync) {
      msg::SyncGroupResponse r;
      r.protocol_type = g.protocol_type();
      r.protocol_name = g.protocol_name();
      r.assignment = m.assignment;
      fx.push_back([cb = std::move(m.awaiting_sync), r] { cb(r); });
      m.awaiting_sync = nullptr;
    }
  }
}

void GroupCoordinator::check_deadlines(Shard& s, Group& g, Effects& fx) {
  const int64_t t = now();
  if (g.is(GroupState::kPreparingRebalance) && g.join_deadline_ms >= 0 && t >= g.join_deadline_ms) {
    on_join_deadline(s, g, fx);
  }
  // Session timeouts. Members waiting in a join or a sync are kept alive: the rebalance
  // timeout and the pending-sync deadline bound those waits (MemberMetadata.shouldKeepAlive).
  std::vector<std::string> expired;
  for (const auto& [id, m] : g.members()) {
    if (!m.awaiting_join && !m.awaiting_sync && m.last_heartbeat_ms + m.session_timeout_ms <= t) {
      expired.push_back(id);
    }
  }
  for (const std::string& id : expired) remove_member_and_update(s, g, id, fx);
  bool pending_expired = false;
  for (auto it = g.pending_members().begin(); it != g.pending_members().end();) {
    if (it->second <= t) {
      it = g.pending_members().erase(it);
      pending_expired = true;
    } else {
      ++it;
    }
  }
  if (pending_expired) maybe_complete_join(s, g, fx);
  // onExpirePendingSync: members that never sent SyncGroup after the join leave.
  if ((g.is(GroupState::kCompletingRebalance) || g.is(GroupState::kStable)) &&
      g.sync_deadline_ms >= 0 && t >= g.sync_deadline_ms) {
    g.sync_deadline_ms = -1;
    std::vector<std::string> laggards(g.pending_sync().begin(), g.pending_sync().end());
    if (!laggards.empty()) {
      for (const std::string& id : laggards) {
        if (Member* m = g.member(id); m && m->awaiting_sync) {
          fx.push_back([cb = std::move(m->awaiting_sync),
                        r = sync_error(ErrorCode::kUnknownMemberId)] { cb(r); });
        }
        g.remove(id);
      }
      maybe_prepare_rebalance(s, g, fx);
    }
  }
  if (g.is(GroupState::kEmpty) && g.size() == 0 && !g.has_offsets() &&
      g.pending_members().empty() && g.generation() == 0) {
    // Nothing left to remember (a group whose only joiner got MEMBER_ID_REQUIRED and left).
    g.transition_to(GroupState::kDead, t);
  }
}

// --- SyncGroup (handleSyncGroup, doSyncGroup) ---

void GroupCoordinator::sync_group(const msg::SyncGroupRequest& req, int16_t version,
                                  SyncCallback done) {
  (void)version;
  Shard& s = shard_for(req.group_id);
  Effects fx;
  {
    std::lock_guard lock(s.mu);
    auto fail = [&](ErrorCode e) { fx.push_back([done, r = sync_error(e)] { done(r); }); };
    ErrorCode status = group_status(s, req.group_id, false);
    Group* g = status == ErrorCode::kNone ? find_group(s, req.group_id) : nullptr;
    if (status == ErrorCode::kCoordinatorLoadInProgress) {
      // The rebalance state was lost with the load: send the member back to JoinGroup.
      fail(ErrorCode::kRebalanceInProgress);
    } else if (status != ErrorCode::kNone) {
      fail(status);
    } else if (g == nullptr) {
      fail(ErrorCode::kUnknownMemberId);
    } else if (ErrorCode invalid =
                   g->member_error(req.member_id, req.group_instance_id, req.generation_id);
               invalid != ErrorCode::kNone) {
      fail(invalid);
    } else if ((req.protocol_type && g->protocol_type() != req.protocol_type) ||
               (req.protocol_name && g->protocol_name() != req.protocol_name)) {
      fail(ErrorCode::kInconsistentGroupProtocol);
    } else {
      Member& m = *g->member(req.member_id);
      switch (g->state()) {
        case GroupState::kEmpty:
          fail(ErrorCode::kUnknownMemberId);
          break;
        case GroupState::kPreparingRebalance:
          fail(ErrorCode::kRebalanceInProgress);
          break;
        case GroupState::kCompletingRebalance: {
          if (m.awaiting_sync) {
            fx.push_back([cb = std::move(m.awaiting_sync),
                          r = sync_error(ErrorCode::kRebalanceInProgress)] { cb(r); });
          }
          m.awaiting_sync = done;
          m.last_heartbeat_ms = now();
          g->pending_sync().erase(req.member_id);
          if (g->is_leader(req.member_id)) {
            // The coordinator never looks inside the assignments; members the leader left
            // out get an empty one.
            std::map<std::string, Bytes> assignment;
            for (const auto& a : req.assignments) assignment[a.member_id] = a.assignment;
            const int32_t generation = g->generation();
            append(
                s, {group_record(*g, &assignment)},
                [this, group_id = req.group_id, generation, assignment](ErrorCode e, Effects& fx2) {
                  Shard& s2 = shard_for(group_id);
                  Group* g2 = find_group(s2, group_id);
                  if (g2 == nullptr || !g2->is(GroupState::kCompletingRebalance) ||
                      g2->generation() != generation) {
                    return;  // the group moved on while the write was in flight
                  }
                  if (e != ErrorCode::kNone) {
                    reset_and_propagate_assignment_error(
                        *g2, append_error(e, GroupWrite::kClassicGroup), fx2);
                    maybe_prepare_rebalance(s2, *g2, fx2);
                  } else {
                    set_and_propagate_assignment(*g2, assignment, fx2);
                    g2->transition_to(GroupState::kStable, now());
                  }
                });
          }
          break;
        }
        case GroupState::kStable: {
          g->pending_sync().erase(req.member_id);
          m.last_heartbeat_ms = now();
          msg::SyncGroupResponse r;
          r.protocol_type = g->protocol_type();
          r.protocol_name = g->protocol_name();
          r.assignment = m.assignment;
          fx.push_back([done, r] { done(r); });
          break;
        }
        default:
          fail(ErrorCode::kCoordinatorNotAvailable);
          break;
      }
    }
  }
  run(fx);
}

// --- Heartbeat (handleHeartbeat) ---

msg::HeartbeatResponse GroupCoordinator::heartbeat(const msg::HeartbeatRequest& req) {
  Shard& s = shard_for(req.group_id);
  msg::HeartbeatResponse r;
  auto result = [&](ErrorCode e) {
    r.error_code = static_cast<int16_t>(e);
    return r;
  };
  std::lock_guard lock(s.mu);
  ErrorCode status = group_status(s, req.group_id, false);
  // While loading, the member cannot be checked: let it carry on (Kafka answers NONE).
  if (status == ErrorCode::kCoordinatorLoadInProgress) return result(ErrorCode::kNone);
  if (status != ErrorCode::kNone) return result(status);
  Group* g = find_group(s, req.group_id);
  if (g == nullptr) return result(ErrorCode::kUnknownMemberId);
  if (ErrorCode invalid = g->member_error(req.member_id, req.group_instance_id, req.generation_id);
      invalid != ErrorCode::kNone) {
    return result(invalid);
  }
  Member* m = g->member(req.member_id);
  switch (g->state()) {
    case GroupState::kEmpty:
      return result(ErrorCode::kUnknownMemberId);
    case GroupState::kPreparingRebalance:
      m->last_heartbeat_ms = now();
      return result(ErrorCode::kRebalanceInProgress);
    default:
      m->last_heartbeat_ms = now();
      return result(ErrorCode::kNone);
  }
}

// --- LeaveGroup (handleLeaveGroup) ---

msg::LeaveGroupResponse GroupCoordinator::leave_group(const msg::LeaveGroupRequest& req,
                                                      int16_t version) {
  // v0-2 name one member; v3+ a batch, possibly by group.instance.id (KIP-345).
  std::vector<msg::LeaveGroupRequest::MemberIdentity> leaving = req.members;
  if (version < 3) {
    msg::LeaveGroupRequest::MemberIdentity one;
    one.member_id = req.member_id;
    leaving = {one};
  }
  msg::LeaveGroupResponse resp;
  Shard& s = shard_for(req.group_id);
  Effects fx;
  {
    std::lock_guard lock(s.mu);
    ErrorCode status = group_status(s, req.group_id, false);
    Group* g = status == ErrorCode::kNone ? find_group(s, req.group_id) : nullptr;
    if (status != ErrorCode::kNone) {
      resp.error_code = static_cast<int16_t>(status);
    } else if (g != nullptr && g->is(GroupState::kDead)) {
      resp.error_code = static_cast<int16_t>(ErrorCode::kCoordinatorNotAvailable);
    } else {
      for (const auto& who : leaving) {
        msg::LeaveGroupResponse::MemberResponse mr;
        mr.member_id = who.member_id;
        mr.group_instance_id = who.group_instance_id;
        ErrorCode e = ErrorCode::kNone;
        if (g == nullptr) {
          e = ErrorCode::kUnknownMemberId;
        } else if (who.group_instance_id) {
          const std::string* current = g->static_member_id(*who.group_instance_id);
          if (current == nullptr) {
            e = ErrorCode::kUnknownMemberId;
          } else if (!who.member_id.empty() && who.member_id != *current) {
            e = ErrorCode::kFencedInstanceId;
          } else {
            remove_member_and_update(s, *g, std::string(*current), fx);
          }
        } else if (g->pending_members().erase(who.member_id) != 0) {
          maybe_complete_join(s, *g, fx);
        } else if (!g->has(who.member_id)) {
          e = ErrorCode::kUnknownMemberId;
        } else {
          remove_member_and_update(s, *g, who.member_id, fx);
        }
        mr.error_code = static_cast<int16_t>(e);
        resp.members.push_back(std::move(mr));
      }
      // Before v3 the response has only the top-level error: the member's.
      if (version < 3 && !resp.members.empty()) resp.error_code = resp.members.front().error_code;
    }
  }
  run(fx);
  return resp;
}

}  // namespace fjord::coordinator
