// KIP-848 ConsumerGroupHeartbeat and ConsumerGroupDescribe over raw sockets, step by step: a
// member joins and gets every partition; a second member joins and gets nothing until the
// first has revoked (partitions are never owned twice); member epochs fence stale members;
// leaving with epoch -1 and a static member's temporary leave with -2; OffsetCommit and
// OffsetFetch checked against member epochs; and the request errors (INVALID_REQUEST,
// UNSUPPORTED_ASSIGNOR, UNKNOWN_MEMBER_ID, GROUP_ID_NOT_FOUND, FENCED_MEMBER_EPOCH,
// UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID, STALE_MEMBER_EPOCH). Kafka 3.9 and Fjord need
// group.coordinator.rebalance.protocols=classic,consumer (3.9's default is classic).
#include "protocol/generated/consumer_group_heartbeat.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/offset_commit.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "protocol/error_code.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_fetch.h"

namespace fjord::itest {
namespace {

using HbRequest = msg::ConsumerGroupHeartbeatRequest;
using HbResponse = msg::ConsumerGroupHeartbeatResponse;
using Described = msg::ConsumerGroupDescribeResponse::DescribedGroup;

constexpr const char* kTopic = "kip848-raw";
constexpr int32_t kPartitions = 4;

int16_t code(ErrorCode e) { return static_cast<int16_t>(e); }

size_t partition_count(const std::optional<HbResponse::Assignment>& a) {
  size_t n = 0;
  if (a) {
    for (const auto& t : a->topic_partitions) n += t.partitions.size();
  }
  return n;
}

std::set<int32_t> partitions_of(const std::optional<HbResponse::Assignment>& a) {
  std::set<int32_t> out;
  if (a) {
    for (const auto& t : a->topic_partitions) out.insert(t.partitions.begin(), t.partitions.end());
  }
  return out;
}

class Client {
 public:
  explicit Client(uint16_t port) : conn_(port) {}

  template <typename Response, typename Request>
  Response call(const Request& req, int16_t version) {
    Response resp;
    EXPECT_TRUE(conn_.send_request(req, version, ++correlation_)) << "connection closed";
    auto frame = conn_.read_frame(30s);
    EXPECT_TRUE(frame.has_value()) << "no response (connection closed or timed out)";
    if (!frame) return resp;
    ResponseHeader header;
    EXPECT_TRUE(RawConnection::decode_response(*frame, version, header, resp));
    return resp;
  }
  HbResponse heartbeat(const HbRequest& req) { return call<HbResponse>(req, 0); }
  Described describe(const std::string& group) {
    msg::ConsumerGroupDescribeRequest req;
    req.group_ids = {group};
    auto resp = call<msg::ConsumerGroupDescribeResponse>(req, 0);
    EXPECT_EQ(resp.groups.size(), 1u);
    return resp.groups.empty() ? Described{} : resp.groups[0];
  }
  int16_t commit(const std::string& group, const std::string& member, int32_t epoch,
                 int16_t version = 9) {
    return one_partition_error(call<msg::OffsetCommitResponse>(
        one_partition_commit(group, kTopic, 0, member, epoch), version));
  }
  int16_t fetch(const std::string& group, const std::string& member, int32_t epoch) {
    msg::OffsetFetchRequest req;
    msg::OffsetFetchRequest::OffsetFetchRequestGroup g;
    g.group_id = group;
    g.member_id = member;
    g.member_epoch = epoch;
    g.topics.reset();
    req.groups.push_back(g);
    auto resp = call<msg::OffsetFetchResponse>(req, 9);
    return resp.groups.size() == 1 ? resp.groups[0].error_code : -1;
  }

