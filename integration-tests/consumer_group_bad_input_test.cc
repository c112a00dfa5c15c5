// A misbehaving group client over raw sockets (the classic protocol): an invalid session
// timeout, a stale generation, an unknown member, the KIP-394 first join, a full group
// (group.max.size=2 here), a fenced static member (KIP-345), deleting a group that still has
// members, committing offsets while the group rebalances, and groups that do not exist. Each
// gets Kafka's error code, and the broker keeps serving. Requests are built with the generated
// codecs, never by hand.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/offset_commit.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "protocol/error_code.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/sync_group.h"

namespace fjord::itest {
namespace {

constexpr int16_t kJoinVersion = 5;  // v4+: MEMBER_ID_REQUIRED; v5+: group.instance.id
constexpr int16_t kSyncVersion = 3;
constexpr int16_t kHeartbeatVersion = 3;
constexpr int16_t kCommitVersion = 7;
constexpr int16_t kDeleteVersion = 2;
constexpr int16_t kOffsetDeleteVersion = 0;
constexpr int16_t kFindCoordinatorVersion = 3;
constexpr const char* kTopic = "group-bad-input";

int16_t code(ErrorCode e) { return static_cast<int16_t>(e); }

// One group client connection: requests out, typed responses back (asynchronously when a
// JoinGroup has to wait for other members).
class Client {
 public:
  explicit Client(uint16_t port) : conn_(port) {}

  template <typename Request>
  void send(const Request& req, int16_t version) {
    ASSERT_TRUE(conn_.send_request(req, version, ++correlation_)) << "connection closed";
  }
  template <typename Response>
  Response receive(int16_t version) {
    Response resp;
    auto frame = conn_.read_frame(60s);
    EXPECT_TRUE(frame.has_value()) << "no response (connection closed or timed out)";
    if (!frame) return resp;
    ResponseHeader header;
    EXPECT_TRUE(RawConnection::decode_response(*frame, version, header, resp));
    EXPECT_EQ(header.correlation_id, correlation_);
    return resp;
  }
  template <typename Response, typename Request>
  Response call(const Request& req, int16_t version) {
    send(req, version);
    return receive<Response>(version);
  }

  msg::JoinGroupResponse join(const msg::JoinGroupRequest& req) {
    return call<msg::JoinGroupResponse>(req, kJoinVersion);
  }
  msg::SyncGroupResponse sync(const std::string& group, int32_t generation,
                              const std::string& member,
                              std::optional<std::string> instance = std::nullopt,
                              bool leader = false) {
    msg::SyncGroupRequest req;
    req.group_id = group;
    req.generation_id = generation;
    req.member_id = member;
    req.group_instance_id = std::move(instance);
    if (leader) {
      msg::SyncGroupRequest::SyncGroupRequestAssignment a;
      a.member_id = member;
      a.assignment = Bytes{1, 2, 3};
      req.assignments.push_back(a);
    }
    return call<msg::SyncGroupResponse>(req, kSyncVersion);
  }
  int16_t heartbeat(const std::string& group, int32_t generation, const std::string& member,
                    std::optional<std::string> instance = std::nullopt) {
    msg::HeartbeatRequest req;
    req.group_id = group;
    req.generation_id = generation;
    req.member_id = member;
    req.group_instance_id = std::move(instance);
    return call<msg::HeartbeatResponse>(req, kHeartbeatVersion).error_code;
  }
  int16_t commit(const std::string& group, int32_t generation, const std::string& member) {
    auto resp = call<msg::OffsetCommitResponse>(
        one_partition_commit(group, kTopic, 0, member, generation), kCommitVersion);
    const int16_t error = one_partition_error(resp);
    if (error == -1) ADD_FAILURE() << "OffsetCommit answered " << resp.topics.size() << " topics";
    return error;
  }

