// The classic group protocol state machine, driven by hand: a fake __consumer_offsets that
// completes appends when told to and a clock that moves only when told to.
#include "coordinator/group_coordinator.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "coordinator/test/coordinator_fakes.h"

namespace fjord::coordinator {
namespace {

using test::FakeClock;
using test::FakeTopic;

constexpr int16_t kJoinV = 9;
constexpr int32_t kSession = 10000;

msg::JoinGroupRequest join_req(const std::string& group, const std::string& member,
                               std::string protocol = "range", Bytes metadata = {1}) {
  msg::JoinGroupRequest r;
  r.group_id = group;
  r.member_id = member;
  r.session_timeout_ms = kSession;
  r.rebalance_timeout_ms = 30000;
  r.protocol_type = "consumer";
  r.protocols.push_back({protocol, metadata, {}});
  return r;
}

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  GroupCoordinatorTest() {
    config.num_partitions = 4;
    config.initial_rebalance_delay_ms = 0;
    make();
  }
  void make() { coordinator = std::make_unique<GroupCoordinator>(config, topic, clock); }

  struct JoinSlot {
    bool done = false;
    msg::JoinGroupResponse resp;
  };
  std::shared_ptr<JoinSlot> join(const msg::JoinGroupRequest& r, int16_t v = kJoinV) {
    auto slot = std::make_shared<JoinSlot>();
    coordinator->join_group(r, v, "client", "/127.0.0.1", [slot](msg::JoinGroupResponse resp) {
      slot->done = true;
      slot->resp = std::move(resp);
    });
    return slot;
  }
  struct SyncSlot {
    bool done = false;
    msg::SyncGroupResponse resp;
  };
  std::shared_ptr<SyncSlot> sync(const std::string& group, const std::string& member,
                                 int32_t generation,
                                 std::vector<std::pair<std::string, Bytes>> assignment = {}) {
    msg::SyncGroupRequest r;
    r.group_id = group;
    r.member_id = member;
    r.generation_id = generation;
    for (auto& [m, a] : assignment) r.assignments.push_back({m, a, {}});
    auto slot = std::make_shared<SyncSlot>();
    coordinator->sync_group(r, 5, [slot](msg::SyncGroupResponse resp) {
      slot->done = true;
      slot->resp = std::move(resp);
    });
    return slot;
  }
  ErrorCode heartbeat(const std::string& group, const std::string& member, int32_t generation) {
    msg::HeartbeatRequest r;
    r.group_id = group;
    r.member_id = member;
    r.generation_id = generation;
    return static_cast<ErrorCode>(coordinator->heartbeat(r).error_code);
  }
  std::string state(const std::string& group) {
    return coordinator->describe_group(group).group_state;
  }
  // KIP-394 two-step join of a new dynamic member; returns its member id.
  std::string member_id_for(const std::string& group) {
    auto first = join(join_req(group, ""));
    EXPECT_TRUE(first->done);
    EXPECT_EQ(first->resp.error_code, static_cast<int16_t>(ErrorCode::kMemberIdRequired));
    return first->resp.member_id;
  }
  void advance(int64_t ms) {
    clock.now += ms;
    coordinator->tick();
    topic.drain();
  }
  // One member through join and sync to Stable at generation 1.
  std::string stable_single_member(const std::string& group) {
    std::string id = member_id_for(group);
    auto j = join(join_req(group, id));
    EXPECT_TRUE(j->done);
    auto s = sync(group, id, j->resp.generation_id, {{id, {9}}});
    topic.drain();
    EXPECT_TRUE(s->done);
    return id;
  }

