// KIP-848 consumer groups (consumer_group.cc, group_consumer_protocol.cc and their records in
// __consumer_offsets, consumer_group_records.cc), driven by hand: ConsumerGroupHeartbeat
// against a fake __consumer_offsets and a clock that moves only when told to.
#include "coordinator/consumer_group.h"

#include <gtest/gtest.h>

#include <memory>

#include "coordinator/consumer_group_records.h"
#include "coordinator/group_coordinator.h"
#include "coordinator/test/coordinator_fakes.h"

namespace fjord::coordinator {
namespace {

using test::FakeClock;
using test::FakeTopic;
using HbRequest = msg::ConsumerGroupHeartbeatRequest;
using HbResponse = msg::ConsumerGroupHeartbeatResponse;

constexpr int32_t kRebalanceTimeout = 30000;
constexpr int32_t kSessionTimeout = 45000;

Uuid topic_id(uint8_t n) {
  Uuid u;
  u.bytes[15] = n;
  return u;
}

TopicPartitionSet tps(const Uuid& t, std::set<int32_t> ps) {
  TopicPartitionSet out;
  if (!ps.empty()) out[t] = std::move(ps);
  return out;
}

size_t count(const TopicPartitionSet& s) {
  size_t n = 0;
  for (const auto& [t, ps] : s) n += ps.size();
  return n;
}

// --- the pure parts: group state, assignors, reconciliation ---

TEST(ConsumerGroup, StateFollowsEpochsAndMembers) {
  ConsumerGroup g("g");
  EXPECT_EQ(g.state(), ConsumerGroupState::kEmpty);
  ConsumerMember m;
  m.member_id = "a";
  m.member_epoch = 1;
  g.update_member(m);
  g.group_epoch = 2;
  g.assignment_epoch = 1;
  EXPECT_EQ(g.state(), ConsumerGroupState::kAssigning);
  g.assignment_epoch = 2;
  EXPECT_EQ(g.state(), ConsumerGroupState::kReconciling);  // the member is still at epoch 1
  m.member_epoch = 2;
  g.update_member(m);
  EXPECT_EQ(g.state(), ConsumerGroupState::kStable);
  EXPECT_EQ(consumer_group_state_name(ConsumerGroupState::kReconciling), "Reconciling");
  g.remove_member("a");
  EXPECT_EQ(g.state(), ConsumerGroupState::kEmpty);
}

TEST(ConsumerGroup, PartitionEpochsFollowAssignments) {
  const Uuid t = topic_id(1);
  ConsumerGroup g("g");
  ConsumerMember m;
  m.member_id = "a";
  m.member_epoch = 3;
  m.assigned = tps(t, {0, 1});
  m.pending_revocation = tps(t, {2});
  g.update_member(m);
  EXPECT_EQ(g.partition_epoch(t, 0), 3);
  EXPECT_EQ(g.partition_epoch(t, 2), 3);
  EXPECT_EQ(g.partition_epoch(t, 3), -1);
  m.assigned = tps(t, {1});
  m.pending_revocation.clear();
  g.update_member(m);
  EXPECT_EQ(g.partition_epoch(t, 0), -1);
  EXPECT_EQ(g.partition_epoch(t, 2), -1);
  g.remove_member("a");
  EXPECT_EQ(g.partition_epoch(t, 1), -1);
}

TEST(ConsumerGroup, UniformAssignorIsBalancedAndSticky) {
  const Uuid t = topic_id(1);
  SubscriptionMetadata topics{{"t", {t, "t", 7}}};
  MemberSubscriptions members{{"a", {"t"}}, {"b", {"t"}}, {"c", {"t"}}};
  auto first = assign_partitions("uniform", members, topics, {});
  size_t total = 0;
  for (const auto& [id, a] : first) {
    EXPECT_GE(count(a), 2u) << id;
    EXPECT_LE(count(a), 3u) << id;
    total += count(a);
  }
  EXPECT_EQ(total, 7u);
  // A fourth member takes partitions only from members above their new quota; everyone
  // keeps what fits in it.
  members["d"] = {"t"};
  auto second = assign_partitions("uniform", members, topics, first);
  total = 0;
  for (const auto& [id, a] : second) {
    EXPECT_GE(count(a), 1u) << id;
    EXPECT_LE(count(a), 2u) << id;
    total += count(a);
    if (id == "d") continue;
    size_t kept = 0;
    for (int32_t p : a.at(t)) kept += first[id].at(t).count(p);
    EXPECT_EQ(kept, count(a)) << id << " lost a partition it could keep";
  }
  EXPECT_EQ(total, 7u);
}

TEST(ConsumerGroup, RangeAssignorGivesConsecutiveRanges) {
  const Uuid t = topic_id(1);
  SubscriptionMetadata topics{{"t", {t, "t", 5}}};
  auto a = assign_partitions("range", {{"a", {"t"}}, {"b", {"t"}}}, topics, {});
  EXPECT_EQ(a["a"], tps(t, {0, 1, 2}));
  EXPECT_EQ(a["b"], tps(t, {3, 4}));
}

TEST(ConsumerGroup, ReconcileRevokesBeforeTheNextEpoch) {
  const Uuid t = topic_id(1);
  ConsumerGroup g("g");
  ConsumerMember a;
  a.member_id = "a";
  a.member_epoch = 1;
  a.assigned = tps(t, {0, 1, 2, 3});
  g.update_member(a);
  // Target at epoch 2 keeps 0 and 1: 2 and 3 must be revoked first, at the same epoch.
  ConsumerMember next = reconcile(a, g, 2, tps(t, {0, 1}), tps(t, {0, 1, 2, 3}));
  EXPECT_EQ(next.state, ConsumerMemberState::kUnrevokedPartitions);
  EXPECT_EQ(next.member_epoch, 1);
  EXPECT_EQ(next.assigned, tps(t, {0, 1}));
  EXPECT_EQ(next.pending_revocation, tps(t, {2, 3}));
  g.update_member(next);
  // Still owning 3: nothing changes.
  EXPECT_EQ(reconcile(next, g, 2, tps(t, {0, 1}), tps(t, {0, 1, 3})).state,
            ConsumerMemberState::kUnrevokedPartitions);
  // Revoked: epoch 2, stable.
  ConsumerMember done = reconcile(next, g, 2, tps(t, {0, 1}), tps(t, {0, 1}));
  EXPECT_EQ(done.state, ConsumerMemberState::kStable);
  EXPECT_EQ(done.member_epoch, 2);
  EXPECT_EQ(done.previous_member_epoch, 1);
  EXPECT_TRUE(done.pending_revocation.empty());
}

TEST(ConsumerGroup, ReconcileWaitsForPartitionsOwnedByOthers) {
  const Uuid t = topic_id(1);
  ConsumerGroup g("g");
  ConsumerMember a;
  a.member_id = "a";
  a.member_epoch = 1;
  a.assigned = tps(t, {0, 1});
  g.update_member(a);
  ConsumerMember b;
  b.member_id = "b";
  b.member_epoch = 0;
  g.update_member(b);
  ConsumerMember next = reconcile(b, g, 2, tps(t, {1}), TopicPartitionSet{});
  EXPECT_EQ(next.state, ConsumerMemberState::kUnreleasedPartitions);
  EXPECT_EQ(next.member_epoch, 2);
  EXPECT_TRUE(next.assigned.empty());
  a.assigned = tps(t, {0});
  g.update_member(a);  // a released 1
  ConsumerMember got = reconcile(next, g, 2, tps(t, {1}), TopicPartitionSet{});
  EXPECT_EQ(got.state, ConsumerMemberState::kStable);
  EXPECT_EQ(got.assigned, tps(t, {1}));
}

// --- the coordinator: ConsumerGroupHeartbeat with a fake log and clock ---

class ConsumerGroupCoordinatorTest : public ::testing::Test {
 protected:
  ConsumerGroupCoordinatorTest() {
    config.num_partitions = 1;
    config.consumer_protocol_enabled = true;
    config.consumer_session_timeout_ms = kSessionTimeout;
    make();
  }
  void make() { coordinator = std::make_unique<GroupCoordinator>(config, topic_log, clock); }
  // A broker restart: a new coordinator loads the same __consumer_offsets.
  void restart() {
    coordinator.reset();
    make();
    coordinator->tick();
    ASSERT_TRUE(coordinator->all_loaded());
  }