 private:
  RawConnection conn_;
  int32_t correlation_ = 0;
};

msg::JoinGroupRequest join_request(const std::string& group, const std::string& member = "",
                                   std::optional<std::string> instance = std::nullopt) {
  msg::JoinGroupRequest req;
  req.group_id = group;
  req.session_timeout_ms = 10000;
  req.rebalance_timeout_ms = 30000;
  req.member_id = member;
  req.group_instance_id = std::move(instance);
  req.protocol_type = "consumer";
  msg::JoinGroupRequest::JoinGroupRequestProtocol p;
  p.name = "range";
  p.metadata = Bytes{0, 1, 2};
  req.protocols.push_back(p);
  return req;
}

// One broker for the file (Kafka takes seconds to start); every test uses its own group.
class GroupBadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = make_broker({.overrides = {{"group.max.size", "2"}}}).release();
    if (broker_->unavailable_reason()) return;
    broker_->start();
    create_topic(broker_->bootstrap(), kTopic, 1);
    // The first FindCoordinator creates __consumer_offsets; wait until the coordinator serves.
    Client c(broker_->port());
    msg::FindCoordinatorRequest find;
    find.key = "group-bad-input-probe";
    ready_ = wait_for(
        [&] {
          return c.call<msg::FindCoordinatorResponse>(find, kFindCoordinatorVersion).error_code ==
                 0;
        },
        60s, 200ms);
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override {
    FJORD_SKIP_IF_UNAVAILABLE(*broker_);
    ASSERT_TRUE(ready_) << "FindCoordinator never answered NONE";
  }
  void TearDown() override {
    if (broker_->unavailable_reason()) return;
    ASSERT_TRUE(broker_->running()) << "the broker died";
  }
  static std::unique_ptr<Client> client() { return std::make_unique<Client>(broker_->port()); }

  // Waits until the coordinator of each group serves it (its __consumer_offsets partition is
  // led and loaded): a Heartbeat from a stranger then gets UNKNOWN_MEMBER_ID, not
  // NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS.
  static void await_coordinator(std::initializer_list<std::string> groups) {
    Client c(broker_->port());
    for (const std::string& group : groups) {
      ASSERT_TRUE(wait_for(
          [&] { return c.heartbeat(group, 1, "probe") == code(ErrorCode::kUnknownMemberId); }, 30s,
          100ms))
          << "the coordinator of " << group << " never served it";
    }
  }

  // A dynamic member through both KIP-394 joins and its SyncGroup: the group is Stable at
  // generation 1 with this one member leading. Returns the member id.
  static std::string stable_single_member(Client& c, const std::string& group) {
    auto first = c.join(join_request(group));
    EXPECT_EQ(first.error_code, code(ErrorCode::kMemberIdRequired));
    auto second = c.join(join_request(group, first.member_id));
    EXPECT_EQ(second.error_code, 0);
    EXPECT_EQ(second.generation_id, 1);
    EXPECT_EQ(second.leader, first.member_id);
    EXPECT_EQ(c.sync(group, 1, first.member_id, std::nullopt, true).error_code, 0);
    return first.member_id;
  }

