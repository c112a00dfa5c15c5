// Frames captured from real clients (golden/README.md), decoded with the generated structs and
// checked field by field against values written out here by hand from the capture: client ids,
// topics, groups, partitions, acks, offsets, error codes, the records carried (through
// protocol/records) and the api key ranges a Kafka 3.9 broker advertised. Member ids, cluster
// id, topic ids and session ids are those of the capture run (the files never change).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/api.h"
#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/records/batch_iterator.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"
#include "protocol/test/golden_files.h"

namespace fjord::msg {
namespace {

Bytes read_golden(const std::string& file) {
  Bytes frame = golden::read(file);
  EXPECT_FALSE(frame.empty()) << file;
  return frame;
}

// A request frame: header and body decoded; the body's records view `frame`.
template <typename Body>
struct GoldenRequest {
  explicit GoldenRequest(const std::string& file) : frame(read_golden(file)) {
    Reader r(frame);
    EXPECT_EQ(decode_request_header(r, header), DecodeError::kNone) << file;
    EXPECT_EQ(header.api_key, Body::kApiKey) << file;
    EXPECT_EQ(body.decode(r, header.api_version), DecodeError::kNone) << file;
    EXPECT_TRUE(r.at_end()) << file;
  }
  Bytes frame;
  RequestHeader header;
  Body body;
};

template <typename Body>
struct GoldenResponse {
  GoldenResponse(const std::string& file, int16_t version) : frame(read_golden(file)) {
    Reader r(frame);
    const int16_t header_version = find_api(Body::kApiKey)->response_header_version(version);
    EXPECT_EQ(header.decode(r, header_version), DecodeError::kNone) << file;
    EXPECT_EQ(body.decode(r, version), DecodeError::kNone) << file;
    EXPECT_TRUE(r.at_end()) << file;
  }
  Bytes frame;
  ResponseHeader header;
  Body body;
};

std::string str(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// "key:value" of every record in a records field, through protocol/records: magic-2 batches
// must validate (CRC-32C, counts, contiguous offsets); legacy message sets are read with
// LegacyRecordReader. `magic` receives the magic of the first entry.
std::vector<std::string> key_values(const RecordsRef& records, int* magic = nullptr) {
  std::vector<std::string> out;
  DecompressionBuffer scratch;
  BatchIterator entries(records.bytes);
  BatchEntry entry;
  if (!entries.next(entry)) return out;
  if (magic != nullptr) *magic = entry.magic;
  if (entry.magic < 2) {
    legacy::LegacyRecordReader reader(records.bytes, scratch, kDefaultMaxDecompressedBytes);
    legacy::LegacyRecord record;
    while (reader.next(record)) out.push_back(str(*record.key) + ":" + str(*record.value));
    EXPECT_EQ(reader.error(), RecordError::kNone);
    return out;
  }
  do {
    auto batch = RecordBatchView::parse(entry.bytes);
    EXPECT_TRUE(batch.ok());
    if (!batch.ok()) return out;
    EXPECT_EQ(batch->validate_records(scratch), RecordError::kNone);
    auto reader = batch->records(scratch);
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) return out;
    Record record;
    while (reader->next(record)) out.push_back(str(*record.key) + ":" + str(*record.value));
  } while (entries.next(entry));
  EXPECT_EQ(entries.error(), RecordError::kNone);
  return out;
}

const std::vector<std::string> kProduced = {"k1:one", "k2:two", "k3:three"};

Uuid uuid(const std::string& hex) {
  Uuid u;
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = std::stoi(hex.substr(2 * i, 2), nullptr, 16);
  return u;
}

// ---------------------------------------------------------------------------------------------
// ApiVersions

// The ranges a Kafka 3.9 KRaft broker advertised for the APIs that matter most to clients.
void expect_kafka39_api_ranges(const ApiVersionsResponse& res) {
  EXPECT_EQ(res.error_code, 0);
  EXPECT_EQ(res.throttle_time_ms, 0);
  ASSERT_EQ(res.api_keys.size(), 61u);
  auto range = [&](int16_t key) {
    for (const auto& k : res.api_keys)
      if (k.api_key == key) return std::pair<int, int>(k.min_version, k.max_version);
    return std::pair<int, int>(-1, -1);
  };
  EXPECT_EQ(range(0), std::pair(0, 11));   // Produce
  EXPECT_EQ(range(1), std::pair(0, 17));   // Fetch
  EXPECT_EQ(range(2), std::pair(0, 9));    // ListOffsets
  EXPECT_EQ(range(3), std::pair(0, 12));   // Metadata
  EXPECT_EQ(range(8), std::pair(0, 9));    // OffsetCommit
  EXPECT_EQ(range(11), std::pair(0, 9));   // JoinGroup
  EXPECT_EQ(range(18), std::pair(0, 4));   // ApiVersions
  EXPECT_EQ(range(4), std::pair(-1, -1));  // LeaderAndIsr: not served by a KRaft broker
  EXPECT_EQ(res.api_keys.front().api_key, 0);
  EXPECT_EQ(res.api_keys.back().api_key, 81);
  EXPECT_EQ(res.api_keys.back().max_version, 0);
}

TEST(GoldenFields, ApiVersionsLibrdkafka) {
  GoldenRequest<ApiVersionsRequest> req("librdkafka/api_versions_v3_request.bin");
  EXPECT_EQ(req.header.api_version, 3);
  EXPECT_EQ(req.header.correlation_id, 1);
  EXPECT_EQ(req.header.client_id, "golden-kcat");
  EXPECT_EQ(req.body.client_software_name, "librdkafka");
  EXPECT_EQ(req.body.client_software_version, "2.0.2");

  GoldenResponse<ApiVersionsResponse> res("librdkafka/api_versions_v3_response.bin", 3);
  EXPECT_EQ(res.header.correlation_id, 1);
  expect_kafka39_api_ranges(res.body);
  ASSERT_EQ(res.body.supported_features.size(), 1u);
  EXPECT_EQ(res.body.supported_features[0].name, "metadata.version");
  EXPECT_EQ(res.body.supported_features[0].min_version, 1);
  EXPECT_EQ(res.body.supported_features[0].max_version, 21);
  EXPECT_EQ(res.body.finalized_features_epoch, 19);
  ASSERT_EQ(res.body.finalized_features.size(), 1u);
  EXPECT_EQ(res.body.finalized_features[0].max_version_level, 21);
}

TEST(GoldenFields, ApiVersionsJava39) {
  GoldenRequest<ApiVersionsRequest> req("java-3.9.0/api_versions_v4_request.bin");
  EXPECT_EQ(req.header.api_version, 4);
  EXPECT_EQ(req.header.correlation_id, 0);
  EXPECT_EQ(req.header.client_id, "golden-java-admin");
  EXPECT_EQ(req.body.client_software_name, "apache-kafka-java");
  EXPECT_EQ(req.body.client_software_version, "3.9.0");

  GoldenResponse<ApiVersionsResponse> res("java-3.9.0/api_versions_v4_response.bin", 4);
  expect_kafka39_api_ranges(res.body);
  ASSERT_EQ(res.body.supported_features.size(), 2u);
  EXPECT_EQ(res.body.supported_features[0].name, "kraft.version");
  EXPECT_EQ(res.body.supported_features[0].max_version, 1);
  EXPECT_EQ(res.body.supported_features[1].name, "metadata.version");
  EXPECT_EQ(res.body.finalized_features_epoch, 31);
}

TEST(GoldenFields, ApiVersionsJava28) {
  GoldenRequest<ApiVersionsRequest> req("java-2.8.2/api_versions_v3_request.bin");
  EXPECT_EQ(req.header.client_id, "golden-java28-admin");
  EXPECT_EQ(req.body.client_software_name, "apache-kafka-java");
  EXPECT_EQ(req.body.client_software_version, "2.8.2");

  GoldenResponse<ApiVersionsResponse> res("java-2.8.2/api_versions_v3_response.bin", 3);
  expect_kafka39_api_ranges(res.body);
  EXPECT_EQ(res.body.finalized_features_epoch, 41);
}

// ---------------------------------------------------------------------------------------------
// Metadata

void expect_single_broker(const MetadataResponse& res, bool has_rack) {
  ASSERT_EQ(res.brokers.size(), 1u);
  EXPECT_EQ(res.brokers[0].node_id, 1);
  EXPECT_EQ(res.brokers[0].host, "127.0.0.1");
  EXPECT_EQ(res.brokers[0].port, 37313);
  if (has_rack) {
    EXPECT_EQ(res.brokers[0].rack, std::nullopt);
  }
}

void expect_one_partition_topic(const MetadataResponse& res, const std::string& topic) {
  ASSERT_EQ(res.topics.size(), 1u);
  const auto& t = res.topics[0];
  EXPECT_EQ(t.error_code, 0);
  EXPECT_EQ(t.name, topic);
  EXPECT_FALSE(t.is_internal);
  ASSERT_EQ(t.partitions.size(), 1u);
  EXPECT_EQ(t.partitions[0].error_code, 0);
  EXPECT_EQ(t.partitions[0].partition_index, 0);
  EXPECT_EQ(t.partitions[0].leader_id, 1);
  EXPECT_EQ(t.partitions[0].replica_nodes, std::vector<int32_t>{1});
  EXPECT_EQ(t.partitions[0].isr_nodes, std::vector<int32_t>{1});
}

TEST(GoldenFields, MetadataLibrdkafka) {
  GoldenRequest<MetadataRequest> req("librdkafka/metadata_v4_request.bin");
  EXPECT_EQ(req.header.api_version, 4);
  EXPECT_EQ(req.header.correlation_id, 2);
  EXPECT_EQ(req.header.client_id, "golden-kcat");
  ASSERT_TRUE(req.body.topics.has_value());
  ASSERT_EQ(req.body.topics->size(), 1u);
  EXPECT_EQ((*req.body.topics)[0].name, "golden-kcat");
  EXPECT_TRUE(req.body.allow_auto_topic_creation);

  GoldenResponse<MetadataResponse> res("librdkafka/metadata_v4_response.bin", 4);
  EXPECT_EQ(res.header.correlation_id, 2);
  expect_single_broker(res.body, true);
  EXPECT_EQ(res.body.cluster_id, "vtkOErJxSbGQfFC2NmGjzQ");
  EXPECT_EQ(res.body.controller_id, 1);
  expect_one_partition_topic(res.body, "golden-kcat");
}

TEST(GoldenFields, MetadataLibrdkafkaFallback09) {
  GoldenRequest<MetadataRequest> req("librdkafka-fallback-0.9.0/metadata_v0_request.bin");
  EXPECT_EQ(req.header.api_version, 0);
  EXPECT_EQ(req.header.correlation_id, 1);
  EXPECT_EQ(req.header.client_id, "golden-kcat-09");
  ASSERT_EQ(req.body.topics->size(), 1u);
  EXPECT_EQ((*req.body.topics)[0].name, "golden-kcat-09");

  GoldenResponse<MetadataResponse> res("librdkafka-fallback-0.9.0/metadata_v0_response.bin", 0);
  expect_single_broker(res.body, false);
  EXPECT_EQ(res.body.cluster_id, std::nullopt);  // not in v0
  expect_one_partition_topic(res.body, "golden-kcat-09");
}

TEST(GoldenFields, MetadataJava39) {
  GoldenRequest<MetadataRequest> req("java-3.9.0/metadata_v12_request.bin");
  EXPECT_EQ(req.header.api_version, 12);
  EXPECT_EQ(req.header.client_id, "golden-java-producer");
  ASSERT_EQ(req.body.topics->size(), 1u);
  EXPECT_TRUE((*req.body.topics)[0].topic_id.is_zero());
  EXPECT_EQ((*req.body.topics)[0].name, "golden-java");
  EXPECT_TRUE(req.body.allow_auto_topic_creation);
  EXPECT_FALSE(req.body.include_topic_authorized_operations);

  GoldenResponse<MetadataResponse> res("java-3.9.0/metadata_v12_response.bin", 12);
  expect_single_broker(res.body, true);
  EXPECT_EQ(res.body.cluster_id, "vtkOErJxSbGQfFC2NmGjzQ");
  expect_one_partition_topic(res.body, "golden-java");
  EXPECT_EQ(res.body.topics[0].topic_id, uuid("7700b47c94464c4080aa787925b91289"));
  EXPECT_EQ(res.body.topics[0].partitions[0].leader_epoch, 0);
  EXPECT_EQ(res.body.topics[0].topic_authorized_operations, INT32_MIN);
}

TEST(GoldenFields, MetadataJava28) {
  GoldenRequest<MetadataRequest> req("java-2.8.2/metadata_v11_request.bin");
  EXPECT_EQ(req.header.api_version, 11);
  EXPECT_EQ(req.header.client_id, "golden-java28-producer");
  EXPECT_EQ((*req.body.topics)[0].name, "golden-java28");

  GoldenResponse<MetadataResponse> res("java-2.8.2/metadata_v11_response.bin", 11);
  expect_one_partition_topic(res.body, "golden-java28");
  EXPECT_EQ(res.body.topics[0].topic_id, uuid("ad6720ce4bca472b810577540f2476a0"));
}

// ---------------------------------------------------------------------------------------------
// Produce

const RecordsRef& only_partition_records(const ProduceRequest& req, const std::string& topic) {
  EXPECT_EQ(req.topic_data.size(), 1u);
  EXPECT_EQ(req.topic_data.at(0).name, topic);
  EXPECT_EQ(req.topic_data.at(0).partition_data.size(), 1u);
  EXPECT_EQ(req.topic_data.at(0).partition_data.at(0).index, 0);
  return req.topic_data.at(0).partition_data.at(0).records;
}

void expect_produced_at_zero(const ProduceResponse& res, const std::string& topic) {
  ASSERT_EQ(res.responses.size(), 1u);
  EXPECT_EQ(res.responses[0].name, topic);
  ASSERT_EQ(res.responses[0].partition_responses.size(), 1u);
  const auto& p = res.responses[0].partition_responses[0];
  EXPECT_EQ(p.index, 0);
  EXPECT_EQ(p.error_code, 0);
  EXPECT_EQ(p.base_offset, 0);
  EXPECT_EQ(res.throttle_time_ms, 0);
}

TEST(GoldenFields, ProduceLibrdkafka) {
  GoldenRequest<ProduceRequest> req("librdkafka/produce_v7_request.bin");
  EXPECT_EQ(req.header.api_version, 7);
  EXPECT_EQ(req.header.correlation_id, 3);
  EXPECT_EQ(req.header.client_id, "golden-kcat");
  EXPECT_EQ(req.body.transactional_id, std::nullopt);
  EXPECT_EQ(req.body.acks, -1);
  EXPECT_EQ(req.body.timeout_ms, 30000);
  const RecordsRef& records = only_partition_records(req.body, "golden-kcat");
  EXPECT_EQ(records.size(), 99);
  int magic = -1;
  EXPECT_EQ(key_values(records, &magic), kProduced);
  EXPECT_EQ(magic, 2);
  auto batch = RecordBatchView::parse(records.bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->crc(), 175030985u);
  EXPECT_EQ(batch->producer_id(), -1);
  EXPECT_EQ(batch->compression(), Compression::kNone);
  EXPECT_EQ(batch->last_offset_delta(), 2);

  GoldenResponse<ProduceResponse> res("librdkafka/produce_v7_response.bin", 7);
  EXPECT_EQ(res.header.correlation_id, 3);
  expect_produced_at_zero(res.body, "golden-kcat");
  EXPECT_EQ(res.body.responses[0].partition_responses[0].log_append_time_ms, -1);
  EXPECT_EQ(res.body.responses[0].partition_responses[0].log_start_offset, 0);
}

TEST(GoldenFields, ProduceLibrdkafkaFallback09) {
  GoldenRequest<ProduceRequest> req("librdkafka-fallback-0.9.0/produce_v1_request.bin");
  EXPECT_EQ(req.header.api_version, 1);
  EXPECT_EQ(req.header.client_id, "golden-kcat-09");
  EXPECT_EQ(req.body.acks, -1);
  EXPECT_EQ(req.body.timeout_ms, 30000);
  const RecordsRef& records = only_partition_records(req.body, "golden-kcat-09");
  EXPECT_EQ(records.size(), 95);
  int magic = -1;
  EXPECT_EQ(key_values(records, &magic), kProduced);
  EXPECT_EQ(magic, 0);  // a 0.9-era client writes a magic-0 message set

  GoldenResponse<ProduceResponse> res("librdkafka-fallback-0.9.0/produce_v1_response.bin", 1);
  expect_produced_at_zero(res.body, "golden-kcat-09");
}

TEST(GoldenFields, ProduceJava39Idempotent) {
  GoldenRequest<ProduceRequest> req("java-3.9.0/produce_v11_request.bin");
  EXPECT_EQ(req.header.api_version, 11);
  EXPECT_EQ(req.header.correlation_id, 6);
  EXPECT_EQ(req.header.client_id, "golden-java-producer");
  EXPECT_EQ(req.body.transactional_id, std::nullopt);
  EXPECT_EQ(req.body.acks, -1);
  EXPECT_EQ(req.body.timeout_ms, 1500);
  const RecordsRef& records = only_partition_records(req.body, "golden-java");
  EXPECT_EQ(key_values(records), kProduced);
  auto batch = RecordBatchView::parse(records.bytes);
  ASSERT_TRUE(batch.ok());
  // Idempotent by default since Kafka 3.0: producer id 0, epoch 0, first sequence 0.
  EXPECT_EQ(batch->producer_id(), 0);
  EXPECT_EQ(batch->producer_epoch(), 0);
  EXPECT_EQ(batch->base_sequence(), 0);
  EXPECT_EQ(batch->partition_leader_epoch(), -1);
  EXPECT_EQ(batch->max_timestamp() - batch->base_timestamp(), 20);

  GoldenResponse<ProduceResponse> res("java-3.9.0/produce_v11_response.bin", 11);
  EXPECT_EQ(res.header.correlation_id, 6);
  expect_produced_at_zero(res.body, "golden-java");
  EXPECT_TRUE(res.body.responses[0].partition_responses[0].record_errors.empty());
  EXPECT_EQ(res.body.responses[0].partition_responses[0].error_message, std::nullopt);
}

TEST(GoldenFields, ProduceJava28) {
  GoldenRequest<ProduceRequest> req("java-2.8.2/produce_v9_request.bin");
  EXPECT_EQ(req.header.api_version, 9);
  EXPECT_EQ(req.header.client_id, "golden-java28-producer");
  EXPECT_EQ(req.body.acks, 1);  // the 2.8 default
  EXPECT_EQ(req.body.timeout_ms, 1500);
  const RecordsRef& records = only_partition_records(req.body, "golden-java28");
  EXPECT_EQ(key_values(records), kProduced);
  auto batch = RecordBatchView::parse(records.bytes);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->producer_id(), -1);
  EXPECT_EQ(batch->crc(), 1681388686u);

