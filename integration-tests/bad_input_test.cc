// A misbehaving client talks to the broker over raw sockets: truncated frames, sizes that do
// not match, unknown API keys, unsupported versions, a 2 GiB size header, random garbage, and a
// Produce whose record batch fails its CRC. The broker answers as Kafka does (ApiVersions at an
// unsupported version gets UNSUPPORTED_VERSION in a v0 response; a corrupt batch gets
// CORRUPT_MESSAGE and is not appended; CreateTopics past 10,000 partitions gets POLICY_VIOLATION)
// or closes that one connection, and keeps serving everybody else with its logs intact.
// Requests are built with the generated codecs and RecordBatchBuilder, never by hand.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_partition.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/controlled_shutdown.h"
#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/leader_and_isr.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/stop_replica.h"
#include "protocol/generated/update_metadata.h"
#include "protocol/records/batch_builder.h"

namespace fjord::itest {
namespace {

constexpr int16_t kProduceVersion = 8;
constexpr int16_t kListOffsetsVersion = 1;
constexpr int16_t kCreateTopicsVersion = 4;
constexpr int16_t kCreatePartitionsVersion = 1;
constexpr int16_t kMetadataVersion = 7;

Bytes size_header(uint32_t size) {
  Bytes out;
  Writer(out).write_uint32(size);
  return out;
}

Bytes batch_of(int count, int64_t first_seq) {
  RecordBatchBuilder builder;
  for (int i = 0; i < count; ++i) {
    std::string value = "bad-input-value-" + std::to_string(first_seq + i);
    builder.append(1'700'000'000'000 + i, std::nullopt, as_bytes(value));
  }
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

// One broker for the file (Kafka takes seconds to start); every test checks it still serves.
class BadInput : public SharedBrokerSuite {
 protected:
  void TearDown() override {
    if (broker_->unavailable_reason()) return;
    ASSERT_TRUE(broker_->running()) << "the broker died";
    EXPECT_TRUE(answers_api_versions()) << "the broker stopped serving new connections";
  }

  static std::unique_ptr<RawConnection> connect() {
    return std::make_unique<RawConnection>(broker_->port());
  }

  // One request and its response on a new connection; nullopt if the broker closes it or the
  // answer does not decode.
  template <typename Response, typename Request>
  static std::optional<Response> call(const Request& req, int16_t version) {
    return request_once<Response>(broker_->port(), req, version, 10s);
  }

  // A well-behaved ApiVersions v0 round trip on a new connection.
  static bool answers_api_versions() {
    auto resp = call<msg::ApiVersionsResponse>(msg::ApiVersionsRequest{}, 0);
    return resp && resp->error_code == 0;
  }

  // Produces one batch to partition 0 with acks=1; returns the partition's response.
  static std::optional<msg::ProduceResponse::PartitionProduceResponse> produce(
      const std::string& topic, const Bytes& batch) {
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    req.topic_data.push_back({.name = topic, .partition_data = {{.index = 0}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
    auto resp = call<msg::ProduceResponse>(req, kProduceVersion);
    if (!resp || resp->responses.size() != 1 ||
        resp->responses[0].partition_responses.size() != 1) {
      return std::nullopt;
    }
    return resp->responses[0].partition_responses[0];
  }

  // The log end offset of partition 0 (ListOffsets, timestamp -1 = latest).
  static int64_t log_end_offset(const std::string& topic) {
    msg::ListOffsetsRequest req;
    req.replica_id = -1;
    req.topics.push_back({.name = topic, .partitions = {{.partition_index = 0, .timestamp = -1}}});
    auto resp = call<msg::ListOffsetsResponse>(req, kListOffsetsVersion);
    if (!resp || resp->topics.size() != 1 || resp->topics[0].partitions.size() != 1) {
      ADD_FAILURE() << "no ListOffsets answer";
      return -1;
    }
    EXPECT_EQ(resp->topics[0].partitions[0].error_code, 0);
    return resp->topics[0].partitions[0].offset;
  }

  // CreateTopics (rf 1) of the given topics and partition counts; the results in request order.
  static std::vector<msg::CreateTopicsResponse::CreatableTopicResult> create_topics(
      const std::vector<std::pair<std::string, int32_t>>& topics, bool validate_only,
      const std::vector<std::pair<std::string, std::string>>& configs = {}) {
    msg::CreateTopicsRequest req;
    req.timeout_ms = 30'000;
    req.validate_only = validate_only;
    for (const auto& [name, partitions] : topics) {
      msg::CreateTopicsRequest::CreatableTopic t;
      t.name = name;
      t.num_partitions = partitions;
      t.replication_factor = 1;
      for (const auto& [k, v] : configs) t.configs.push_back({.name = k, .value = v});
      req.topics.push_back(std::move(t));
    }
    auto resp = call<msg::CreateTopicsResponse>(req, kCreateTopicsVersion);
    if (!resp || resp->topics.size() != topics.size()) {
      ADD_FAILURE() << "no CreateTopics answer";
      return {};
    }
    return resp->topics;
  }

  // CreatePartitions of one topic to `count`; its result.
  static std::optional<msg::CreatePartitionsResponse::CreatePartitionsTopicResult>
  create_partitions(const std::string& topic, int32_t count, bool validate_only) {
    msg::CreatePartitionsRequest req;
    req.timeout_ms = 30'000;
    req.validate_only = validate_only;
    req.topics.push_back({.name = topic, .count = count, .assignments = std::nullopt});
    auto resp = call<msg::CreatePartitionsResponse>(req, kCreatePartitionsVersion);
    if (!resp || resp->results.size() != 1) return std::nullopt;
    return resp->results[0];
  }

  // The partition count Metadata gives for `topic` (without creating it), or -1 when unknown.
  static int partition_count(const std::string& topic) {
    msg::MetadataRequest req;
    req.topics = std::vector<msg::MetadataRequest::MetadataRequestTopic>{{.name = topic}};
    req.allow_auto_topic_creation = false;
    auto resp = call<msg::MetadataResponse>(req, kMetadataVersion);
    if (!resp || resp->topics.size() != 1) {
      ADD_FAILURE() << "no Metadata answer";
      return -1;
    }
    if (resp->topics[0].error_code != 0) return -1;
    return static_cast<int>(resp->topics[0].partitions.size());
  }
};

TEST_F(BadInput, TruncatedFrameClosesTheConnection) {
  Bytes frame = RawConnection::frame_request(msg::ApiVersionsRequest{}, 0, 1);
  auto conn = connect();
  ASSERT_TRUE(conn->send_raw(ByteView(frame).first(frame.size() - 3)));
  conn->shutdown_write();
  EXPECT_TRUE(conn->closed_by_peer());
}

TEST_F(BadInput, SizeTooSmallForTheRequestHeaderClosesTheConnection) {
  Bytes frame = RawConnection::frame_request(msg::MetadataRequest{}, 1, 1);
  // The size says 3 bytes: not even api key, version and correlation id fit.
  Bytes bytes = size_header(3);
  bytes.insert(bytes.end(), frame.begin() + 4, frame.begin() + 7);
  auto conn = connect();
  ASSERT_TRUE(conn->send_raw(bytes));
  EXPECT_TRUE(conn->closed_by_peer());
}

TEST_F(BadInput, SizeThatCutsARequestBodyShortClosesTheConnection) {
  msg::MetadataRequest req;
  req.topics = std::vector<msg::MetadataRequest::MetadataRequestTopic>(1);
  req.topics->at(0).name = "some-topic-name";
  Bytes frame = RawConnection::frame_request(req, 1, 1);
  // The frame ends in the middle of the topic name.
  Bytes bytes = size_header(static_cast<uint32_t>(frame.size() - 4 - 5));
  bytes.insert(bytes.end(), frame.begin() + 4, frame.end() - 5);
  auto conn = connect();
  ASSERT_TRUE(conn->send_raw(bytes));
  EXPECT_TRUE(conn->closed_by_peer());
}

TEST_F(BadInput, UnknownApiKeyClosesTheConnection) {
  Bytes frame = RawConnection::frame_request(msg::ApiVersionsRequest{}, 0, 1);
  // Same frame, api key 9999 (the header's first field, after the size).
  frame[4] = 0x27;
  frame[5] = 0x0f;
  auto conn = connect();
  ASSERT_TRUE(conn->send_raw(frame));
  EXPECT_TRUE(conn->closed_by_peer());
}

// Sends ApiVersions v99 (a v3 request whose version field says 99) on `conn` and decodes the
// answer as v0, as KIP-511 says a broker answers a version it does not know.
std::optional<msg::ApiVersionsResponse> api_versions_v99(RawConnection& conn,
                                                         int32_t correlation_id) {
  Bytes frame = RawConnection::frame_request(msg::ApiVersionsRequest{}, 3, correlation_id);
  frame[6] = 0;  // api version: the big-endian int16 after the api key
  frame[7] = 99;
  if (!conn.send_raw(frame)) return std::nullopt;
  auto resp_frame = conn.read_frame();
  ResponseHeader header;
  msg::ApiVersionsResponse resp;
  if (!resp_frame || !RawConnection::decode_response(*resp_frame, 0, header, resp) ||
      header.correlation_id != correlation_id) {
    return std::nullopt;
  }
  return resp;
}

TEST_F(BadInput, ApiVersionsAtAnUnsupportedVersionGetsUnsupportedVersionInAV0Response) {
  // KIP-511: a client newer than the broker sends its own latest ApiVersions version; the
  // broker answers in v0 so the client can read which versions it does support.
  auto conn = connect();
  auto resp = api_versions_v99(*conn, 42);
  ASSERT_TRUE(resp) << "no v0 answer with correlation id 42";
  EXPECT_EQ(resp->error_code, static_cast<int16_t>(ErrorCode::kUnsupportedVersion));
  bool lists_api_versions = false;
  for (const auto& k : resp->api_keys) {
    if (k.api_key == msg::ApiVersionsRequest::kApiKey) {
      lists_api_versions = true;
      EXPECT_EQ(k.min_version, 0);
      EXPECT_EQ(k.max_version, 4);
    }
  }
  EXPECT_TRUE(lists_api_versions);
  // The connection stays usable: the client retries with a version it now knows.
  ASSERT_TRUE(conn->send_request(msg::ApiVersionsRequest{}, 0, 43));
  auto again = conn->read_frame();
  ASSERT_TRUE(again);
  ResponseHeader header;
  ASSERT_TRUE(RawConnection::decode_response(*again, 0, header, *resp));
  EXPECT_EQ(header.correlation_id, 43);
  EXPECT_EQ(resp->error_code, 0);
}

// Kafka (ApiVersionsRequest.getErrorResponse) lists only ApiVersions itself in that answer:
// the client needs nothing else to retry, and learns the rest from the retry.
TEST_F(BadInput, UnsupportedVersionAnswerListsOnlyApiVersions) {
  auto conn = connect();
  auto resp = api_versions_v99(*conn, 44);
  ASSERT_TRUE(resp) << "no v0 answer with correlation id 44";
  ASSERT_EQ(resp->api_keys.size(), 1u);
  EXPECT_EQ(resp->api_keys[0].api_key, msg::ApiVersionsRequest::kApiKey);
}

// KIP-511: ApiVersions v3+ names the client software; a name or version outside
// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? gets INVALID_REQUEST (and the versions).
TEST_F(BadInput, ApiVersionsWithAMalformedSoftwareNameGetsInvalidRequest) {
  struct Case {
    std::string name, version;
    ErrorCode expected;
  };
  const std::vector<Case> cases = {
      {"librdkafka", "2.0.2", ErrorCode::kNone},
      {"a", "1", ErrorCode::kNone},
      {"apache-kafka.java", "3.9.0-SNAPSHOT", ErrorCode::kNone},
      {"", "1.0", ErrorCode::kInvalidRequest},
      {"-client", "1.0", ErrorCode::kInvalidRequest},
      {"client.", "1.0", ErrorCode::kInvalidRequest},
      {"my client", "1.0", ErrorCode::kInvalidRequest},
      {"client", "1.0_beta", ErrorCode::kInvalidRequest},
      {"client", "1.0\xc3\xa9", ErrorCode::kInvalidRequest},
  };
  auto conn = connect();
  int32_t correlation_id = 100;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + " / " + c.version);
    msg::ApiVersionsRequest req;
    req.client_software_name = c.name;
    req.client_software_version = c.version;
    ASSERT_TRUE(conn->send_request(req, 3, ++correlation_id));
    auto frame = conn->read_frame();
    ASSERT_TRUE(frame);
    ResponseHeader header;
    msg::ApiVersionsResponse resp;
    ASSERT_TRUE(RawConnection::decode_response(*frame, 3, header, resp));
    EXPECT_EQ(header.correlation_id, correlation_id);
    EXPECT_EQ(resp.error_code, static_cast<int16_t>(c.expected));
  }
}

TEST_F(BadInput, OtherApiAtAnUnsupportedVersionClosesTheConnection) {
  Bytes frame = RawConnection::frame_request(msg::MetadataRequest{}, 12, 1);
  frame[6] = 0;  // Metadata v99
  frame[7] = 99;
  auto conn = connect();
  ASSERT_TRUE(conn->send_raw(frame));
  EXPECT_TRUE(conn->closed_by_peer());
}

// A single broker, as a KRaft one, serves none of the APIs a ZooKeeper-mode controller sends
// its brokers: they are not in ApiVersions, and a request for one closes the connection. Fjord
// served them, so any client could delete a partition's log with one StopReplica.
TEST_F(BadInput, ControllerToBrokerApisAreNotServedWithoutZooKeeper) {
  auto av = call<msg::ApiVersionsResponse>(msg::ApiVersionsRequest{}, 0);
  ASSERT_TRUE(av);
  for (const auto& k : av->api_keys) {
    EXPECT_TRUE(k.api_key != 4 && k.api_key != 5 && k.api_key != 6 && k.api_key != 7 &&
                k.api_key != 56)
        << "ApiVersions lists api key " << k.api_key;
  }
  auto closes = [](const auto& request) {
    auto conn = connect();
    EXPECT_TRUE(conn->send_request(request, 0, 17));
    return conn->closed_by_peer();
  };
  EXPECT_TRUE(closes(msg::LeaderAndIsrRequest{})) << "LeaderAndIsr";
  EXPECT_TRUE(closes(msg::UpdateMetadataRequest{})) << "UpdateMetadata";
  EXPECT_TRUE(closes(msg::ControlledShutdownRequest{})) << "ControlledShutdown";
  EXPECT_TRUE(closes(msg::AlterPartitionRequest{})) << "AlterPartition";
  // A StopReplica that would delete a partition with records: refused, and the records stay.
  create_topic(broker_->bootstrap(), "stop-replica", 1);
  auto appended = produce("stop-replica", batch_of(3, 0));
  ASSERT_TRUE(appended);
  ASSERT_EQ(appended->error_code, 0);
  msg::StopReplicaRequest stop;
  stop.controller_id = 1;
  stop.controller_epoch = 1'000'000;
  stop.delete_partitions = true;
  stop.ungrouped_partitions.push_back({.topic_name = "stop-replica", .partition_index = 0});
  EXPECT_TRUE(closes(stop)) << "StopReplica";
  EXPECT_EQ(log_end_offset("stop-replica"), 3);
  auto consumed = consume_from_beginning(broker_->bootstrap(), "stop-replica", 1, 3, 30s, 500ms);
  EXPECT_EQ(consumed.size(), 3u);
}

TEST_F(BadInput, TwoGibibyteSizeHeaderIsRefusedBeforeBuffering) {
  for (uint32_t size : {0x7fffffffu, 0x80000000u, 0xffffffffu}) {
    SCOPED_TRACE(size);
    auto conn = connect();
    Bytes bytes = size_header(size);
    Bytes frame = RawConnection::frame_request(msg::ApiVersionsRequest{}, 0, 1);
    bytes.insert(bytes.end(), frame.begin() + 4, frame.end());
    ASSERT_TRUE(conn->send_raw(bytes));
    // Closed without waiting for (or allocating) 2 GiB.
    EXPECT_TRUE(conn->closed_by_peer());
  }
}

TEST_F(BadInput, CorruptBatchGetsCorruptMessageAndIsNotAppended) {
  const std::string topic = "crc-checked";
  create_topic(broker_->bootstrap(), topic, 1);
  std::optional<msg::ProduceResponse::PartitionProduceResponse> good;
  // The partition may take a moment to get its leader after CreateTopics (Kafka's KRaft).
  ASSERT_TRUE(wait_for(
      [&] {
        good = produce(topic, batch_of(3, 0));
        return good && good->error_code == 0;
      },
      30s))
      << "a valid batch was refused: error " << (good ? good->error_code : -1);
  EXPECT_EQ(good->base_offset, 0);

  Bytes corrupt = batch_of(5, 100);
  corrupt.back() ^= 0x5a;  // inside the records, covered by the CRC-32C
  auto bad = produce(topic, corrupt);
  ASSERT_TRUE(bad) << "no answer to the corrupt batch";
  EXPECT_EQ(bad->error_code, static_cast<int16_t>(ErrorCode::kCorruptMessage));
  EXPECT_EQ(log_end_offset(topic), 3);

  // The log takes the next valid batch right after the first one.
  auto next = produce(topic, batch_of(2, 3));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->error_code, 0);
  EXPECT_EQ(next->base_offset, 3);
  auto consumed = consume_from_beginning(broker_->bootstrap(), topic, 1, 5, 30s, 500ms);
  ASSERT_EQ(consumed.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(consumed[i].offset, i);
    EXPECT_EQ(consumed[i].value, "bad-input-value-" + std::to_string(i));
  }
}

TEST_F(BadInput, HundredGarbageConnectionsInARowLeaveTheBrokerServing) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int i = 0; i < 100; ++i) {
    Bytes garbage(std::uniform_int_distribution<size_t>(1, 4096)(rng));
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    // Half of them with a plausible size prefix, so the garbage reaches the header parser.
    if (i % 2 == 0 && garbage.size() > 4) {
      Writer(garbage).patch_int32(0, static_cast<int32_t>(garbage.size() - 4));
    }
    auto conn = connect();
    conn->send_raw(garbage);  // the broker may already have closed: that is fine
    conn->shutdown_write();
    ASSERT_TRUE(conn->closed_by_peer()) << "connection " << i << " not closed";
  }
  // A real client still produces and consumes.
  create_topic(broker_->bootstrap(), "after-garbage", 1);
  Producer producer(broker_->bootstrap(), {{"acks", "all"}});
  for (size_t i = 0; i < 100; ++i) {
    // Not "v" + std::to_string(i): GCC 12 warns (-Wrestrict, a false positive) once inlined.
    producer.produce("after-garbage", 0, "k", std::string("v").append(std::to_string(i)), 0, {}, i);
  }
  ASSERT_TRUE(producer.flush(60s));
  EXPECT_EQ(producer.delivered_ok(), 100u);
  auto consumed = consume_from_beginning(broker_->bootstrap(), "after-garbage", 1, 100, 60s);
  EXPECT_EQ(consumed.size(), 100u);
}

// acks outside -1, 0 and 1: as Kafka, each partition first gets its own error (an unknown topic
// UNKNOWN_TOPIC_OR_PARTITION, records that are not one batch INVALID_RECORD) and only the rest
// INVALID_REQUIRED_ACKS; nothing is appended. Fjord answered INVALID_REQUIRED_ACKS for all.
TEST_F(BadInput, InvalidAcksComesAfterEachPartitionsOwnErrors) {
  create_topic(broker_->bootstrap(), "bad-acks", 2);
  Bytes batch = batch_of(2, 0);
  Bytes garbage = {1, 2, 3};
  msg::ProduceRequest req;
  req.acks = 2;
  req.timeout_ms = 10'000;
  req.topic_data.push_back({.name = "bad-acks", .partition_data = {{.index = 0}, {.index = 1}}});
  req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
  req.topic_data[0].partition_data[1].records = RecordsRef::of(garbage);
  req.topic_data.push_back({.name = "bad-acks-unknown", .partition_data = {{.index = 0}}});
  req.topic_data[1].partition_data[0].records = RecordsRef::of(batch);
  auto resp = call<msg::ProduceResponse>(req, kProduceVersion);
  ASSERT_TRUE(resp);
  std::map<std::pair<std::string, int32_t>, int16_t> errors;
  for (const auto& t : resp->responses) {
    for (const auto& p : t.partition_responses) errors[{t.name, p.index}] = p.error_code;
  }
  using Tp = std::pair<std::string, int32_t>;
  EXPECT_EQ(errors[Tp("bad-acks", 0)], static_cast<int16_t>(ErrorCode::kInvalidRequiredAcks));
  EXPECT_EQ(errors[Tp("bad-acks", 1)], static_cast<int16_t>(ErrorCode::kInvalidRecord));
  EXPECT_EQ(errors[Tp("bad-acks-unknown", 0)],
            static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(errors.size(), 3u);
  EXPECT_EQ(log_end_offset("bad-acks"), 0);
}

// A single broker adds at most 10,000 metadata records per request, as Kafka's KRaft controller
// (QuorumController.MAX_RECORDS_PER_USER_OP): one per topic, per config and per partition.
// Past that, every topic of a CreateTopics gets POLICY_VIOLATION and none is created. Without
// the limit one request for 20,000 partitions took the broker to its open-file limit.
TEST_F(BadInput, CreateTopicsPastTenThousandRecordsIsRefusedForEveryTopic) {
  const std::string msg = "Unable to perform excessively large batch operation.";
  // 1 topic record + 9,999 partition records: at the limit, and a success's message is null.
  auto at_limit = create_topics({{"limit-a", 9'999}}, true);
  ASSERT_EQ(at_limit.size(), 1u);
  EXPECT_EQ(at_limit[0].error_code, 0);
  EXPECT_FALSE(at_limit[0].error_message.has_value());
  // One config record more is one past it.
  auto with_config = create_topics({{"limit-a", 9'999}}, true, {{"retention.ms", "60000"}});
  ASSERT_EQ(with_config.size(), 1u);
  EXPECT_EQ(with_config[0].error_code, static_cast<int16_t>(ErrorCode::kPolicyViolation));
  EXPECT_EQ(with_config[0].error_message, msg);
  // Two topics that fit one by one fail together, and neither is created.
  auto together = create_topics({{"limit-b", 5'000}, {"limit-c", 5'000}}, false);
  ASSERT_EQ(together.size(), 2u);
  for (const auto& r : together) {
    EXPECT_EQ(r.error_code, static_cast<int16_t>(ErrorCode::kPolicyViolation)) << r.name;
    EXPECT_EQ(r.error_message, msg) << r.name;
  }
  EXPECT_EQ(partition_count("limit-b"), -1);
  EXPECT_EQ(partition_count("limit-c"), -1);
}

// CreatePartitions: the topic that would add more than 10,000 partitions gets
// UNKNOWN_SERVER_ERROR with no message (Kafka's BoundedListTooLongException). Validate-only,
// since Kafka, unlike Fjord, then commits the first 10,000 partitions of that topic anyway.
TEST_F(BadInput, CreatePartitionsPastTenThousandIsRefused) {
  create_topic(broker_->bootstrap(), "grow", 1);
  auto at_limit = create_partitions("grow", 10'001, true);
  ASSERT_TRUE(at_limit);
  EXPECT_EQ(at_limit->error_code, 0);
  auto past = create_partitions("grow", 10'002, true);
  ASSERT_TRUE(past);
  EXPECT_EQ(past->error_code, static_cast<int16_t>(ErrorCode::kUnknownServerError));
  EXPECT_FALSE(past->error_message.has_value());
  EXPECT_EQ(partition_count("grow"), 1);
}

// The largest counts a request can carry are answered with an error, not a dropped connection
// (Fjord closed it after failing to allocate 2^31 partitions). Kafka runs out of memory
// placing them and answers UNKNOWN_SERVER_ERROR; Fjord answers as for any count past the
// limit. Last in the file: Kafka's controller steps down and comes back after it.
TEST_F(BadInput, LargestPartitionCountsGetAnErrorAnswer) {
  auto topics = create_topics({{"limit-max", std::numeric_limits<int32_t>::max()}}, true);
  ASSERT_EQ(topics.size(), 1u);
  EXPECT_NE(topics[0].error_code, 0);
  create_topic(broker_->bootstrap(), "grow-max", 1);
  auto partitions = create_partitions("grow-max", std::numeric_limits<int32_t>::max(), true);
  ASSERT_TRUE(partitions) << "no CreatePartitions answer";
  EXPECT_NE(partitions->error_code, 0);
}

}  // namespace
}  // namespace fjord::itest