  HbResponse heartbeat(const HbRequest& req) {
    std::optional<HbResponse> out;
    coordinator->consumer_group_heartbeat(
        req, "client", "/127.0.0.1",
        [this](const std::string& name) -> std::optional<SubscribedTopic> {
          if (name != "t") return std::nullopt;
          return SubscribedTopic{topic, "t", partitions};
        },
        [&out](HbResponse r) { out = std::move(r); });
    topic_log.drain();
    EXPECT_TRUE(out.has_value()) << "no answer once the records were written";
    return out.value_or(HbResponse{});
  }
  HbRequest join(const std::string& group, std::optional<std::string> instance = std::nullopt) {
    HbRequest r;
    r.group_id = group;
    r.member_epoch = 0;
    r.instance_id = std::move(instance);
    r.rebalance_timeout_ms = kRebalanceTimeout;
    r.subscribed_topic_names = std::vector<std::string>{"t"};
    r.topic_partitions.emplace();
    return r;
  }
  static HbRequest beat(const std::string& group, const HbResponse& last,
                        std::optional<std::set<int32_t>> owned = std::nullopt) {
    HbRequest r;
    r.group_id = group;
    r.member_id = last.member_id.value_or("");
    r.member_epoch = last.member_epoch;
    if (owned) {
      r.topic_partitions.emplace();
      if (!owned->empty()) {
        HbRequest::TopicPartitions tp;
        tp.topic_id = topic_id(7);
        tp.partitions.assign(owned->begin(), owned->end());
        r.topic_partitions->push_back(tp);
      }
    }
    return r;
  }
  static std::set<int32_t> assigned(const HbResponse& r) {
    std::set<int32_t> out;
    if (!r.assignment) return out;
    for (const auto& tp : r.assignment->topic_partitions) {
      out.insert(tp.partitions.begin(), tp.partitions.end());
    }
    return out;
  }
  static int16_t code(ErrorCode e) { return static_cast<int16_t>(e); }

