// Admin requests whose fields conflict or are missing, sent over raw sockets to a single broker:
// which check Kafka 3.9 (KRaft) makes first, and what it answers. Found by comparing Fjord's
// answers with Kafka's to the same sampled requests (request_storm_test with FJORD_STORM_DUMP,
// tools/storm_diff.py). A DeleteTopics entry naming a topic and an id once deleted the topic on
// Fjord; Kafka refuses it.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/wait.h"
#include "protocol/generated/alter_configs.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_topics.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/incremental_alter_configs.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/sync_group.h"

namespace fjord::itest {
namespace {

using namespace std::chrono_literals;

constexpr int16_t kInvalidReplicaAssignment = 39;
constexpr int16_t kInvalidConfig = 40;
constexpr int16_t kInvalidRequest = 42;
constexpr int16_t kTopicAlreadyExists = 36;
constexpr int16_t kUnknownTopicOrPartition = 3;
constexpr int16_t kUnknownTopicId = 100;
constexpr int16_t kInconsistentGroupProtocol = 23;
constexpr int16_t kCoordinatorNotAvailable = 15;
constexpr int8_t kTopic = 2;
constexpr int8_t kBroker = 4;
constexpr int8_t kSet = 0;
constexpr int8_t kDelete = 1;
constexpr int8_t kSubtract = 3;

// One broker for the file; every topic has its own name.
class AdminRequestChecks : public SharedBrokerSuite {
 protected:
  void TearDown() override {
    if (!broker_->unavailable_reason()) {
      ASSERT_TRUE(broker_->running()) << "the broker died";
    }
  }

  template <typename Response, typename Request>
  static Response call(const Request& req, int16_t version) {
    auto resp = request_once<Response>(broker_->port(), req, version, 30s);
    if (!resp) throw std::runtime_error("no answer to " + std::string(Request::kName));
    return *resp;
  }

  // Creates a one-partition topic and returns its id.
  static Uuid create(const std::string& name) {
    msg::CreateTopicsRequest req;
    req.topics.push_back({.name = name, .num_partitions = 1, .replication_factor = 1});
    auto resp = call<msg::CreateTopicsResponse>(req, 7);
    EXPECT_EQ(resp.topics.at(0).error_code, 0) << name;
    // Kafka answers CreateTopics once its controller has the topic; its broker's metadata
    // cache may learn of it a moment later (CI once saw UNKNOWN_TOPIC_ID right after).
    EXPECT_TRUE(wait_for([&] { return metadata_error(name) == 0; }, 30s))
        << name << " never showed in Metadata";
    return resp.topics.at(0).topic_id;
  }