 private:
  RawConnection conn_;
  int32_t correlation_ = 0;
};

HbRequest join(const std::string& group, const std::string& member_id,
               std::optional<std::string> instance = std::nullopt) {
  HbRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.member_epoch = 0;
  r.instance_id = std::move(instance);
  r.rebalance_timeout_ms = 30000;
  r.subscribed_topic_names = std::vector<std::string>{kTopic};
  r.topic_partitions = std::vector<HbRequest::TopicPartitions>{};
  return r;
}

// A heartbeat that reports what the member owns (nullopt: leaves the field null).
HbRequest beat(const std::string& group, const std::string& member_id, int32_t epoch,
               std::optional<std::set<int32_t>> owned, const Uuid& topic_id,
               std::optional<std::string> instance = std::nullopt) {
  HbRequest r;
  r.group_id = group;
  r.member_id = member_id;
  r.member_epoch = epoch;
  r.instance_id = std::move(instance);
  if (owned) {
    r.topic_partitions.emplace();
    if (!owned->empty()) {
      HbRequest::TopicPartitions tp;
      tp.topic_id = topic_id;
      tp.partitions.assign(owned->begin(), owned->end());
      r.topic_partitions->push_back(tp);
    }
  }
  return r;
}

class ConsumerGroupHeartbeat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ =
        make_broker({.overrides = {{"group.coordinator.rebalance.protocols", "classic,consumer"}}})
            .release();
    if (broker_->unavailable_reason()) return;
    broker_->start();
    create_topic(broker_->bootstrap(), kTopic, kPartitions);
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override { FJORD_SKIP_IF_UNAVAILABLE(*broker_); }
  void TearDown() override {
    if (broker_->unavailable_reason()) return;
    ASSERT_TRUE(broker_->running()) << "the broker died";
  }
  static std::unique_ptr<Client> client() { return std::make_unique<Client>(broker_->port()); }

  // The first member of `group` (waiting until its coordinator serves): it owns every
  // partition at epoch 1.
  static HbResponse first_member(Client& c, const std::string& group, const std::string& id,
                                 std::optional<std::string> instance = std::nullopt) {
    HbResponse r;
    EXPECT_TRUE(wait_for(
        [&] {
          // The first FindCoordinator creates __consumer_offsets (Kafka answers NOT_COORDINATOR
          // until then).
          msg::FindCoordinatorRequest find;
          find.key = group;
          c.call<msg::FindCoordinatorResponse>(find, 3);
          r = c.heartbeat(join(group, id, instance));
          return r.error_code != code(ErrorCode::kNotCoordinator) &&
                 r.error_code != code(ErrorCode::kCoordinatorLoadInProgress) &&
                 r.error_code != code(ErrorCode::kCoordinatorNotAvailable);
        },
        30s, 100ms));
    EXPECT_EQ(r.error_code, 0) << r.error_message.value_or("");
    EXPECT_EQ(r.member_epoch, 1);
    EXPECT_EQ(partition_count(r.assignment), static_cast<size_t>(kPartitions));
    return r;
  }
  static Uuid topic_id(const HbResponse& r) {
    return r.assignment && !r.assignment->topic_partitions.empty()
               ? r.assignment->topic_partitions[0].topic_id
               : Uuid{};
  }

  static inline Broker* broker_ = nullptr;
};

TEST_F(ConsumerGroupHeartbeat, AMemberJoinsAndDescribeShowsIt) {
  auto c = client();
  auto r = first_member(*c, "kip848-join", "member-join-1");
  EXPECT_EQ(r.member_id, "member-join-1");
  EXPECT_EQ(r.heartbeat_interval_ms, 5000);  // group.consumer.heartbeat.interval.ms
  ASSERT_EQ(r.assignment->topic_partitions.size(), 1u);
  EXPECT_FALSE(topic_id(r).is_zero());
  // A heartbeat without changes: same epoch, no assignment sent again.
  auto again = c->heartbeat(beat("kip848-join", "member-join-1", 1, std::nullopt, Uuid{}));
  EXPECT_EQ(again.error_code, 0);
  EXPECT_EQ(again.member_epoch, 1);
  EXPECT_FALSE(again.assignment.has_value());

  auto d = c->describe("kip848-join");
  EXPECT_EQ(d.error_code, 0);
  EXPECT_EQ(d.group_state, "Stable");
  EXPECT_EQ(d.group_epoch, 1);
  EXPECT_EQ(d.assignment_epoch, 1);
  EXPECT_EQ(d.assignor_name, "uniform");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, "member-join-1");
  EXPECT_EQ(d.members[0].member_epoch, 1);
  EXPECT_EQ(d.members[0].subscribed_topic_names, std::vector<std::string>{kTopic});
  ASSERT_EQ(d.members[0].assignment.topic_partitions.size(), 1u);
  EXPECT_EQ(d.members[0].assignment.topic_partitions[0].topic_name, kTopic);
  EXPECT_EQ(d.members[0].assignment.topic_partitions[0].partitions.size(),
            static_cast<size_t>(kPartitions));