  GroupConfig config;
  FakeClock clock;
  FakeTopic topic_log;
  Uuid topic = topic_id(7);
  int32_t partitions = 4;
  std::unique_ptr<GroupCoordinator> coordinator;
};

TEST_F(ConsumerGroupCoordinatorTest, DisabledProtocolAnswersUnsupportedVersion) {
  config.consumer_protocol_enabled = false;
  make();
  EXPECT_EQ(heartbeat(join("g")).error_code, code(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(coordinator->consumer_group_describe("g").error_code,
            code(ErrorCode::kUnsupportedVersion));
}

TEST_F(ConsumerGroupCoordinatorTest, TwoMembersShareTheTopicRevokingFirst) {
  HbResponse a = heartbeat(join("g"));
  ASSERT_EQ(a.error_code, 0);
  EXPECT_EQ(a.member_epoch, 1);
  EXPECT_EQ(assigned(a), (std::set<int32_t>{0, 1, 2, 3}));
  HbResponse b = heartbeat(join("g"));
  ASSERT_EQ(b.error_code, 0);
  EXPECT_EQ(b.member_epoch, 2);
  EXPECT_TRUE(assigned(b).empty());  // a still owns everything
  EXPECT_EQ(coordinator->consumer_group_describe("g").group_state, "Reconciling");
  // a must revoke two partitions; it stays at epoch 1 until it does.
  HbResponse a2 = heartbeat(beat("g", a, std::set<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(a2.member_epoch, 1);
  EXPECT_EQ(assigned(a2).size(), 2u);
  const std::set<int32_t> kept = assigned(a2);
  HbResponse a3 = heartbeat(beat("g", a2, kept));
  EXPECT_EQ(a3.member_epoch, 2);
  HbResponse b2 = heartbeat(beat("g", b, std::set<int32_t>{}));
  EXPECT_EQ(b2.member_epoch, 2);
  EXPECT_EQ(assigned(b2).size(), 2u);
  for (int32_t p : assigned(b2)) EXPECT_EQ(kept.count(p), 0u);
  auto d = coordinator->consumer_group_describe("g");
  EXPECT_EQ(d.group_state, "Stable");
  EXPECT_EQ(d.group_epoch, 2);
  EXPECT_EQ(d.assignment_epoch, 2);
}

TEST_F(ConsumerGroupCoordinatorTest, MemberEpochAndMemberIdErrors) {
  HbResponse a = heartbeat(join("g"));
  HbRequest ahead = beat("g", a);
  ahead.member_epoch = a.member_epoch + 1;
  EXPECT_EQ(heartbeat(ahead).error_code, code(ErrorCode::kFencedMemberEpoch));
  HbRequest unknown = beat("g", a);
  unknown.member_id = "no-such-member";
  EXPECT_EQ(heartbeat(unknown).error_code, code(ErrorCode::kUnknownMemberId));
  HbRequest other_group = beat("nope", a);
  EXPECT_EQ(heartbeat(other_group).error_code, code(ErrorCode::kGroupIdNotFound));
  // The previous epoch is accepted only with a subset of the assignment.
  HbResponse b = heartbeat(join("g"));
  ASSERT_EQ(b.error_code, 0);
  HbResponse a2 = heartbeat(beat("g", a, std::set<int32_t>{0, 1, 2, 3}));
  HbResponse a3 = heartbeat(beat("g", a2, assigned(a2)));
  ASSERT_EQ(a3.member_epoch, 2);
  HbRequest stale = beat("g", a, std::set<int32_t>{0, 1, 2, 3});
  EXPECT_EQ(heartbeat(stale).error_code, code(ErrorCode::kFencedMemberEpoch));
}

TEST_F(ConsumerGroupCoordinatorTest, StaticMemberInstanceIds) {
  HbResponse a = heartbeat(join("g", "instance-1"));
  ASSERT_EQ(a.error_code, 0);
  // Another member with the same instance id while the first is active.
  EXPECT_EQ(heartbeat(join("g", "instance-1")).error_code, code(ErrorCode::kUnreleasedInstanceId));
  // A temporary leave (-2) keeps the partitions; the rejoining member takes them over.
  HbRequest leave = beat("g", a);
  leave.instance_id = "instance-1";
  leave.member_epoch = kLeaveGroupStaticMemberEpoch;
  EXPECT_EQ(heartbeat(leave).error_code, 0);
  HbResponse again = heartbeat(join("g", "instance-1"));
  ASSERT_EQ(again.error_code, 0);
  EXPECT_NE(again.member_id, a.member_id);
  EXPECT_EQ(assigned(again), (std::set<int32_t>{0, 1, 2, 3}));
  // The old member id is fenced.
  HbRequest old = beat("g", a);
  old.instance_id = "instance-1";
  EXPECT_EQ(heartbeat(old).error_code, code(ErrorCode::kFencedInstanceId));
}

TEST_F(ConsumerGroupCoordinatorTest, SessionTimeoutFencesTheMember) {
  HbResponse a = heartbeat(join("g"));
  HbResponse b = heartbeat(join("g"));
  ASSERT_EQ(b.member_epoch, 2);
  clock.now += kSessionTimeout - 1;
  heartbeat(beat("g", b, std::set<int32_t>{}));  // b stays alive
  clock.now += 2;
  coordinator->tick();  // a's session expired
  topic_log.drain();
  auto d = coordinator->consumer_group_describe("g");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, b.member_id.value());
  EXPECT_EQ(d.group_epoch, 3);
  EXPECT_EQ(heartbeat(beat("g", a)).error_code, code(ErrorCode::kUnknownMemberId));
  // b gets every partition at epoch 3.
  HbResponse b2 = heartbeat(beat("g", b, std::set<int32_t>{}));
  EXPECT_EQ(b2.member_epoch, 3);
  EXPECT_EQ(assigned(b2), (std::set<int32_t>{0, 1, 2, 3}));
}

TEST_F(ConsumerGroupCoordinatorTest, RebalanceTimeoutFencesAMemberThatDoesNotRevoke) {
  HbResponse a = heartbeat(join("g"));
  HbResponse b = heartbeat(join("g"));
  HbResponse a2 = heartbeat(beat("g", a, std::set<int32_t>{0, 1, 2, 3}));
  ASSERT_EQ(assigned(a2).size(), 2u);  // revoking the other two
  // a keeps heartbeating but never revokes; b keeps its session too.
  for (int i = 0; i < 3; ++i) {
    clock.now += kRebalanceTimeout / 3 + 1;
    ASSERT_EQ(heartbeat(beat("g", a2, std::set<int32_t>{0, 1, 2, 3})).error_code, 0);
    heartbeat(beat("g", b, std::set<int32_t>{}));
    coordinator->tick();
    topic_log.drain();
  }
  auto d = coordinator->consumer_group_describe("g");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, b.member_id.value());
}

TEST_F(ConsumerGroupCoordinatorTest, GroupSurvivesARestart) {
  HbResponse a = heartbeat(join("g"));
  HbResponse b = heartbeat(join("g", "instance-b"));
  HbResponse a2 = heartbeat(beat("g", a, std::set<int32_t>{0, 1, 2, 3}));
  const auto before = coordinator->consumer_group_describe("g");
  ASSERT_EQ(before.members.size(), 2u);
  restart();
  const auto after = coordinator->consumer_group_describe("g");
  ASSERT_EQ(after.error_code, 0);
  EXPECT_EQ(after.group_epoch, before.group_epoch);
  EXPECT_EQ(after.assignment_epoch, before.assignment_epoch);
  EXPECT_EQ(after.group_state, before.group_state);
  ASSERT_EQ(after.members.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after.members[i].member_id, before.members[i].member_id);
    EXPECT_EQ(after.members[i].instance_id, before.members[i].instance_id);
    EXPECT_EQ(after.members[i].member_epoch, before.members[i].member_epoch);
    EXPECT_EQ(after.members[i].assignment, before.members[i].assignment);
    EXPECT_EQ(after.members[i].target_assignment, before.members[i].target_assignment);
    EXPECT_EQ(after.members[i].subscribed_topic_names, before.members[i].subscribed_topic_names);
  }
  // The members carry on with their epochs: a revokes, then b gets its partitions.
  HbResponse a3 = heartbeat(beat("g", a2, assigned(a2)));
  ASSERT_EQ(a3.error_code, 0);
  EXPECT_EQ(a3.member_epoch, 2);
  HbResponse b2 = heartbeat(beat("g", b, std::set<int32_t>{}));
  ASSERT_EQ(b2.error_code, 0);
  EXPECT_EQ(assigned(b2).size(), 2u);
  // The session timeout restarts at load: a member that never comes back is fenced.
  clock.now += kSessionTimeout + 1;
  heartbeat(beat("g", a3, assigned(a2)));
  coordinator->tick();
  topic_log.drain();
  EXPECT_EQ(coordinator->consumer_group_describe("g").members.size(), 1u);
  restart();
  EXPECT_EQ(coordinator->consumer_group_describe("g").members.size(), 1u);
  EXPECT_EQ(coordinator->consumer_group_describe("g").group_epoch, 3);
}

TEST_F(ConsumerGroupCoordinatorTest, DeletedGroupStaysDeletedAfterARestart) {
  HbResponse a = heartbeat(join("g"));
  HbRequest leave = beat("g", a);
  leave.member_epoch = kLeaveGroupMemberEpoch;
  ASSERT_EQ(heartbeat(leave).error_code, 0);
  restart();
  auto d = coordinator->consumer_group_describe("g");
  ASSERT_EQ(d.error_code, 0);
  EXPECT_EQ(d.group_state, "Empty");
  EXPECT_EQ(d.group_epoch, 2);
  EXPECT_EQ(coordinator->delete_group("g").error_code, 0);
  topic_log.drain();
  restart();
  EXPECT_EQ(coordinator->consumer_group_describe("g").error_code,
            code(ErrorCode::kGroupIdNotFound));
}

// --- the records themselves ---

TEST(ConsumerGroupRecords, EncodeAsKafka) {
  ConsumerGroup g("g");
  g.group_epoch = 5;
  auto records = consumer_group_records(nullptr, &g);
  // A new empty group: its epoch and its assignment epoch.
  ASSERT_EQ(records.size(), 2u);
  // ConsumerGroupMetadataKey v3: int16 3, string "g"; value v0: int16 0, int32 5, no tags.
  EXPECT_EQ(records[0].first, (Bytes{0, 3, 0, 1, 'g'}));
  EXPECT_EQ(records[0].second, (Bytes{0, 0, 0, 0, 0, 5, 0}));
  // ConsumerGroupTargetAssignmentMetadataKey v6, value AssignmentEpoch 0.
  EXPECT_EQ(records[1].first, (Bytes{0, 6, 0, 1, 'g'}));
  EXPECT_EQ(records[1].second, (Bytes{0, 0, 0, 0, 0, 0, 0}));
  // Deleting writes Kafka's tombstones, the group epoch last.
  auto tombstones = consumer_group_records(&g, nullptr);
  ASSERT_FALSE(tombstones.empty());
  for (const auto& [k, v] : tombstones) EXPECT_FALSE(v.has_value());
  EXPECT_EQ(tombstones.back().first, (Bytes{0, 3, 0, 1, 'g'}));
}

TEST(ConsumerGroupRecords, ReplayRebuildsTheGroup) {
  const Uuid t = topic_id(9);
  ConsumerGroup g("g");
  g.group_epoch = 4;
  g.assignment_epoch = 4;
  g.subscription_metadata["t"] = {t, "t", 3};
  ConsumerMember m;
  m.member_id = "m";
  m.instance_id = "i";
  m.client_id = "c";
  m.client_host = "/h";
  m.subscribed_topics = {"t"};
  m.rebalance_timeout_ms = 1000;
  m.server_assignor = "range";
  m.member_epoch = 4;
  m.previous_member_epoch = 3;
  m.state = ConsumerMemberState::kUnrevokedPartitions;
  m.assigned = tps(t, {0});
  m.pending_revocation = tps(t, {1});
  g.update_member(m);
  g.target["m"] = tps(t, {0, 2});
  ConsumerGroupReplay replay;
  for (const auto& [k, v] : consumer_group_records(nullptr, &g)) {
    ASSERT_TRUE(is_consumer_group_key(k));
    ASSERT_EQ(replay.apply(k, v ? std::optional<ByteView>(*v) : std::nullopt), ErrorCode::kNone);
  }
  auto groups = replay.take();
  ASSERT_EQ(groups.size(), 1u);
  const ConsumerGroup& r = *groups.at("g");
  EXPECT_EQ(r.group_epoch, 4);
  EXPECT_EQ(r.assignment_epoch, 4);
  EXPECT_EQ(r.subscription_metadata, g.subscription_metadata);
  EXPECT_EQ(r.target, g.target);
  ASSERT_EQ(r.members.size(), 1u);
  const ConsumerMember& rm = r.members.at("m");
  EXPECT_EQ(rm.instance_id, m.instance_id);
  EXPECT_EQ(rm.client_host, m.client_host);
  EXPECT_EQ(rm.server_assignor, m.server_assignor);
  EXPECT_EQ(rm.rebalance_timeout_ms, 1000);
  EXPECT_EQ(rm.previous_member_epoch, 3);
  EXPECT_EQ(rm.state, ConsumerMemberState::kUnrevokedPartitions);
  EXPECT_EQ(rm.assigned, m.assigned);
  EXPECT_EQ(rm.pending_revocation, m.pending_revocation);
  EXPECT_EQ(r.partition_epoch(t, 1), 4);
  EXPECT_EQ(r.static_members.at("i"), "m");
  // Nothing changed, nothing to write.
  EXPECT_TRUE(consumer_group_records(&g, &r).empty());
}

}  // namespace
}  // namespace fjord::coordinator