  GroupConfig config;
  FakeClock clock;
  FakeTopic topic;
  std::unique_ptr<GroupCoordinator> coordinator;
};

TEST_F(GroupCoordinatorTest, FirstJoinNeedsMemberIdThenCompletesAndSyncs) {
  std::string id = member_id_for("g");
  EXPECT_TRUE(id.starts_with("client-"));
  auto j = join(join_req("g", id));
  ASSERT_TRUE(j->done);
  EXPECT_EQ(j->resp.error_code, 0);
  EXPECT_EQ(j->resp.generation_id, 1);
  EXPECT_EQ(j->resp.leader, id);
  EXPECT_EQ(j->resp.protocol_name, "range");
  ASSERT_EQ(j->resp.members.size(), 1u);
  EXPECT_EQ(state("g"), "CompletingRebalance");
  auto s = sync("g", id, 1, {{id, {7, 7}}});
  EXPECT_FALSE(s->done) << "answered only once the group metadata is written";
  topic.drain();
  ASSERT_TRUE(s->done);
  EXPECT_EQ(s->resp.error_code, 0);
  EXPECT_EQ(s->resp.assignment, (Bytes{7, 7}));
  EXPECT_EQ(state("g"), "Stable");
  EXPECT_EQ(heartbeat("g", id, 1), ErrorCode::kNone);
  EXPECT_EQ(heartbeat("g", id, 0), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(heartbeat("g", "nobody", 1), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, OldJoinVersionsGetAMemberIdDirectly) {
  auto j = join(join_req("g", ""), 3);
  ASSERT_TRUE(j->done);
  EXPECT_EQ(j->resp.error_code, 0);
  EXPECT_FALSE(j->resp.member_id.empty());
}

TEST_F(GroupCoordinatorTest, SecondMemberTriggersRebalanceAndBothRejoin) {
  std::string a = stable_single_member("g");
  std::string b = member_id_for("g");
  auto jb = join(join_req("g", b));
  EXPECT_FALSE(jb->done) << "waits for the existing member to rejoin";
  EXPECT_EQ(state("g"), "PreparingRebalance");
  EXPECT_EQ(heartbeat("g", a, 1), ErrorCode::kRebalanceInProgress);
  auto ja = join(join_req("g", a));
  ASSERT_TRUE(ja->done);
  ASSERT_TRUE(jb->done);
  EXPECT_EQ(ja->resp.generation_id, 2);
  EXPECT_EQ(jb->resp.generation_id, 2);
  EXPECT_EQ(ja->resp.leader, a);
  EXPECT_EQ(ja->resp.members.size(), 2u);
  EXPECT_TRUE(jb->resp.members.empty()) << "only the leader sees the members";
  auto sb = sync("g", b, 2);
  EXPECT_FALSE(sb->done);
  auto sa = sync("g", a, 2, {{a, {1}}, {b, {2}}});
  topic.drain();
  ASSERT_TRUE(sa->done && sb->done);
  EXPECT_EQ(sb->resp.assignment, (Bytes{2}));
  EXPECT_EQ(state("g"), "Stable");
  auto stale = sync("g", a, 1);
  ASSERT_TRUE(stale->done);
  EXPECT_EQ(stale->resp.error_code, static_cast<int16_t>(ErrorCode::kIllegalGeneration));
}

TEST_F(GroupCoordinatorTest, SessionTimeoutRemovesSilentMember) {
  std::string a = stable_single_member("g");
  std::string b = member_id_for("g");
  auto jb = join(join_req("g", b));
  auto ja = join(join_req("g", a));
  ASSERT_TRUE(jb->done);
  auto sa = sync("g", a, 2, {{a, {1}}, {b, {2}}});
  auto sb = sync("g", b, 2);
  topic.drain();
  ASSERT_TRUE(sb->done);
  // b keeps heartbeating, a goes silent.
  for (int i = 0; i < 4; ++i) {
    advance(3000);
    EXPECT_EQ(heartbeat("g", b, 2), i < 3 ? ErrorCode::kNone : ErrorCode::kRebalanceInProgress);
  }
  auto jb2 = join(join_req("g", b));
  ASSERT_TRUE(jb2->done);
  EXPECT_EQ(jb2->resp.generation_id, 3);
  EXPECT_EQ(jb2->resp.leader, b);
  EXPECT_EQ(jb2->resp.members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, InitialRebalanceDelayWaitsForMoreMembers) {
  config.initial_rebalance_delay_ms = 3000;
  make();
  std::string a = member_id_for("g");
  auto ja = join(join_req("g", a));
  EXPECT_FALSE(ja->done);
  advance(1000);
  std::string b = member_id_for("g");
  auto jb = join(join_req("g", b));
  advance(2000);
  EXPECT_FALSE(ja->done) << "a member joined during the delay: it is extended";
  advance(3000);
  ASSERT_TRUE(ja->done && jb->done);
  EXPECT_EQ(ja->resp.generation_id, 1);
  EXPECT_EQ(ja->resp.members.size() + jb->resp.members.size(), 2u);
}

TEST_F(GroupCoordinatorTest, LeaveGroupRebalancesTheRest) {
  std::string a = stable_single_member("g");
  msg::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members.push_back({a, std::nullopt, std::nullopt, {}});
  leave.members.push_back({"ghost", std::nullopt, std::nullopt, {}});
  auto resp = coordinator->leave_group(leave, 5);
  topic.drain();
  ASSERT_EQ(resp.members.size(), 2u);
  EXPECT_EQ(resp.members[0].error_code, 0);
  EXPECT_EQ(resp.members[1].error_code, static_cast<int16_t>(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(state("g"), "Empty");
}

TEST_F(GroupCoordinatorTest, StaticMemberRestartFencesTheOldId) {
  auto req = join_req("g", "");
  req.group_instance_id = "instance-1";
  auto j1 = join(req);
  ASSERT_TRUE(j1->done);
  EXPECT_EQ(j1->resp.error_code, 0) << "static members skip MEMBER_ID_REQUIRED";
  std::string old_id = j1->resp.member_id;
  auto s1 = sync("g", old_id, 1, {{old_id, {5}}});
  topic.drain();
  ASSERT_TRUE(s1->done);
  auto j2 = join(req);  // the same instance restarts without its member id
  topic.drain();
  ASSERT_TRUE(j2->done);
  EXPECT_EQ(j2->resp.error_code, 0);
  EXPECT_NE(j2->resp.member_id, old_id);
  EXPECT_EQ(j2->resp.generation_id, 1) << "no rebalance for an unchanged static member";
  msg::HeartbeatRequest hb;
  hb.group_id = "g";
  hb.member_id = old_id;
  hb.generation_id = 1;
  hb.group_instance_id = "instance-1";
  EXPECT_EQ(coordinator->heartbeat(hb).error_code,
            static_cast<int16_t>(ErrorCode::kFencedInstanceId));
  EXPECT_EQ(state("g"), "Stable");
}

TEST_F(GroupCoordinatorTest, GroupMaxSizeAndBadInput) {
  config.max_size = 1;
  make();
  stable_single_member("g");
  // acceptJoiningMember runs before the member id is handed out.
  auto jb = join(join_req("g", ""));
  ASSERT_TRUE(jb->done);
  EXPECT_EQ(jb->resp.error_code, static_cast<int16_t>(ErrorCode::kGroupMaxSizeReached));

  auto bad = join_req("h", "");
  bad.session_timeout_ms = 10;
  EXPECT_EQ(join(bad)->resp.error_code, static_cast<int16_t>(ErrorCode::kInvalidSessionTimeout));
  auto none = join_req("h", "");
  none.protocols.clear();
  EXPECT_EQ(join(none)->resp.error_code,
            static_cast<int16_t>(ErrorCode::kInconsistentGroupProtocol));
  EXPECT_EQ(join(join_req("", ""))->resp.error_code,
            static_cast<int16_t>(ErrorCode::kInvalidGroupId));
  EXPECT_EQ(join(join_req("h", "unknown"))->resp.error_code,
            static_cast<int16_t>(ErrorCode::kUnknownMemberId));
}

msg::OffsetCommitRequest commit_req(const std::string& group, const std::string& member,
                                    int32_t generation, int64_t offset) {
  msg::OffsetCommitRequest r;
  r.group_id = group;
  r.member_id = member;
  r.generation_id_or_member_epoch = generation;
  msg::OffsetCommitRequest::OffsetCommitRequestTopic t;
  t.name = "topic";
  msg::OffsetCommitRequest::OffsetCommitRequestPartition p;
  p.partition_index = 0;
  p.committed_offset = offset;
  p.committed_metadata = "m";
  t.partitions.push_back(p);
  p.partition_index = 99;
  t.partitions.push_back(p);
  r.topics.push_back(t);
  return r;
}

TEST_F(GroupCoordinatorTest, OffsetsCommitFetchAndSurviveReload) {
  auto exists = [](const std::string&, int32_t p) { return p < 10; };
  std::string a = stable_single_member("g");
  std::optional<msg::OffsetCommitResponse> got;
  coordinator->commit_offsets(commit_req("g", a, 1, 42), 9, exists,
                              [&](msg::OffsetCommitResponse r) { got = r; });
  EXPECT_FALSE(got);
  GroupCoordinator::FetchTopics topics =
      std::vector<msg::OffsetFetchRequest::OffsetFetchRequestTopics>{{"topic", {0}, {}}};
  EXPECT_EQ(coordinator->fetch_offsets("g", topics, true).topics[0].partitions[0].error_code,
            static_cast<int16_t>(ErrorCode::kUnstableOffsetCommit));
  topic.drain();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(got->topics[0].partitions[1].error_code,
            static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition));
  auto fetched = coordinator->fetch_offsets("g", topics, true);
  EXPECT_EQ(fetched.topics[0].partitions[0].committed_offset, 42);
  EXPECT_EQ(fetched.topics[0].partitions[0].metadata, "m");

  got.reset();
  coordinator->commit_offsets(commit_req("g", a, 7, 43), 9, exists,
                              [&](msg::OffsetCommitResponse r) { got = r; });
  ASSERT_TRUE(got);
  EXPECT_EQ(got->topics[0].partitions[0].error_code,
            static_cast<int16_t>(ErrorCode::kIllegalGeneration));

  // A new coordinator over the same log: the shard loads on tick.
  coordinator = std::make_unique<GroupCoordinator>(config, topic, clock);
  coordinator->tick();
  EXPECT_TRUE(coordinator->all_loaded());
  EXPECT_EQ(
      coordinator->fetch_offsets("g", std::nullopt, false).topics[0].partitions[0].committed_offset,
      42);
  EXPECT_EQ(state("g"), "Stable");
  EXPECT_EQ(heartbeat("g", a, 1), ErrorCode::kNone);
}

// The coordinator follows the leadership of the group's __consumer_offsets partition
// (Kafka's onResignation / onElection).
TEST_F(GroupCoordinatorTest, FollowsOffsetsPartitionLeadership) {
  auto exists = [](const std::string&, int32_t) { return true; };
  const int32_t p = coordinator->partition_for("g");
  std::string a = stable_single_member("g");
  std::optional<msg::OffsetCommitResponse> got;
  auto commit = [&](int64_t offset) {
    got.reset();
    coordinator->commit_offsets(commit_req("g", a, 1, offset), 9, exists,
                                [&](msg::OffsetCommitResponse r) { got = r; });
  };
  auto committed = [&] {
    auto g = coordinator->fetch_offsets("g", std::nullopt, false);
    return g.error_code != 0 ? -static_cast<int64_t>(g.error_code)
                             : g.topics.at(0).partitions.at(0).committed_offset;
  };
  commit(42);
  topic.drain();
  ASSERT_TRUE(got);
  EXPECT_EQ(committed(), 42);

  // An append in flight when leadership goes completes with NOT_COORDINATOR.
  commit(43);
  topic.epochs[p] = -1;
  coordinator->tick();
  EXPECT_EQ(heartbeat("g", a, 1), ErrorCode::kNotCoordinator);
  topic.drain();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->topics[0].partitions[0].error_code,
            static_cast<int16_t>(ErrorCode::kNotCoordinator));
  commit(44);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->topics[0].partitions[0].error_code,
            static_cast<int16_t>(ErrorCode::kNotCoordinator));
  EXPECT_EQ(committed(), -static_cast<int64_t>(ErrorCode::kNotCoordinator));
  // Other partitions keep serving.
  EXPECT_EQ(heartbeat("other", "x", 1) == ErrorCode::kNotCoordinator,
            coordinator->partition_for("other") == p);

  // Leader again at a newer epoch: loading first, then what the log holds (the commit that
  // completed after the resignation was written, as in Kafka, and is read back).
  const int64_t loading = -static_cast<int64_t>(ErrorCode::kCoordinatorLoadInProgress);
  topic.epochs[p] = 3;
  EXPECT_EQ(committed(), loading);
  EXPECT_FALSE(coordinator->all_loaded());
  coordinator->tick();
  EXPECT_TRUE(coordinator->all_loaded());
  EXPECT_EQ(committed(), 43);
  EXPECT_EQ(heartbeat("g", a, 1), ErrorCode::kNone);

  // Lost and regained between two ticks: the epoch differs, so the shard loads again.
  topic.batches[p].clear();
  topic.epochs[p] = 4;
  EXPECT_EQ(committed(), loading);
  EXPECT_FALSE(coordinator->all_loaded());
  EXPECT_EQ(coordinator->list_groups({}, 4).error_code,
            static_cast<int16_t>(ErrorCode::kCoordinatorLoadInProgress));
  coordinator->tick();
  EXPECT_EQ(coordinator->list_groups({}, 4).error_code, 0);
  EXPECT_EQ(heartbeat("g", a, 1), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, StandaloneCommitsDeleteAndExpiry) {
  auto exists = [](const std::string&, int32_t) { return true; };
  bool answered = false;
  coordinator->commit_offsets(
      commit_req("simple", "", -1, 5), 9, exists,
      [&](msg::OffsetCommitResponse r) { answered = r.topics[0].partitions[0].error_code == 0; });
  topic.drain();
  EXPECT_TRUE(answered);
  EXPECT_EQ(state("simple"), "Empty");
  stable_single_member("busy");
  EXPECT_EQ(coordinator->delete_group("busy").error_code,
            static_cast<int16_t>(ErrorCode::kNonEmptyGroup));
  EXPECT_EQ(coordinator->delete_group("nope").error_code,
            static_cast<int16_t>(ErrorCode::kGroupIdNotFound));
  EXPECT_EQ(coordinator->delete_group("simple").error_code, 0);
  EXPECT_EQ(state("simple"), "Dead");

  coordinator->commit_offsets(commit_req("old", "", -1, 5), 9, exists,
                              [](msg::OffsetCommitResponse) {});
  topic.drain();
  msg::ListGroupsRequest list;
  EXPECT_EQ(coordinator->list_groups(list, 4).groups.size(), 2u);
  list.states_filter = {"empty"};
  auto groups = coordinator->list_groups(list, 4).groups;
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].group_id, "old");
  // A week later: "old" expires; "busy" lost its silent member, became Empty without offsets
  // and goes too (cleanupGroupMetadata).
  clock.now += config.offsets_retention_ms + config.offsets_retention_check_interval_ms;
  coordinator->tick();
  topic.drain();
  coordinator->tick();
  EXPECT_TRUE(coordinator->fetch_offsets("old", std::nullopt, false).topics.empty());
  list.states_filter.clear();
  EXPECT_TRUE(coordinator->list_groups(list, 4).groups.empty());
}

TEST_F(GroupCoordinatorTest, ShutdownAnswersWaitingJoins) {
  std::string a = stable_single_member("g");
  std::string b = member_id_for("g");
  auto jb = join(join_req("g", b));
  ASSERT_FALSE(jb->done);
  coordinator->shutdown();
  ASSERT_TRUE(jb->done);
  EXPECT_EQ(jb->resp.error_code, static_cast<int16_t>(ErrorCode::kNotCoordinator));
}

}  // namespace
}  // namespace fjord::coordinator
