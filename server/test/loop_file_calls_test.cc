// Issue 4's rule "fsync never runs on an event loop", checked on an in-process broker: the
// event-loop threads mark themselves and the file seam (log/file.h) counts every fsync,
// fdatasync, msync, open, rename, unlink and ftruncate they make. A produce run that rolls
// segments (new files, producer snapshots, the leader-epoch checkpoint of a first append),
// CreateTopics, and the first FindCoordinator (which creates __consumer_offsets) must leave the
// counts at zero: that work runs on the blocking-work pool or the log scheduler.
#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <thread>

#include "log/file.h"
#include "log/test/test_batches.h"
#include "protocol/generated/all_messages.h"
#include "server/broker.h"
#include "server/test/in_process_broker.h"

namespace fjord {
namespace {

using log::testing::TempDir;

class LoopFileCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Properties props = {
        {"num.network.threads", "2"},
        {"num.io.threads", "2"},
        {"offsets.topic.num.partitions", "5"},
        {"offsets.topic.replication.factor", "1"},
    };
    std::string error;
    broker_ = server_test::start_broker(dir_.path(), props, &error);
    ASSERT_TRUE(broker_) << error;
    socket_.connect({asio::ip::make_address("127.0.0.1"), broker_->bound_port(0)});
  }
  void TearDown() override {
    socket_.close();
    if (broker_) broker_->shutdown();
  }

  template <typename Response, typename Request>
  Response call(const Request& req, int16_t version) {
    return server_test::call<Response>(socket_, req, version, ++correlation_, "loop-test");
  }

  TempDir dir_;
  std::unique_ptr<Broker> broker_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  int32_t correlation_ = 0;
};

TEST_F(LoopFileCallsTest, TheSeamCountsCallsOnMarkedThreads) {
  const int64_t before = log::loop_file_calls().syncs.load();
  std::thread loop([&] {
    log::mark_event_loop_thread();
    auto f = log::File::open(dir_.path() / "probe", O_RDWR | O_CREAT);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->fsync().ok());
  });
  loop.join();
  EXPECT_EQ(log::loop_file_calls().syncs.load(), before + 1);
  EXPECT_FALSE(log::on_event_loop_thread());
}

TEST_F(LoopFileCallsTest, ProduceWithRollsCreateTopicsAndFindCoordinatorStayOffTheLoops) {
  log::loop_file_calls().syncs = 0;
  log::loop_file_calls().metadata = 0;

  msg::CreateTopicsRequest create;
  create.timeout_ms = 10'000;
  msg::CreateTopicsRequest::CreatableTopic topic;
  topic.name = "rolled";
  topic.num_partitions = 2;
  topic.replication_factor = 1;
  topic.configs.push_back({.name = "segment.bytes", .value = "4096"});
  create.topics.push_back(topic);
  auto created = call<msg::CreateTopicsResponse>(create, 7);
  ASSERT_EQ(created.topics.size(), 1u);
  ASSERT_EQ(created.topics[0].error_code, 0);

  constexpr int kBatches = 40;
  for (int i = 0; i < kBatches; ++i) {
    Bytes batch = log::testing::make_simple_batch(0, 4, 250, 1'700'000'000'000 + i);
    msg::ProduceRequest req;
    req.acks = 1;
    req.timeout_ms = 10'000;
    req.topic_data.push_back({.name = "rolled", .partition_data = {{.index = i % 2}}});
    req.topic_data[0].partition_data[0].records = RecordsRef::of(batch);
    auto resp = call<msg::ProduceResponse>(req, 9);
    ASSERT_EQ(resp.responses.size(), 1u);
    ASSERT_EQ(resp.responses[0].partition_responses[0].error_code, 0) << "batch " << i;
    EXPECT_EQ(resp.responses[0].partition_responses[0].base_offset, (i / 2) * 4);
  }

  msg::FindCoordinatorRequest find;
  find.key = "a-group";
  auto coordinator = call<msg::FindCoordinatorResponse>(find, 3);
  EXPECT_EQ(coordinator.error_code, 0);

  // The run did roll: each partition holds about 20 KiB in 4 KiB segments.
  for (int p = 0; p < 2; ++p) {
    auto partition = broker_->replicas().get("rolled", p);
    ASSERT_NE(partition, nullptr);
    EXPECT_GE(partition->log().num_segments(), 4);
    EXPECT_EQ(partition->log().log_end_offset(), kBatches / 2 * 4);
  }
  ASSERT_NE(broker_->replicas().get("__consumer_offsets", 0), nullptr);
  EXPECT_EQ(log::loop_file_calls().syncs.load(), 0);
  EXPECT_EQ(log::loop_file_calls().metadata.load(), 0);
}

}  // namespace
}  // namespace fjord
