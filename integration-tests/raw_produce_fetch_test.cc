// Produce and Fetch details over raw sockets, compared with Kafka 3.9: old consumers' Fetch
// v0-v3 get the records down-converted to magic 0/1; DeleteRecords moves the log start offset;
// Produce v8+ answers a rejected record with record_errors and error_message as Kafka's
// LogValidator words them; the aborted_transactions field is null or an empty array exactly
// where Kafka puts them; a fetch session reads its partitions in request order and moves each
// one that returned records to the end (KIP-227), so a small fetch.max.bytes reaches them all.
// Requests are built with the generated codecs and RecordBatchBuilder, never by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
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

Bytes batch_of(const std::vector<Rec>& records, const BatchOptions& options = {}) {
  RecordBatchBuilder builder(options);
  for (const Rec& r : records) {
    std::optional<ByteView> key;
    if (r.key) key = as_bytes(*r.key);
    builder.append(r.timestamp, key, as_bytes(r.value));
  }
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

class RawProduceFetch : public SharedBrokerSuite {
 protected:
  static void SetUpTestSuite() {
    SharedBrokerSuite::SetUpTestSuite();
    if (broker_->unavailable_reason()) return;
    create_topic(broker_->bootstrap(), "old-fetch", 1);
    create_topic(broker_->bootstrap(), "delete-records", 1);
    create_topic(broker_->bootstrap(), "isolation", 1);
    create_topic(broker_->bootstrap(), "bad-records", 1);
    create_topic(broker_->bootstrap(), "compacted", 1, {{"cleanup.policy", "compact"}});
    create_topic(broker_->bootstrap(), "bounded-ts", 1,
                 {{"message.timestamp.before.max.ms", "3600000"},
                  {"message.timestamp.after.max.ms", "3600000"}});
    create_topic(broker_->bootstrap(), "difference-ts", 1,
                 {{"message.timestamp.difference.max.ms", "3600000"}});
    create_topic(broker_->bootstrap(), "session-order", 3);
    create_topic(broker_->bootstrap(), "append-time", 1,
                 {{"message.timestamp.type", "LogAppendTime"}});
  }
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
    return produce_records(topic, RecordsRef::of(batch), version);
  }

  static std::optional<msg::ProduceResponse::PartitionProduceResponse> produce_records(
      const std::string& topic, RecordsRef records, int16_t version) {
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    req.topic_data.push_back({.name = topic, .partition_data = {{.index = 0}}});
    req.topic_data[0].partition_data[0].records = records;
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

TEST_F(RawProduceFetch, CompactedTopicRejectsRecordsWithoutKeys) {
  const int64_t ts = now_ms();
  for (int16_t version : {8, 9}) {
    SCOPED_TRACE("Produce v" + std::to_string(version));
    auto r = produce("compacted",
                     batch_of({{"a", "1", ts}, {std::nullopt, "2", ts}, {"c", "3", ts},
                               {std::nullopt, "4", ts}}),
                     version);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error_code, static_cast<int16_t>(ErrorCode::kInvalidRecord));
    EXPECT_EQ(r->base_offset, -1);
    EXPECT_EQ(r->log_append_time_ms, -1);
    EXPECT_EQ(r->log_start_offset, 0);
    const std::string why =
        "Compacted topic cannot accept message without key in topic partition compacted-0";
    ASSERT_EQ(r->record_errors.size(), 2u);
    EXPECT_EQ(r->record_errors[0].batch_index, 1);
    EXPECT_EQ(r->record_errors[0].batch_index_error_message, why);
    EXPECT_EQ(r->record_errors[1].batch_index, 3);
    EXPECT_EQ(r->record_errors[1].batch_index_error_message, why);
    EXPECT_EQ(r->error_message,
              "One or more records have been rejected due to 2 record errors in total, and only "
              "showing the first three errors at most: [RecordError(batchIndex=1, message='" +
                  why + "'), RecordError(batchIndex=3, message='" + why + "')]");
  }
  // Nothing of the rejected batches was appended; keyed records still are.
  auto ok = produce("compacted", batch_of({{"k", "v", ts}}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->error_code, 0);
  EXPECT_EQ(ok->base_offset, 0);
  EXPECT_FALSE(ok->error_message.has_value());
  EXPECT_TRUE(ok->record_errors.empty());
}

// Records 1 and 2 lie two hours before and after now; the topic allows one hour either way.
void expect_timestamp_rejections(const msg::ProduceResponse::PartitionProduceResponse& r,
                                 int64_t ts) {
  EXPECT_EQ(r.error_code, static_cast<int16_t>(ErrorCode::kInvalidTimestamp));
  EXPECT_EQ(r.base_offset, -1);
  EXPECT_EQ(r.log_start_offset, 0);
  EXPECT_EQ(r.error_message, "One or more records have been rejected due to invalid timestamp");
  ASSERT_EQ(r.record_errors.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const int64_t bad = i == 0 ? ts - 7'200'000 : ts + 7'200'000;
    EXPECT_EQ(r.record_errors[i].batch_index, static_cast<int32_t>(i + 1));
    const std::string prefix = "Timestamp " + std::to_string(bad) + " of message with offset " +
                               std::to_string(i + 1) +
                               " is out of range. The timestamp should be within [";
    const std::string& m = r.record_errors[i].batch_index_error_message.value_or("");
    EXPECT_EQ(m.substr(0, prefix.size()), prefix) << m;
    // "[now - 3600000, now + 3600000]" with the broker's now, close to ours.
    int64_t low = 0, high = 0;
    ASSERT_EQ(std::sscanf(m.c_str() + std::min(prefix.size(), m.size()), "%ld, %ld]", &low, &high),
              2)
        << m;
    EXPECT_EQ(high - low, 7'200'000);
    EXPECT_LT(std::abs(low + 3'600'000 - ts), 600'000);
  }
}

TEST_F(RawProduceFetch, TimestampsOutsideBeforeAndAfterMaxAreRejected) {
  const int64_t ts = now_ms();
  auto r = produce("bounded-ts", batch_of({{std::nullopt, "now", ts},
                                           {std::nullopt, "early", ts - 7'200'000},
                                           {std::nullopt, "late", ts + 7'200'000}}));
  ASSERT_TRUE(r);
  expect_timestamp_rejections(*r, ts);
  auto ok = produce("bounded-ts", batch_of({{std::nullopt, "now", ts}}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->error_code, 0);
  EXPECT_EQ(ok->base_offset, 0);
}

TEST_F(RawProduceFetch, TimestampDifferenceMaxStillApplies) {
  const int64_t ts = now_ms();
  auto r = produce("difference-ts", batch_of({{std::nullopt, "now", ts},
                                              {std::nullopt, "early", ts - 7'200'000},
                                              {std::nullopt, "late", ts + 7'200'000}}));
  ASSERT_TRUE(r);
  expect_timestamp_rejections(*r, ts);
}

TEST_F(RawProduceFetch, ProducersMayNotSendLogAppendTime) {
  const int64_t ts = now_ms();
  BatchOptions options;
  options.timestamp_type = TimestampType::kLogAppendTime;
  auto r = produce("append-time", batch_of({{"key", "value", ts}}, options));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_code, static_cast<int16_t>(ErrorCode::kInvalidTimestamp));
  EXPECT_EQ(r->error_message, "One or more records have been rejected due to invalid timestamp");
  ASSERT_EQ(r->record_errors.size(), 1u);
  EXPECT_EQ(r->record_errors[0].batch_index, 0);
  const std::string m = r->record_errors[0].batch_index_error_message.value_or("");
  EXPECT_EQ(m.rfind("Invalid timestamp type in message DefaultRecord(offset=0, timestamp=", 0), 0u)
      << m;
  const std::string tail =
      ", key=3 bytes, value=5 bytes). Producer should not set timestamp type to LogAppendTime.";
  ASSERT_GE(m.size(), tail.size());
  EXPECT_EQ(m.substr(m.size() - tail.size()), tail);
}

// Kafka's ProduceRequest.validateRecords (v3+): a records field holding no complete batch, or
// more than one, is INVALID_RECORD, and a batch length below the smallest record overhead
// CORRUPT_MESSAGE. Bytes after the last complete batch are dropped and the batch appended (the
// log's batch iterator stops there); before v3, no complete batch appends nothing, no error.
TEST_F(RawProduceFetch, RecordsWithoutExactlyOneBatchAreInvalid) {
  const int64_t ts = now_ms();
  const Bytes one = batch_of({{std::nullopt, "x", ts}});
  Bytes two = one;
  two.insert(two.end(), one.begin(), one.end());
  const Bytes truncated(one.begin(), one.end() - 1);
  const Bytes tiny = {0, 0, 0, 0, 0};
  Bytes trailing = one;
  trailing.insert(trailing.end(), tiny.begin(), tiny.end());
  Bytes small_size = one;
  small_size[8] = 0;  // batch length 10: below the smallest record overhead
  small_size[9] = 0;
  small_size[10] = 0;
  small_size[11] = 10;
  const Bytes empty;
  constexpr int16_t kInvalid = static_cast<int16_t>(ErrorCode::kInvalidRecord);
  constexpr int16_t kCorrupt = static_cast<int16_t>(ErrorCode::kCorruptMessage);
  struct Case {
    const char* what;
    const Bytes& records;
    int16_t version;
    int16_t error;
    int64_t base_offset;
  };
  // The partition is empty at the start: the two accepted batches land at offsets 0 and 1.
  const std::vector<Case> cases = {
      {"empty v9", empty, 9, kInvalid, -1},
      {"5 bytes v9", tiny, 9, kInvalid, -1},
      {"truncated batch v9", truncated, 9, kInvalid, -1},
      {"two batches v9", two, 9, kInvalid, -1},
      {"trailing bytes v9", trailing, 9, 0, 0},
      {"batch length 10 v9", small_size, 9, kCorrupt, -1},
      {"two batches v3", two, 3, kInvalid, -1},
      {"empty v2", empty, 2, 0, -1},
      {"5 bytes v2", tiny, 2, 0, -1},
      {"truncated batch v2", truncated, 2, 0, -1},
      {"trailing bytes v2", trailing, 2, 0, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = produce_records("bad-records", RecordsRef::of(c.records), c.version);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error_code, c.error);
    EXPECT_EQ(r->base_offset, c.base_offset);
  }
  // Only the two accepted batches are in the log.
  auto fetched = fetch("bad-records", 0, 12);
  ASSERT_TRUE(fetched && fetched->partition);
  EXPECT_EQ(fetched->partition->high_watermark, 2);
}

// Without transactions: read_uncommitted answers aborted_transactions null, read_committed an
// empty array (Kafka's FetchDataInfo carries Optional.empty vs. an empty list), with data to
// return or none; v4 (nullable array) and v12 (compact) alike.
TEST_F(RawProduceFetch, AbortedTransactionsIsNullOrEmptyAsInKafka) {
  auto produced = produce("isolation", batch_of({{"a", "1", now_ms()}, {"b", "2", now_ms()}}));
  ASSERT_TRUE(produced);
  ASSERT_EQ(produced->error_code, 0);
  for (int16_t version : {4, 12}) {
    for (int64_t offset : {0, 2}) {
      for (int8_t isolation : {0, 1}) {
        SCOPED_TRACE("Fetch v" + std::to_string(version) + " offset " + std::to_string(offset) +
                     " isolation " + std::to_string(isolation));
        auto f = fetch("isolation", offset, version, isolation);
        ASSERT_NE(f->partition, nullptr);
        EXPECT_EQ(f->partition->error_code, 0);
        EXPECT_EQ(f->partition->last_stable_offset, 2);
        if (isolation == 0) {
          EXPECT_FALSE(f->partition->aborted_transactions.has_value());
        } else {
          ASSERT_TRUE(f->partition->aborted_transactions.has_value());
          EXPECT_TRUE(f->partition->aborted_transactions->empty());
        }
      }
    }
    // A failed read has none either way; an unknown partition gets the empty default.
    for (int8_t isolation : {0, 1}) {
      auto out_of_range = fetch("isolation", 100, version, isolation);
      ASSERT_NE(out_of_range->partition, nullptr);
      EXPECT_EQ(out_of_range->partition->error_code,
                static_cast<int16_t>(ErrorCode::kOffsetOutOfRange));
      EXPECT_FALSE(out_of_range->partition->aborted_transactions.has_value());
      auto unknown = fetch("no-such-topic-for-isolation", 0, version, isolation);
      ASSERT_NE(unknown->partition, nullptr);
      EXPECT_EQ(unknown->partition->error_code,
                static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition));
      ASSERT_TRUE(unknown->partition->aborted_transactions.has_value());
      EXPECT_TRUE(unknown->partition->aborted_transactions->empty());
    }
  }
}

TEST_F(RawProduceFetch, FetchSessionsRotatePartitionsThatReturnedRecords) {
  for (int32_t p = 0; p < 3; ++p) {
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    const std::string value(1, static_cast<char>('a' + p));
    Bytes batch = batch_of({{std::nullopt, value, now_ms()}});
    req.topic_data.push_back({.name = "session-order", .partition_data = {{.index = p}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
    auto resp = roundtrip<msg::ProduceResponse>(req, 9);
    ASSERT_TRUE(resp);
    ASSERT_EQ(resp->responses.at(0).partition_responses.at(0).error_code, 0);
  }
  // fetch.max.bytes of 1: only the first partition read returns its (one) batch.
  auto fetch_session = [&](int32_t session_id, int32_t epoch, std::vector<int32_t> partitions) {
    msg::FetchRequest req;
    req.replica_id = -1;
    req.max_wait_ms = 0;
    req.min_bytes = 0;
    req.max_bytes = 1;
    req.session_id = session_id;
    req.session_epoch = epoch;
    if (!partitions.empty()) req.topics.push_back({.topic = "session-order"});
    for (int32_t p : partitions) {
      req.topics[0].partitions.push_back(
          {.partition = p, .fetch_offset = 0, .partition_max_bytes = 1 << 20});
    }
    auto resp = roundtrip<msg::FetchResponse>(req, 12);
    std::vector<std::pair<int32_t, bool>> got;  // partition, returned records
    if (resp) {
      EXPECT_EQ(resp->error_code, 0);
      for (const auto& t : resp->responses) {
        for (const auto& pd : t.partitions) {
          got.emplace_back(pd.partition_index, pd.records.size() > 0);
        }
      }
    }
    return std::make_pair(resp ? resp->session_id : 0, got);
  };
  using Got = std::vector<std::pair<int32_t, bool>>;
  // The full fetch answers in request order; the session keeps that order.
  auto [session, full] = fetch_session(0, 0, {2, 0, 1});
  ASSERT_NE(session, 0);
  EXPECT_EQ(full, (Got{{2, true}, {0, false}, {1, false}}));
  // Incremental fetches name no partition: the session is read in its order, and the one that
  // returned records goes to the end ([2, 0, 1] -> [0, 1, 2] -> [1, 2, 0]).
  EXPECT_EQ(fetch_session(session, 1, {}).second, (Got{{2, true}}));
  EXPECT_EQ(fetch_session(session, 2, {}).second, (Got{{0, true}}));
  EXPECT_EQ(fetch_session(session, 3, {}).second, (Got{{1, true}}));
  EXPECT_EQ(fetch_session(session, 4, {}).second, (Got{{2, true}}));
}

}  // namespace
}  // namespace fjord::itest