  // ListGroups v5 names its type.
  msg::ListGroupsRequest list;
  auto groups = c->call<msg::ListGroupsResponse>(list, 5);
  bool found = false;
  for (const auto& g : groups.groups) {
    if (g.group_id != "kip848-join") continue;
    found = true;
    EXPECT_EQ(g.group_type, "consumer");
    EXPECT_EQ(g.protocol_type, "consumer");
    EXPECT_EQ(g.group_state, "Stable");
  }
  EXPECT_TRUE(found);
  // An unknown group is not found.
  EXPECT_EQ(c->describe("kip848-never").error_code, code(ErrorCode::kGroupIdNotFound));
}

TEST_F(ConsumerGroupHeartbeat, PartitionsAreRevokedBeforeTheyMove) {
  const std::string g = "kip848-revoke";
  auto a = client();
  auto b = client();
  auto ra = first_member(*a, g, "member-a");
  const Uuid tid = topic_id(ra);
  const std::set<int32_t> all = partitions_of(ra.assignment);
  // b joins: epoch 2, but its partitions still belong to a.
  auto rb = b->heartbeat(join(g, "member-b"));
  ASSERT_EQ(rb.error_code, 0);
  EXPECT_EQ(rb.member_epoch, 2);
  EXPECT_EQ(partition_count(rb.assignment), 0u);
  EXPECT_EQ(b->describe(g).group_state, "Reconciling");
  // a learns it must give two up: it stays at epoch 1 with the two it keeps.
  auto ra2 = a->heartbeat(beat(g, "member-a", 1, all, tid));
  ASSERT_EQ(ra2.error_code, 0);
  EXPECT_EQ(ra2.member_epoch, 1);
  const std::set<int32_t> kept = partitions_of(ra2.assignment);
  EXPECT_EQ(kept.size(), 2u);
  // b still gets nothing while a owns them.
  auto rb2 = b->heartbeat(beat(g, "member-b", 2, std::set<int32_t>{}, tid));
  EXPECT_EQ(rb2.member_epoch, 2);
  EXPECT_EQ(partition_count(rb2.assignment), 0u);
  // a reports it revoked them: epoch 2.
  auto ra3 = a->heartbeat(beat(g, "member-a", 1, kept, tid));
  ASSERT_EQ(ra3.error_code, 0);
  EXPECT_EQ(ra3.member_epoch, 2);
  // Now b gets the other two.
  auto rb3 = b->heartbeat(beat(g, "member-b", 2, std::set<int32_t>{}, tid));
  ASSERT_EQ(rb3.error_code, 0);
  EXPECT_EQ(rb3.member_epoch, 2);
  std::set<int32_t> moved = partitions_of(rb3.assignment);
  EXPECT_EQ(moved.size(), 2u);
  for (int32_t p : moved) EXPECT_EQ(kept.count(p), 0u) << "partition " << p << " owned twice";
  auto d = b->describe(g);
  EXPECT_EQ(d.group_state, "Stable");
  EXPECT_EQ(d.group_epoch, 2);
  EXPECT_EQ(d.members.size(), 2u);

  // Offsets are committed with the member epoch.
  EXPECT_EQ(a->commit(g, "member-a", 2), 0);
  EXPECT_EQ(a->commit(g, "member-a", 1), code(ErrorCode::kStaleMemberEpoch));
  EXPECT_EQ(a->commit(g, "member-a", 2, 8), code(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(a->commit(g, "nobody", 2), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(a->fetch(g, "member-a", 2), 0);
  EXPECT_EQ(a->fetch(g, "member-a", 1), code(ErrorCode::kStaleMemberEpoch));
  EXPECT_EQ(a->fetch(g, "nobody", 2), code(ErrorCode::kUnknownMemberId));

  // b leaves with epoch -1; the group epoch moves on and a gets everything back.
  auto leave = b->heartbeat(beat(g, "member-b", -1, std::nullopt, tid));
  EXPECT_EQ(leave.error_code, 0);
  EXPECT_EQ(leave.member_epoch, -1);
  EXPECT_EQ(leave.member_id, "member-b");
  auto ra4 = a->heartbeat(beat(g, "member-a", 2, kept, tid));
  EXPECT_EQ(ra4.error_code, 0);
  EXPECT_EQ(ra4.member_epoch, 3);
  EXPECT_EQ(partition_count(ra4.assignment), static_cast<size_t>(kPartitions));
  EXPECT_EQ(a->describe(g).members.size(), 1u);
}

TEST_F(ConsumerGroupHeartbeat, BadRequestsGetKafkasErrors) {
  auto c = client();
  const std::string g = "kip848-errors";
  auto r = first_member(*c, g, "member-e");
  const Uuid tid = topic_id(r);
  auto err = [&](const HbRequest& req) { return c->heartbeat(req).error_code; };
  // A member epoch ahead of the coordinator's, or behind it, is fenced.
  EXPECT_EQ(err(beat(g, "member-e", 7, std::nullopt, tid)), code(ErrorCode::kFencedMemberEpoch));
  EXPECT_EQ(err(beat(g, "member-e", 0, std::set<int32_t>{}, tid)),
            code(ErrorCode::kInvalidRequest));  // epoch 0 without a subscription
  EXPECT_EQ(err(beat(g, "nobody", 1, std::nullopt, tid)), code(ErrorCode::kUnknownMemberId));
  EXPECT_EQ(err(beat("kip848-errors-none", "member-e", 1, std::nullopt, tid)),
            code(ErrorCode::kGroupIdNotFound));
  EXPECT_EQ(err(beat(g, "member-e", -3, std::nullopt, tid)), code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(err(beat(g, "", 1, std::nullopt, tid)), code(ErrorCode::kInvalidRequest));
  auto no_group = join("", "x");
  EXPECT_EQ(err(no_group), code(ErrorCode::kInvalidRequest));
  auto bad_assignor = join(g, "member-e2");
  bad_assignor.server_assignor = "no-such-assignor";
  EXPECT_EQ(err(bad_assignor), code(ErrorCode::kUnsupportedAssignor));
  auto no_timeout = join(g, "member-e2");
  no_timeout.rebalance_timeout_ms = -1;
  EXPECT_EQ(err(no_timeout), code(ErrorCode::kInvalidRequest));
  // The good member is unharmed.
  EXPECT_EQ(err(beat(g, "member-e", 1, std::nullopt, tid)), 0);
}

TEST_F(ConsumerGroupHeartbeat, AStaticMemberLeavesForAWhileAndComesBack) {
  auto c = client();
  const std::string g = "kip848-static";
  auto r = first_member(*c, g, "static-1", "instance-1");
  const Uuid tid = topic_id(r);
  // Another member id with the same instance id while the first is active: refused.
  EXPECT_EQ(c->heartbeat(join(g, "static-2", "instance-1")).error_code,
            code(ErrorCode::kUnreleasedInstanceId));
  // Leaving with -2 keeps its partitions for it.
  auto leave = c->heartbeat(beat(g, "static-1", -2, std::nullopt, tid, "instance-1"));
  EXPECT_EQ(leave.error_code, 0);
  EXPECT_EQ(leave.member_epoch, -2);
  auto d = c->describe(g);
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_epoch, -2);
  // It comes back under a new member id and gets its partitions again at the same group epoch.
  auto back = c->heartbeat(join(g, "static-2", "instance-1"));
  ASSERT_EQ(back.error_code, 0) << back.error_message.value_or("");
  EXPECT_EQ(back.member_id, "static-2");
  EXPECT_EQ(back.member_epoch, 1);
  EXPECT_EQ(partition_count(back.assignment), static_cast<size_t>(kPartitions));
  // The old member id is fenced.
  EXPECT_EQ(c->heartbeat(beat(g, "static-1", 1, std::nullopt, tid, "instance-1")).error_code,
            code(ErrorCode::kFencedInstanceId));
  d = c->describe(g);
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, "static-2");
  EXPECT_EQ(d.members[0].instance_id, "instance-1");
}

}  // namespace
}  // namespace fjord::itest
