// An in-process broker with log.flush.interval.messages=1: a Produce is answered only after
// the fsync the policy demands (done on the blocking-work pool, not the event loop), and a
// failed fsync reaches the client as KAFKA_STORAGE_ERROR instead of an acknowledgement.
#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "log/file.h"
#include "log/test/test_batches.h"
#include "protocol/generated/all_messages.h"
#include "server/broker.h"
#include "server/test/in_process_broker.h"

namespace fjord {
namespace {

using log::testing::TempDir;

class BrokerFlushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Properties props = {
        {"log.flush.interval.messages", "1"},
        {"num.network.threads", "1"},
        {"num.io.threads", "2"},
        // No background fsync may take the injected fault meant for the produce.
        {"replica.high.watermark.checkpoint.interval.ms", "3600000"},
        {"log.flush.offset.checkpoint.interval.ms", "3600000"},
        {"log.flush.start.offset.checkpoint.interval.ms", "3600000"},
    };
    std::string error;
    broker_ = server_test::start_broker(dir_.path(), props, &error);
    ASSERT_TRUE(broker_) << error;
    CreateTopicSpec spec;
    spec.name = "flushed";
    spec.num_partitions = 1;
    spec.replication_factor = 1;
    ASSERT_TRUE(broker_->create_topic(spec, false, nullptr).ok());
    ASSERT_NE(broker_->replicas().get("flushed", 0), nullptr);
  }
  void TearDown() override {
    log::file_faults().reset();
    if (broker_) broker_->shutdown();
  }

  // Produces one batch of `n` records with acks=1 and returns the partition's answer.
  msg::ProduceResponse::PartitionProduceResponse produce(int n) {
    Bytes batch = log::testing::make_simple_batch(0, n, 100, 1'700'000'000'000);
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    req.topic_data.push_back({.name = "flushed", .partition_data = {{.index = 0}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);

    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), broker_->bound_port(0)});
    auto resp = server_test::call<msg::ProduceResponse>(socket, req, 9, 5, "flush-test");
    if (resp.responses.size() != 1 || resp.responses[0].partition_responses.size() != 1) {
      ADD_FAILURE() << "unexpected produce response shape";
      return {};
    }
    return resp.responses[0].partition_responses[0];
  }

  TempDir dir_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(BrokerFlushTest, TheAnswerComesAfterTheFsync) {
  auto log = broker_->replicas().get("flushed", 0)->log_ptr();
  auto first = produce(3);
  EXPECT_EQ(first.error_code, 0);
  EXPECT_EQ(first.base_offset, 0);
  // flush.messages=1: everything acknowledged is below the recovery point, and visible.
  EXPECT_EQ(log->recovery_point(), 3);
  EXPECT_EQ(log->high_watermark(), 3);
  auto second = produce(2);
  EXPECT_EQ(second.error_code, 0);
  EXPECT_EQ(second.base_offset, 3);
  EXPECT_EQ(log->recovery_point(), 5);
  EXPECT_EQ(log->high_watermark(), 5);
}

TEST_F(BrokerFlushTest, AFailedFsyncIsNotAcknowledged) {
  auto log = broker_->replicas().get("flushed", 0)->log_ptr();
  // The first append's flush also syncs the leader-epoch checkpoint and the new directory.
  ASSERT_EQ(produce(1).error_code, 0);
  ASSERT_EQ(log->recovery_point(), 1);
  log::file_faults().fail_fsync_after = 0;  // the next fsync fails: the policy's flush
  auto answer = produce(2);
  EXPECT_EQ(answer.error_code, static_cast<int16_t>(ErrorCode::kKafkaStorageError));
  EXPECT_EQ(log->log_end_offset(), 3);  // appended, but neither flushed nor acknowledged
  EXPECT_EQ(log->recovery_point(), 1);
  EXPECT_EQ(log->high_watermark(), 1);  // consumers never saw the unflushed records
}

}  // namespace
}  // namespace fjord
