// An idempotent producer retries a batch whose answer it never saw: the broker must not append
// it twice and must answer the retry with the offset the first copy got (Kafka's duplicate
// handling: error NONE, the original base offset) — also after the broker restarted, cleanly
// (SIGTERM: the producer snapshot written at shutdown) and after a crash (SIGKILL: the state
// rebuilt from the log). Raw requests, so the retry is byte-for-byte the same batch.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/rdkafka_client.h"
#include "integration-tests/harness/wait.h"
#include "protocol/error_code.h"
#include "protocol/generated/init_producer_id.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/produce.h"
#include "protocol/records/batch_builder.h"

namespace fjord::itest {
namespace {

constexpr int16_t kProduceVersion = 8;
constexpr int16_t kInitProducerIdVersion = 1;
constexpr int16_t kListOffsetsVersion = 1;
constexpr char kTopic[] = "idempotent";

struct ProducerId {
  int64_t id = -1;
  int16_t epoch = -1;
};

// One InitProducerId round trip; error_code answered in `error`.
ProducerId try_init_producer_id(uint16_t port, int16_t& error) {
  msg::InitProducerIdRequest req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = 60'000;
  RawConnection conn(port);
  EXPECT_TRUE(conn.send_request(req, kInitProducerIdVersion, 1));
  auto frame = conn.read_frame();
  ResponseHeader header;
  msg::InitProducerIdResponse resp;
  if (!frame || !RawConnection::decode_response(*frame, kInitProducerIdVersion, header, resp)) {
    ADD_FAILURE() << "no InitProducerId answer";
    error = -1;
    return {};
  }
  error = resp.error_code;
  return {resp.producer_id, resp.producer_epoch};
}

// Kafka answers COORDINATOR_LOAD_IN_PROGRESS until its producer id manager is ready.
ProducerId init_producer_id(uint16_t port) {
  ProducerId pid;
  int16_t error = -1;
  EXPECT_TRUE(wait_for(
      [&] {
        pid = try_init_producer_id(port, error);
        return error != static_cast<int16_t>(ErrorCode::kCoordinatorLoadInProgress);
      },
      60s));
  EXPECT_EQ(error, 0);
  return pid;
}

Bytes idempotent_batch(ProducerId pid, int32_t base_sequence, int count) {
  BatchOptions options;
  options.producer_id = pid.id;
  options.producer_epoch = pid.epoch;
  options.base_sequence = base_sequence;
  RecordBatchBuilder builder(options);
  // Current timestamps: a producer whose last timestamp is older than
  // producer.id.expiration.ms (1 day) is dropped when the broker loads its snapshot.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < count; ++i) {
    std::string value = "idempotent-" + std::to_string(base_sequence + i);
    builder.append(now + i, std::nullopt, as_bytes(value));
  }
  Bytes out;
  EXPECT_EQ(builder.build(out), RecordError::kNone);
  return out;
}

struct ProduceAnswer {
  int16_t error = -1;
  int64_t base_offset = -1;
};

ProduceAnswer produce(uint16_t port, const Bytes& batch) {
  msg::ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 10'000;
  req.topic_data.push_back({.name = kTopic, .partition_data = {{.index = 0}}});
  req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
  RawConnection conn(port);
  EXPECT_TRUE(conn.send_request(req, kProduceVersion, 2));
  auto frame = conn.read_frame();
  ResponseHeader header;
  msg::ProduceResponse resp;
  if (!frame || !RawConnection::decode_response(*frame, kProduceVersion, header, resp) ||
      resp.responses.size() != 1 || resp.responses[0].partition_responses.size() != 1) {
    ADD_FAILURE() << "no Produce answer";
    return {};
  }
  const auto& p = resp.responses[0].partition_responses[0];
  return {p.error_code, p.base_offset};
}

int64_t log_end_offset(uint16_t port) {
  msg::ListOffsetsRequest req;
  req.replica_id = -1;
  req.topics.push_back({.name = kTopic, .partitions = {{.partition_index = 0, .timestamp = -1}}});
  RawConnection conn(port);
  EXPECT_TRUE(conn.send_request(req, kListOffsetsVersion, 3));
  auto frame = conn.read_frame();
  ResponseHeader header;
  msg::ListOffsetsResponse resp;
  if (!frame || !RawConnection::decode_response(*frame, kListOffsetsVersion, header, resp) ||
      resp.topics.size() != 1 || resp.topics[0].partitions.size() != 1) {
    ADD_FAILURE() << "no ListOffsets answer";
    return -1;
  }
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, 0);
  return resp.topics[0].partitions[0].offset;
}

class IdempotentProduce : public ::testing::Test {
 protected:
  // flush.messages=1: what was acknowledged is on disk before the SIGKILL.
  std::unique_ptr<Broker> broker_ =
      make_broker({.overrides = {{"log.flush.interval.messages", "1"}}});
  void SetUp() override {
    FJORD_SKIP_IF_UNAVAILABLE(*broker_);
    broker_->start();
    create_topic(broker_->bootstrap(), kTopic, 1);
  }
  uint16_t port() const { return broker_->port(); }
};

TEST_F(IdempotentProduce, RetriedBatchGetsItsOriginalOffsetAcrossRestarts) {
  ProducerId pid = init_producer_id(port());
  ASSERT_GE(pid.id, 0);
  Bytes first = idempotent_batch(pid, 0, 3);
  Bytes second = idempotent_batch(pid, 3, 2);

  ProduceAnswer a = produce(port(), first);
  ASSERT_EQ(a.error, 0);
  ASSERT_EQ(a.base_offset, 0);
  ProduceAnswer dup = produce(port(), first);
  EXPECT_EQ(dup.error, 0);
  EXPECT_EQ(dup.base_offset, 0);
  ASSERT_EQ(produce(port(), second).base_offset, 3);
  EXPECT_EQ(log_end_offset(port()), 5);
  // A gap in the sequence is refused and appends nothing.
  EXPECT_EQ(produce(port(), idempotent_batch(pid, 9, 1)).error,
            static_cast<int16_t>(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(log_end_offset(port()), 5);

  // Clean stop: the state comes back from the producer snapshot.
  broker_->stop();  // Kafka (Java) exits 143 on SIGTERM
  broker_->start();
  dup = produce(port(), second);
  EXPECT_EQ(dup.error, 0);
  EXPECT_EQ(dup.base_offset, 3);
  EXPECT_EQ(log_end_offset(port()), 5);

  Bytes third = idempotent_batch(pid, 5, 4);
  ASSERT_EQ(produce(port(), third).base_offset, 5);

  // Crash: the state past the last snapshot is rebuilt from the log.
  broker_->kill();
  broker_->start();
  dup = produce(port(), third);
  EXPECT_EQ(dup.error, 0);
  EXPECT_EQ(dup.base_offset, 5);
  EXPECT_EQ(log_end_offset(port()), 9);
  ASSERT_EQ(produce(port(), idempotent_batch(pid, 9, 1)).base_offset, 9);

  auto records = consume_from_beginning(broker_->bootstrap(), kTopic, 1, 10);
  ASSERT_EQ(records.size(), 10u);
}

}  // namespace
}  // namespace fjord::itest