  // The topic's Metadata error code (0 if it exists), not creating it.
  static int16_t metadata_error(const std::string& name) {
    msg::MetadataRequest req;
    req.allow_auto_topic_creation = false;
    req.topics = std::vector<msg::MetadataRequest::MetadataRequestTopic>{{.name = name}};
    auto resp = call<msg::MetadataResponse>(req, 12);
    return resp.topics.at(0).error_code;
  }
};

TEST_F(AdminRequestChecks, CreateTopicsChecksExistenceThenConfigsThenTheAssignment) {
  create("checks-exists");
  const int32_t id = broker_->id();
  // Every topic has an assignment with a gap (partition 1 without 0): Kafka reports that only
  // when the checks before it pass.
  auto topic = [&](const std::string& name,
                   std::vector<msg::CreateTopicsRequest::CreatableTopicConfig> configs) {
    msg::CreateTopicsRequest::CreatableTopic t;
    t.name = name;
    t.num_partitions = -1;
    t.replication_factor = -1;
    t.assignments.push_back({.partition_index = 1, .broker_ids = {id}});
    t.configs = std::move(configs);
    return t;
  };
  msg::CreateTopicsRequest req;
  req.topics.push_back(topic("checks-exists", {}));
  req.topics.push_back(topic("checks-null", {{.name = "cleanup.policy", .value = std::nullopt},
                                             {.name = "retention.ms", .value = std::nullopt}}));
  req.topics.push_back(topic("checks-bad-value", {{.name = "cleanup.policy", .value = "nope"}}));
  req.topics.push_back(topic("checks-gap", {}));
  auto resp = call<msg::CreateTopicsResponse>(req, 5);
  ASSERT_EQ(resp.topics.size(), 4u);
  for (const auto& r : resp.topics) {
    SCOPED_TRACE(r.name);
    if (r.name == "checks-exists") {
      EXPECT_EQ(r.error_code, kTopicAlreadyExists);
      EXPECT_EQ(r.error_message, "Topic 'checks-exists' already exists.");
    } else if (r.name == "checks-null") {
      EXPECT_EQ(r.error_code, kInvalidConfig);
      EXPECT_EQ(r.error_message,
                "Null value not supported for topic configs: cleanup.policy,retention.ms");
    } else if (r.name == "checks-bad-value") {
      EXPECT_EQ(r.error_code, kInvalidConfig);
    } else {
      EXPECT_EQ(r.name, "checks-gap");
      EXPECT_EQ(r.error_code, kInvalidReplicaAssignment);
    }
  }
  for (const char* name : {"checks-null", "checks-bad-value", "checks-gap"}) {
    EXPECT_EQ(metadata_error(name), kUnknownTopicOrPartition) << name << " was created";
  }
}

TEST_F(AdminRequestChecks, DeleteTopicsEntriesThatConflictDeleteNothing) {
  const Uuid both_id = create("del-both");
  create("del-dup");
  const Uuid pair_id = create("del-pair");
  auto delete_topics = [&](std::vector<msg::DeleteTopicsRequest::DeleteTopicState> topics) {
    msg::DeleteTopicsRequest req;
    req.timeout_ms = 30'000;
    req.topics = std::move(topics);
    return call<msg::DeleteTopicsResponse>(req, 6).responses;
  };

  auto r = delete_topics({{.name = "del-both", .topic_id = both_id}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error_code, kInvalidRequest);
  EXPECT_EQ(r[0].error_message, "You may not specify both topic name and topic id.");

  r = delete_topics({{.name = "del-dup"}, {.name = "del-dup"}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error_code, kInvalidRequest);
  EXPECT_EQ(r[0].error_message, "Duplicate topic name.");

  // The same topic by name in one entry and by id in another: one answer, for the name.
  r = delete_topics({{.name = std::nullopt, .topic_id = pair_id}, {.name = "del-pair"}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].name, "del-pair");
  EXPECT_EQ(r[0].error_code, kInvalidRequest);
  EXPECT_EQ(r[0].error_message, "The provided topic name maps to an ID that was already supplied.");

  r = delete_topics({{.name = std::nullopt, .topic_id = Uuid{}}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error_code, kInvalidRequest);
  EXPECT_EQ(r[0].error_message, "Neither topic name nor id were specified.");

  r = delete_topics({{.name = "del-never-created"}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error_code, kUnknownTopicOrPartition);
  EXPECT_EQ(r[0].error_message, "This server does not host this topic-partition.");

  for (const char* name : {"del-both", "del-dup", "del-pair"}) {
    EXPECT_EQ(metadata_error(name), 0) << name << " was deleted";
  }
  r = delete_topics({{.name = std::nullopt, .topic_id = both_id}});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].error_code, 0);
  EXPECT_EQ(r[0].name, "del-both");
}

TEST_F(AdminRequestChecks, MetadataTopicIdsAreRefusedBeforeV12AndWinOverNamesFromV12) {
  const Uuid id = create("meta-ids");
  Uuid unknown = id;
  unknown.bytes[0] ^= 0x5a;

  msg::MetadataRequest req;
  req.allow_auto_topic_creation = false;
  req.topics = std::vector<msg::MetadataRequest::MetadataRequestTopic>{
      {.topic_id = unknown, .name = "meta-ids"}};
  auto v11 = call<msg::MetadataResponse>(req, 11);
  ASSERT_EQ(v11.topics.size(), 1u);
  EXPECT_EQ(v11.topics[0].error_code, kInvalidRequest);
  EXPECT_EQ(v11.topics[0].name, "meta-ids");
  EXPECT_TRUE(v11.topics[0].partitions.empty());
  EXPECT_TRUE(v11.brokers.empty());

  auto v12 = call<msg::MetadataResponse>(req, 12);
  ASSERT_EQ(v12.topics.size(), 1u);
  EXPECT_EQ(v12.topics[0].error_code, kUnknownTopicId) << "found by name, not by id";

  (*req.topics)[0] = {.topic_id = id, .name = std::nullopt};
  auto by_id = call<msg::MetadataResponse>(req, 12);
  ASSERT_EQ(by_id.topics.size(), 1u);
  EXPECT_EQ(by_id.topics[0].error_code, 0);
  EXPECT_EQ(by_id.topics[0].name, "meta-ids");
}

TEST_F(AdminRequestChecks, AlterConfigsChecksNullsBeforeTheResource) {
  using Legacy = msg::AlterConfigsRequest;
  Legacy req;
  req.resources.push_back({.resource_type = 3, .resource_name = "x", .configs = {{"a", "b"}}});
  req.resources.push_back({.resource_type = kBroker,
                           .resource_name = "not-a-number",
                           .configs = {{"log.cleaner.threads", std::nullopt},
                                       {"log.cleaner.dedupe.buffer.size", std::nullopt}}});
  req.resources.push_back({.resource_type = kBroker,
                           .resource_name = "not-a-number-either",
                           .configs = {{"log.cleaner.threads", "2"}}});
  // (A resource named twice would get "Each resource must appear at most once." from Fjord;
  // Kafka 3.9 means to answer that but never answers such a request.)
  req.validate_only = true;
  auto resp = call<msg::AlterConfigsResponse>(req, 1);
  ASSERT_EQ(resp.responses.size(), 3u);
  for (const auto& r : resp.responses) {
    SCOPED_TRACE(r.resource_name);
    EXPECT_EQ(r.error_code, kInvalidRequest);
    if (r.resource_name == "x") {
      EXPECT_EQ(r.error_message, "Unknown resource type 3");
    } else if (r.resource_name == "not-a-number") {
      EXPECT_EQ(r.error_message,
                "Null value not supported for : log.cleaner.threads, "
                "log.cleaner.dedupe.buffer.size");
    } else {
      EXPECT_EQ(r.error_message, "Node id must be an integer, but it is: not-a-number-either");
    }
  }
}

TEST_F(AdminRequestChecks, IncrementalAlterConfigsTakesATopicsConfigsInOrder) {
  create("inc-topic");
  using Inc = msg::IncrementalAlterConfigsRequest;
  Inc req;
  // SUBTRACT on a key that is not a list fails before the unknown operation after it is seen.
  req.resources.push_back(
      {.resource_type = kTopic,
       .resource_name = "inc-topic",
       .configs = {{.name = "retention.ms", .config_operation = kSubtract, .value = "1"},
                   {.name = "segment.ms", .config_operation = 9, .value = "1"}}});
  req.resources.push_back({.resource_type = 3,
                           .resource_name = "x",
                           .configs = {{.name = "a", .config_operation = kSet, .value = "b"}}});
  // DELETE needs no value; SET does.
  req.resources.push_back(
      {.resource_type = kBroker,
       .resource_name = "",
       .configs = {
           {.name = "log.cleaner.threads", .config_operation = kSet, .value = std::nullopt},
           {.name = "log.retention.ms", .config_operation = kDelete, .value = std::nullopt}}});
  req.validate_only = true;
  auto resp = call<msg::IncrementalAlterConfigsResponse>(req, 1);
  ASSERT_EQ(resp.responses.size(), 3u);
  for (const auto& r : resp.responses) {
    SCOPED_TRACE(r.resource_name);
    if (r.resource_name == "inc-topic") {
      EXPECT_EQ(r.error_code, kInvalidConfig);
      EXPECT_EQ(r.error_message,
                "Can't SUBTRACT to key retention.ms because its type is not LIST.");
    } else if (r.resource_name == "x") {
      EXPECT_EQ(r.error_code, kInvalidRequest);
      EXPECT_EQ(r.error_message, "Unknown resource type 3");
    } else {
      EXPECT_EQ(r.error_code, kInvalidRequest);
      EXPECT_EQ(r.error_message, "Null value not supported for : log.cleaner.threads");
    }
  }
}

TEST_F(AdminRequestChecks, FindCoordinatorOfAnUnknownOrUnservedKeyTypeSaysWhatKafkaSays) {
  msg::FindCoordinatorRequest req;
  req.key = "some-group";
  req.key_type = 5;
  auto resp = call<msg::FindCoordinatorResponse>(req, 3);
  EXPECT_EQ(resp.error_code, kInvalidRequest);
  EXPECT_EQ(resp.error_message,
            "This most likely occurs because of a request being malformed by the client library "
            "or the message was sent to an incompatible broker. See the broker logs for more "
            "details.");
  EXPECT_EQ(resp.node_id, -1);

  // Batches (v4+): an unknown key type fails every key, with the message; a known type that
  // cannot be served is answered per key, without one.
  msg::FindCoordinatorRequest batch;
  batch.coordinator_keys = {"a", "b"};
  batch.key_type = 9;
  auto unknown = call<msg::FindCoordinatorResponse>(batch, 4);
  ASSERT_EQ(unknown.coordinators.size(), 2u);
  for (const auto& c : unknown.coordinators) {
    EXPECT_EQ(c.error_code, kInvalidRequest) << c.key;
    EXPECT_EQ(c.error_message, resp.error_message) << c.key;
  }
  batch.key_type = 2;  // share groups: from v6 only
  auto share_v5 = call<msg::FindCoordinatorResponse>(batch, 5);
  ASSERT_EQ(share_v5.coordinators.size(), 2u);
  EXPECT_EQ(share_v5.coordinators[0].error_code, kInvalidRequest);
  EXPECT_EQ(share_v5.coordinators[0].error_message, "");
  auto share_v6 = call<msg::FindCoordinatorResponse>(batch, 6);
  ASSERT_EQ(share_v6.coordinators.size(), 2u);
  EXPECT_EQ(share_v6.coordinators[0].error_code, kCoordinatorNotAvailable);
  EXPECT_EQ(share_v6.coordinators[0].error_message, "");
}

TEST_F(AdminRequestChecks, SyncGroupV5WithoutProtocolTypeOrNameIsInconsistent) {
  msg::SyncGroupRequest req;
  req.group_id = "sync-checks";
  req.generation_id = 1;
  req.member_id = "m";
  req.protocol_type = "consumer";
  req.protocol_name = std::nullopt;
  auto resp = call<msg::SyncGroupResponse>(req, 5);
  EXPECT_EQ(resp.error_code, kInconsistentGroupProtocol);
  req.protocol_type = std::nullopt;
  req.protocol_name = "range";
  resp = call<msg::SyncGroupResponse>(req, 5);
  EXPECT_EQ(resp.error_code, kInconsistentGroupProtocol);
}

}  // namespace
}  // namespace fjord::itest
