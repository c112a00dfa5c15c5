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
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <thread>

#include "log/file.h"
#include "log/test/test_batches.h"
#include "protocol/api.h"
#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/records/batch_header.h"
#include "server/broker.h"

namespace fjord {
namespace {

using log::testing::TempDir;

class LoopFileCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Properties props = {
        {"broker.id", "1"},
        {"listeners", "PLAINTEXT://127.0.0.1:0"},
        {"log.dirs", dir_.path().string()},
        {"num.network.threads", "2"},
        {"num.io.threads", "2"},
        {"offsets.topic.num.partitions", "5"},
        {"offsets.topic.replication.factor", "1"},
    };
    std::string error;
    std::vector<std::string> warnings;
    auto config = BrokerConfig::from_properties(props, &error, &warnings);
    ASSERT_TRUE(config) << error;
    broker_ = std::make_unique<Broker>(std::move(*config));
    ASSERT_TRUE(broker_->start(&error)) << error;
    socket_.connect({asio::ip::make_address("127.0.0.1"), broker_->bound_port(0)});
  }
  void TearDown() override {
    socket_.close();
    if (broker_) broker_->shutdown();
  }

  template <typename Response, typename Request>
  Response call(const Request& req, int16_t version) {
    const ApiInfo* api = find_api(Request::kApiKey);
    Bytes frame;
    Writer w(frame);
    w.write_int32(0);
    RequestHeader header{.api_key = Request::kApiKey,
                         .api_version = version,
                         .correlation_id = ++correlation_,
                         .client_id = std::string("loop-test")};
    header.encode(w, api->request_header_version(version));
    req.encode(w, version);
    w.patch_int32(0, static_cast<int32_t>(frame.size() - 4));
    asio::write(socket_, asio::buffer(frame));
    uint8_t size_buf[4];
    asio::read(socket_, asio::buffer(size_buf));
    Bytes body(static_cast<size_t>(batch_header::load_be<int32_t>(size_buf)));
    asio::read(socket_, asio::buffer(body));
    Reader r(body);
    ResponseHeader rh;
    Response resp;
    EXPECT_EQ(rh.decode(r, api->response_header_version(version)), DecodeError::kNone);
    EXPECT_EQ(resp.decode(r, version), DecodeError::kNone);
    EXPECT_EQ(rh.correlation_id, correlation_);
    return resp;
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