  GoldenResponse<ProduceResponse> res("java-2.8.2/produce_v9_response.bin", 9);
  expect_produced_at_zero(res.body, "golden-java28");
}

// ---------------------------------------------------------------------------------------------
// Fetch

void expect_fetch_partition_zero(const FetchRequest& req, int32_t max_wait, int32_t min_bytes) {
  EXPECT_EQ(req.max_wait_ms, max_wait);
  EXPECT_EQ(req.min_bytes, min_bytes);
  ASSERT_EQ(req.topics.size(), 1u);
  ASSERT_EQ(req.topics[0].partitions.size(), 1u);
  EXPECT_EQ(req.topics[0].partitions[0].partition, 0);
  EXPECT_EQ(req.topics[0].partitions[0].fetch_offset, 0);
  EXPECT_EQ(req.topics[0].partitions[0].partition_max_bytes, 1048576);
}

const FetchResponse::PartitionData& only_partition(const FetchResponse& res) {
  EXPECT_EQ(res.responses.size(), 1u);
  EXPECT_EQ(res.responses.at(0).partitions.size(), 1u);
  const auto& p = res.responses.at(0).partitions.at(0);
  EXPECT_EQ(p.partition_index, 0);
  EXPECT_EQ(p.error_code, 0);
  EXPECT_EQ(p.high_watermark, 3);
  return p;
}

TEST(GoldenFields, FetchLibrdkafka) {
  GoldenRequest<FetchRequest> req("librdkafka/fetch_v11_request.bin");
  EXPECT_EQ(req.header.api_version, 11);
  EXPECT_EQ(req.header.correlation_id, 5);
  EXPECT_EQ(req.header.client_id, "golden-kcat");
  EXPECT_EQ(req.body.replica_id, -1);
  expect_fetch_partition_zero(req.body, 500, 1);
  EXPECT_EQ(req.body.max_bytes, 52428800);
  EXPECT_EQ(req.body.isolation_level, 1);  // read_committed
  EXPECT_EQ(req.body.session_id, 0);
  EXPECT_EQ(req.body.session_epoch, -1);
  EXPECT_EQ(req.body.topics[0].topic, "golden-kcat");
  EXPECT_EQ(req.body.topics[0].partitions[0].current_leader_epoch, -1);
  EXPECT_EQ(req.body.topics[0].partitions[0].log_start_offset, -1);
  EXPECT_TRUE(req.body.forgotten_topics_data.empty());
  EXPECT_EQ(req.body.rack_id, "");

  GoldenResponse<FetchResponse> res("librdkafka/fetch_v11_response.bin", 11);
  EXPECT_EQ(res.header.correlation_id, 5);
  EXPECT_EQ(res.body.error_code, 0);
  EXPECT_EQ(res.body.responses[0].topic, "golden-kcat");
  const auto& p = only_partition(res.body);
  EXPECT_EQ(p.last_stable_offset, 3);
  EXPECT_EQ(p.log_start_offset, 0);
  ASSERT_TRUE(p.aborted_transactions.has_value());
  EXPECT_TRUE(p.aborted_transactions->empty());
  EXPECT_EQ(p.preferred_read_replica, -1);
  EXPECT_EQ(key_values(p.records), kProduced);
}

TEST(GoldenFields, FetchLibrdkafkaFallback09DownConverted) {
  GoldenRequest<FetchRequest> req("librdkafka-fallback-0.9.0/fetch_v1_request.bin");
  EXPECT_EQ(req.header.api_version, 1);
  EXPECT_EQ(req.header.client_id, "golden-kcat-09");
  EXPECT_EQ(req.body.replica_id, -1);
  expect_fetch_partition_zero(req.body, 500, 1);
  EXPECT_EQ(req.body.topics[0].topic, "golden-kcat-09");

  GoldenResponse<FetchResponse> res("librdkafka-fallback-0.9.0/fetch_v1_response.bin", 1);
  EXPECT_EQ(res.body.responses[0].topic, "golden-kcat-09");
  const auto& p = only_partition(res.body);
  // Three magic-0 messages down-converted by Kafka, then 4 bytes of padding: a partial tail.
  EXPECT_EQ(p.records.size(), 99);
  int magic = -1;
  EXPECT_EQ(key_values(p.records, &magic), kProduced);
  EXPECT_EQ(magic, 0);
  DecompressionBuffer scratch;
  legacy::LegacyRecordReader reader(p.records.bytes, scratch, kDefaultMaxDecompressedBytes);
  legacy::LegacyRecord record;
  int64_t next_offset = 0;
  while (reader.next(record)) EXPECT_EQ(record.offset, next_offset++);
  EXPECT_TRUE(reader.truncated_tail());
}

TEST(GoldenFields, FetchJava39ByTopicId) {
  GoldenRequest<FetchRequest> req("java-3.9.0/fetch_v17_request.bin");
  EXPECT_EQ(req.header.api_version, 17);
  EXPECT_EQ(req.header.correlation_id, 11);
  EXPECT_EQ(req.header.client_id, "golden-java-consumer");
  expect_fetch_partition_zero(req.body, 500, 1);
  EXPECT_EQ(req.body.isolation_level, 0);
  EXPECT_EQ(req.body.session_epoch, 0);
  // v13+: topics by id only; v15+: no replica id field (default stays -1).
  EXPECT_EQ(req.body.topics[0].topic, "");
  EXPECT_EQ(req.body.topics[0].topic_id, uuid("7700b47c94464c4080aa787925b91289"));
  EXPECT_EQ(req.body.replica_id, -1);
  EXPECT_EQ(req.body.topics[0].partitions[0].current_leader_epoch, 0);
  EXPECT_EQ(req.body.topics[0].partitions[0].last_fetched_epoch, -1);

  GoldenResponse<FetchResponse> res("java-3.9.0/fetch_v17_response.bin", 17);
  EXPECT_EQ(res.header.correlation_id, 11);
  EXPECT_EQ(res.body.session_id, 173981989);
  EXPECT_EQ(res.body.responses[0].topic_id, uuid("7700b47c94464c4080aa787925b91289"));
  const auto& p = only_partition(res.body);
  EXPECT_EQ(p.aborted_transactions, std::nullopt);
  EXPECT_EQ(key_values(p.records), kProduced);
}

TEST(GoldenFields, FetchJava28) {
  GoldenRequest<FetchRequest> req("java-2.8.2/fetch_v12_request.bin");
  EXPECT_EQ(req.header.api_version, 12);
  EXPECT_EQ(req.header.client_id, "golden-java28-consumer");
  expect_fetch_partition_zero(req.body, 500, 1);
  EXPECT_EQ(req.body.topics[0].topic, "golden-java28");
  EXPECT_EQ(req.body.max_bytes, 52428800);

  GoldenResponse<FetchResponse> res("java-2.8.2/fetch_v12_response.bin", 12);
  EXPECT_EQ(res.body.session_id, 343047143);
  EXPECT_EQ(res.body.responses[0].topic, "golden-java28");
  const auto& p = only_partition(res.body);
  EXPECT_EQ(p.last_stable_offset, 3);
  EXPECT_EQ(key_values(p.records), kProduced);
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

// The consumer protocol's subscription inside a JoinGroup protocol's metadata bytes: an int16
// version, then the ConsumerProtocolSubscription at that version.
ConsumerProtocolSubscription subscription(const Bytes& metadata, int16_t* version) {
  Reader r(metadata);
  *version = r.read_int16();
  ConsumerProtocolSubscription s;
  EXPECT_EQ(s.decode(r, *version), DecodeError::kNone);
  EXPECT_TRUE(r.at_end());
  return s;
}

TEST(GoldenFields, JoinGroupLibrdkafka) {
  const std::string member = "golden-kcat-5aad7761-e18e-4bd4-b2e7-0d4ff3ac9f97";
  GoldenRequest<JoinGroupRequest> req("librdkafka/join_group_v5_request.bin");
  EXPECT_EQ(req.header.api_version, 5);
  EXPECT_EQ(req.header.client_id, "golden-kcat");
  EXPECT_EQ(req.body.group_id, "golden-group-kcat");
  EXPECT_EQ(req.body.session_timeout_ms, 45000);
  EXPECT_EQ(req.body.rebalance_timeout_ms, 300000);
  EXPECT_EQ(req.body.member_id, member);
  EXPECT_EQ(req.body.group_instance_id, std::nullopt);
  EXPECT_EQ(req.body.protocol_type, "consumer");
  ASSERT_EQ(req.body.protocols.size(), 2u);
  EXPECT_EQ(req.body.protocols[0].name, "range");
  EXPECT_EQ(req.body.protocols[1].name, "roundrobin");
  int16_t version = -1;
  const auto sub = subscription(req.body.protocols[0].metadata, &version);
  EXPECT_EQ(version, 1);
  EXPECT_EQ(sub.topics, std::vector<std::string>{"golden-kcat"});

  GoldenResponse<JoinGroupResponse> res("librdkafka/join_group_v5_response.bin", 5);
  EXPECT_EQ(res.body.error_code, 0);
  EXPECT_EQ(res.body.generation_id, 1);
  EXPECT_EQ(res.body.protocol_name, "range");
  EXPECT_EQ(res.body.leader, member);
  EXPECT_EQ(res.body.member_id, member);
  ASSERT_EQ(res.body.members.size(), 1u);
  EXPECT_EQ(res.body.members[0].member_id, member);
  EXPECT_EQ(res.body.members[0].metadata, req.body.protocols[0].metadata);
}

TEST(GoldenFields, JoinGroupLibrdkafkaFallback09) {
  const std::string member = "golden-kcat-09-648cd944-49cc-40aa-924a-15ca80d50d30";
  GoldenRequest<JoinGroupRequest> req("librdkafka-fallback-0.9.0/join_group_v0_request.bin");
  EXPECT_EQ(req.header.api_version, 0);
  EXPECT_EQ(req.header.client_id, "golden-kcat-09");
  EXPECT_EQ(req.body.group_id, "golden-group-kcat-09");
  EXPECT_EQ(req.body.session_timeout_ms, 45000);
  EXPECT_EQ(req.body.member_id, "");  // v0 predates KIP-394: the first join has no member id
  ASSERT_EQ(req.body.protocols.size(), 2u);
  EXPECT_EQ(req.body.protocols[1].name, "roundrobin");

  GoldenResponse<JoinGroupResponse> res("librdkafka-fallback-0.9.0/join_group_v0_response.bin", 0);
  EXPECT_EQ(res.body.error_code, 0);
  EXPECT_EQ(res.body.generation_id, 1);
  EXPECT_EQ(res.body.protocol_name, "range");
  EXPECT_EQ(res.body.member_id, member);
  EXPECT_EQ(res.body.leader, member);
}

TEST(GoldenFields, JoinGroupJava39) {
  const std::string member = "golden-java-consumer-91afcfb0-42aa-4e03-b11f-9ddf7c19e82d";
  GoldenRequest<JoinGroupRequest> req("java-3.9.0/join_group_v9_request.bin");
  EXPECT_EQ(req.header.api_version, 9);
  EXPECT_EQ(req.header.correlation_id, 6);
  EXPECT_EQ(req.header.client_id, "golden-java-consumer");
  EXPECT_EQ(req.body.group_id, "golden-group-java");
  EXPECT_EQ(req.body.session_timeout_ms, 45000);
  EXPECT_EQ(req.body.member_id, member);
  ASSERT_EQ(req.body.protocols.size(), 2u);
  EXPECT_EQ(req.body.protocols[0].name, "range");
  EXPECT_EQ(req.body.protocols[1].name, "cooperative-sticky");
  EXPECT_EQ(req.body.reason, "need to re-join with the given member-id: " + member);
  int16_t version = -1;
  const auto sub = subscription(req.body.protocols[0].metadata, &version);
  EXPECT_EQ(version, 3);
  EXPECT_EQ(sub.topics, std::vector<std::string>{"golden-java"});
  EXPECT_EQ(sub.user_data, std::nullopt);
  EXPECT_EQ(sub.generation_id, -1);
  EXPECT_EQ(sub.rack_id, std::nullopt);

  GoldenResponse<JoinGroupResponse> res("java-3.9.0/join_group_v9_response.bin", 9);
  EXPECT_EQ(res.body.error_code, 0);
  EXPECT_EQ(res.body.protocol_type, "consumer");
  EXPECT_EQ(res.body.protocol_name, "range");
  EXPECT_FALSE(res.body.skip_assignment);
  EXPECT_EQ(res.body.leader, member);
  ASSERT_EQ(res.body.members.size(), 1u);
  EXPECT_EQ(res.body.members[0].group_instance_id, std::nullopt);
}

TEST(GoldenFields, JoinGroupJava28) {
  const std::string member = "golden-java28-consumer-210ac4b7-3609-45e6-97ec-a15eb73bccaf";
  GoldenRequest<JoinGroupRequest> req("java-2.8.2/join_group_v7_request.bin");
  EXPECT_EQ(req.header.api_version, 7);
  EXPECT_EQ(req.body.group_id, "golden-group-java28");
  EXPECT_EQ(req.body.session_timeout_ms, 10000);  // the 2.8 default
  EXPECT_EQ(req.body.rebalance_timeout_ms, 300000);
  ASSERT_EQ(req.body.protocols.size(), 1u);
  EXPECT_EQ(req.body.protocols[0].name, "range");

  GoldenResponse<JoinGroupResponse> res("java-2.8.2/join_group_v7_response.bin", 7);
  EXPECT_EQ(res.body.generation_id, 1);
  EXPECT_EQ(res.body.protocol_type, "consumer");
  EXPECT_EQ(res.body.member_id, member);
}

// ---------------------------------------------------------------------------------------------
// OffsetCommit

void expect_commit_of_3(const OffsetCommitRequest& req, const std::string& group,
                        const std::string& member, const std::string& topic) {
  EXPECT_EQ(req.group_id, group);
  EXPECT_EQ(req.generation_id_or_member_epoch, 1);
  EXPECT_EQ(req.member_id, member);
  ASSERT_EQ(req.topics.size(), 1u);
  EXPECT_EQ(req.topics[0].name, topic);
  ASSERT_EQ(req.topics[0].partitions.size(), 1u);
  EXPECT_EQ(req.topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(req.topics[0].partitions[0].committed_offset, 3);
  EXPECT_EQ(req.topics[0].partitions[0].committed_metadata, "");
}

void expect_committed(const OffsetCommitResponse& res, const std::string& topic) {
  ASSERT_EQ(res.topics.size(), 1u);
  EXPECT_EQ(res.topics[0].name, topic);
  ASSERT_EQ(res.topics[0].partitions.size(), 1u);
  EXPECT_EQ(res.topics[0].partitions[0].partition_index, 0);
  EXPECT_EQ(res.topics[0].partitions[0].error_code, 0);
}

TEST(GoldenFields, OffsetCommitLibrdkafka) {
  GoldenRequest<OffsetCommitRequest> req("librdkafka/offset_commit_v7_request.bin");
  EXPECT_EQ(req.header.api_version, 7);
  EXPECT_EQ(req.header.correlation_id, 8);
  EXPECT_EQ(req.header.client_id, "golden-kcat");
  expect_commit_of_3(req.body, "golden-group-kcat",
                     "golden-kcat-5aad7761-e18e-4bd4-b2e7-0d4ff3ac9f97", "golden-kcat");
  EXPECT_EQ(req.body.group_instance_id, std::nullopt);
  EXPECT_EQ(req.body.topics[0].partitions[0].committed_leader_epoch, -1);

  GoldenResponse<OffsetCommitResponse> res("librdkafka/offset_commit_v7_response.bin", 7);
  EXPECT_EQ(res.header.correlation_id, 8);
  expect_committed(res.body, "golden-kcat");
}

TEST(GoldenFields, OffsetCommitLibrdkafkaFallback09) {
  GoldenRequest<OffsetCommitRequest> req("librdkafka-fallback-0.9.0/offset_commit_v2_request.bin");
  EXPECT_EQ(req.header.api_version, 2);
  EXPECT_EQ(req.header.client_id, "golden-kcat-09");
  expect_commit_of_3(req.body, "golden-group-kcat-09",
                     "golden-kcat-09-648cd944-49cc-40aa-924a-15ca80d50d30", "golden-kcat-09");
  EXPECT_EQ(req.body.retention_time_ms, -1);  // v2-v4 only: -1 = the broker's retention

  GoldenResponse<OffsetCommitResponse> res(
      "librdkafka-fallback-0.9.0/offset_commit_v2_response.bin", 2);
  expect_committed(res.body, "golden-kcat-09");
}

TEST(GoldenFields, OffsetCommitJava39) {
  GoldenRequest<OffsetCommitRequest> req("java-3.9.0/offset_commit_v9_request.bin");
  EXPECT_EQ(req.header.api_version, 9);
  EXPECT_EQ(req.header.correlation_id, 13);
  EXPECT_EQ(req.header.client_id, "golden-java-consumer");
  expect_commit_of_3(req.body, "golden-group-java",
                     "golden-java-consumer-91afcfb0-42aa-4e03-b11f-9ddf7c19e82d", "golden-java");
  EXPECT_EQ(req.body.topics[0].partitions[0].committed_leader_epoch, 0);

  GoldenResponse<OffsetCommitResponse> res("java-3.9.0/offset_commit_v9_response.bin", 9);
  EXPECT_EQ(res.header.correlation_id, 13);
  EXPECT_EQ(res.body.throttle_time_ms, 0);
  expect_committed(res.body, "golden-java");
}

TEST(GoldenFields, OffsetCommitJava28) {
  GoldenRequest<OffsetCommitRequest> req("java-2.8.2/offset_commit_v8_request.bin");
  EXPECT_EQ(req.header.api_version, 8);
  EXPECT_EQ(req.header.client_id, "golden-java28-consumer");
  expect_commit_of_3(req.body, "golden-group-java28",
                     "golden-java28-consumer-210ac4b7-3609-45e6-97ec-a15eb73bccaf",
                     "golden-java28");

  GoldenResponse<OffsetCommitResponse> res("java-2.8.2/offset_commit_v8_response.bin", 8);
  expect_committed(res.body, "golden-java28");
}

}  // namespace
}  // namespace fjord::msg