  static inline Broker* broker_ = nullptr;
  static inline bool ready_ = false;
};

TEST_F(GroupBadInput, SessionTimeoutOutsideTheBrokersBoundsIsInvalid) {
  await_coordinator({"g-session"});
  auto c = client();
  auto req = join_request("g-session");
  req.session_timeout_ms = 1000;  // below group.min.session.timeout.ms (6000)
  auto low = c->join(req);
  EXPECT_EQ(low.error_code, code(ErrorCode::kInvalidSessionTimeout));
  EXPECT_EQ(low.generation_id, -1);
  req.session_timeout_ms = 1800001;  // above group.max.session.timeout.ms (30 minutes)
  EXPECT_EQ(c->join(req).error_code, code(ErrorCode::kInvalidSessionTimeout));
}

TEST_F(GroupBadInput, FirstJoinOfADynamicMemberGetsMemberIdRequired) {
  await_coordinator({"g-member-id", "g-member-id-v3"});
  auto c = client();
  auto first = c->join(join_request("g-member-id"));
  EXPECT_EQ(first.error_code, code(ErrorCode::kMemberIdRequired));
  EXPECT_FALSE(first.member_id.empty());
  EXPECT_EQ(first.generation_id, -1);
  auto second = c->join(join_request("g-member-id", first.member_id));
  EXPECT_EQ(second.error_code, 0);
  EXPECT_EQ(second.member_id, first.member_id);
  EXPECT_EQ(second.generation_id, 1);
  EXPECT_EQ(second.members.size(), 1u);  // the leader gets every member's subscription
  // JoinGroup v3 has no MEMBER_ID_REQUIRED: the first join gets an id and a generation.
  auto v3 = c->call<msg::JoinGroupResponse>(join_request("g-member-id-v3"), 3);
  EXPECT_EQ(v3.error_code, 0);
  EXPECT_FALSE(v3.member_id.empty());
  EXPECT_EQ(v3.generation_id, 1);
}

TEST_F(GroupBadInput, JoinWithAMemberIdTheGroupDoesNotKnowIsUnknownMember) {
  await_coordinator({"g-unknown-join"});
  auto c = client();
  // The group does not exist: a member id is refused.
  EXPECT_EQ(c->join(join_request("g-unknown-join", "nobody-1")).error_code,
            code(ErrorCode::kUnknownMemberId));
  stable_single_member(*c, "g-unknown-join");
  EXPECT_EQ(c->join(join_request("g-unknown-join", "nobody-2")).error_code,
            code(ErrorCode::kUnknownMemberId));
}

TEST_F(GroupBadInput, JoinWithoutProtocolsIsInconsistent) {
  await_coordinator({"g-no-protocols"});
  auto c = client();
  auto req = join_request("g-no-protocols");
  req.protocols.clear();
  EXPECT_EQ(c->join(req).error_code, code(ErrorCode::kInconsistentGroupProtocol));
  auto no_type = join_request("g-no-protocols");
  no_type.protocol_type = "";
  EXPECT_EQ(c->join(no_type).error_code, code(ErrorCode::kInconsistentGroupProtocol));
}

TEST_F(GroupBadInput, SyncAndHeartbeatFromAWrongGenerationOrUnknownMember) {
  await_coordinator({"g-generation", "g-generation-none"});
  auto c = client();
  const std::string group = "g-generation";
  const std::string member = stable_single_member(*c, group);
  EXPECT_EQ(c->heartbeat(group, 1, member), 0);
  EXPECT_EQ(c->heartbeat(group, 0, member), code(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(c->heartbeat(group, 2, member), code(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(c->heartbeat(group, 1, "not-a-member"), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(c->sync(group, 7, member).error_code, code(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(c->sync(group, 1, "not-a-member").error_code, code(ErrorCode::kUnknownMemberId));
  // A group nobody joined: the member cannot be known.
  EXPECT_EQ(c->heartbeat("g-generation-none", 1, member), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(c->sync("g-generation-none", 1, member).error_code, code(ErrorCode::kUnknownMemberId));
  // The good member is unharmed.
  EXPECT_EQ(c->heartbeat(group, 1, member), 0);
}

// Two members rebalance at once: b's second join waits until a rejoins.
TEST_F(GroupBadInput, GroupMaxSizeRefusesAThirdMemberAndCommitsFollowTheRebalance) {
  await_coordinator({"g-max-size"});
  const std::string group = "g-max-size";
  auto a = client();
  auto b = client();
  const std::string a_id = stable_single_member(*a, group);
  auto b_first = b->join(join_request(group));
  ASSERT_EQ(b_first.error_code, code(ErrorCode::kMemberIdRequired));
  b->send(join_request(group, b_first.member_id), kJoinVersion);  // waits for a
  // The group is rebalancing (PreparingRebalance): a's heartbeat says so, and a may still
  // commit with its generation before it rejoins.
  EXPECT_TRUE(wait_for(
      [&] { return a->heartbeat(group, 1, a_id) == code(ErrorCode::kRebalanceInProgress); }, 10s));
  EXPECT_EQ(a->commit(group, 1, a_id), 0);
  auto a_join = a->join(join_request(group, a_id));
  auto b_join = b->receive<msg::JoinGroupResponse>(kJoinVersion);
  ASSERT_EQ(a_join.error_code, 0);
  ASSERT_EQ(b_join.error_code, 0);
  EXPECT_EQ(a_join.generation_id, 2);
  EXPECT_EQ(b_join.generation_id, 2);
  // CompletingRebalance (joined, nobody synced): commits are refused until the assignment.
  EXPECT_EQ(a->commit(group, 2, a_id), code(ErrorCode::kRebalanceInProgress));
  EXPECT_EQ(a->commit(group, 1, a_id), code(ErrorCode::kIllegalGeneration));
  EXPECT_EQ(a->commit(group, 2, "not-a-member"), code(ErrorCode::kUnknownMemberId));
  // group.max.size=2: a third member is refused before it gets a member id.
  auto c = client();
  auto c_join = c->join(join_request(group));
  EXPECT_EQ(c_join.error_code, code(ErrorCode::kGroupMaxSizeReached));
  // The leader's SyncGroup completes the rebalance for both; then commits are accepted.
  const bool a_leads = a_join.leader == a_id;
  Client& leader = a_leads ? *a : *b;
  Client& follower = a_leads ? *b : *a;
  const std::string leader_id = a_leads ? a_id : b_first.member_id;
  const std::string follower_id = a_leads ? b_first.member_id : a_id;
  msg::SyncGroupRequest follower_sync;
  follower_sync.group_id = group;
  follower_sync.generation_id = 2;
  follower_sync.member_id = follower_id;
  follower.send(follower_sync, kSyncVersion);
  EXPECT_EQ(leader.sync(group, 2, leader_id, std::nullopt, true).error_code, 0);
  EXPECT_EQ(follower.receive<msg::SyncGroupResponse>(kSyncVersion).error_code, 0);
  EXPECT_EQ(a->commit(group, 2, a_id), 0);
  EXPECT_EQ(c->join(join_request(group)).error_code, code(ErrorCode::kGroupMaxSizeReached));
}

TEST_F(GroupBadInput, AReplacedStaticMemberIsFenced) {
  await_coordinator({"g-static"});
  const std::string group = "g-static";
  auto c = client();
  // A static member gets its id on the first join (no MEMBER_ID_REQUIRED).
  auto first = c->join(join_request(group, "", "instance-1"));
  ASSERT_EQ(first.error_code, 0);
  ASSERT_EQ(first.generation_id, 1);
  const std::string old_id = first.member_id;
  ASSERT_EQ(c->sync(group, 1, old_id, "instance-1", true).error_code, 0);
  // The same instance restarts: a new member id takes over, the old one is fenced.
  auto again = c->join(join_request(group, "", "instance-1"));
  ASSERT_EQ(again.error_code, 0);
  EXPECT_NE(again.member_id, old_id);
  EXPECT_EQ(again.generation_id, 1);
  EXPECT_EQ(c->heartbeat(group, 1, old_id, "instance-1"), code(ErrorCode::kFencedInstanceId));
  EXPECT_EQ(c->sync(group, 1, old_id, "instance-1").error_code, code(ErrorCode::kFencedInstanceId));
  EXPECT_EQ(c->join(join_request(group, old_id, "instance-1")).error_code,
            code(ErrorCode::kFencedInstanceId));
  EXPECT_EQ(c->heartbeat(group, 1, again.member_id, "instance-1"), 0);
}

TEST_F(GroupBadInput, DeleteGroupsRefusesAGroupWithMembersAndUnknownGroups) {
  await_coordinator({"g-delete", "g-delete-never-existed"});
  auto c = client();
  const std::string group = "g-delete";
  const std::string member = stable_single_member(*c, group);
  msg::DeleteGroupsRequest del;
  del.groups_names = {group, "g-delete-never-existed"};
  auto resp = c->call<msg::DeleteGroupsResponse>(del, kDeleteVersion);
  ASSERT_EQ(resp.results.size(), 2u);
  for (const auto& r : resp.results) {
    if (r.group_id == group) {
      EXPECT_EQ(r.error_code, code(ErrorCode::kNonEmptyGroup));
    } else {
      EXPECT_EQ(r.error_code, code(ErrorCode::kGroupIdNotFound)) << r.group_id;
    }
  }
  EXPECT_EQ(c->heartbeat(group, 1, member), 0);  // still there
}

TEST_F(GroupBadInput, OffsetDeleteOnAGroupThatDoesNotExistIsGroupIdNotFound) {
  await_coordinator({"g-offset-delete-never-existed"});
  auto c = client();
  msg::OffsetDeleteRequest req;
  req.group_id = "g-offset-delete-never-existed";
  msg::OffsetDeleteRequest::OffsetDeleteRequestTopic t;
  t.name = kTopic;
  t.partitions.push_back({});
  req.topics.push_back(t);
  auto resp = c->call<msg::OffsetDeleteResponse>(req, kOffsetDeleteVersion);
  EXPECT_EQ(resp.error_code, code(ErrorCode::kGroupIdNotFound));
}

}  // namespace
}  // namespace fjord::itest
