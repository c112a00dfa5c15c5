// Which APIs a broker serves in its mode (served_in_mode): in ZooKeeper mode exactly those of
// Fjord's handlers that Kafka 3.9's ZooKeeper-mode brokers serve (listeners include zkBroker),
// so the KRaft-only DescribeTopicPartitions is absent as on Kafka; without ZooKeeper those a
// KRaft broker serves (listeners include broker), so the controller-to-broker APIs are absent,
// and an in-process broker's ApiVersions answer lists DescribeTopicPartitions but not
// StopReplica.
#include "server/handler_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "log/test/test_batches.h"
#include "protocol/generated/all_messages.h"
#include "server/broker.h"
#include "server/test/in_process_broker.h"

namespace fjord {
namespace {

const HandlerEntry& handler(ApiKey key) {
  const HandlerEntry* h = find_handler(static_cast<int16_t>(key));
  EXPECT_NE(h, nullptr) << static_cast<int>(key);
  static const HandlerEntry none{};
  return h != nullptr ? *h : none;
}

TEST(ServedInMode, ZooKeeperModeLeavesOutTheKRaftOnlyDescribeTopicPartitions) {
  EXPECT_FALSE(served_in_mode(handler(ApiKey::kDescribeTopicPartitions), true));
  EXPECT_TRUE(served_in_mode(handler(ApiKey::kDescribeTopicPartitions), false));
  // Client APIs stay in both modes.
  for (ApiKey key : {ApiKey::kMetadata, ApiKey::kApiVersions, ApiKey::kDescribeCluster}) {
    EXPECT_TRUE(served_in_mode(handler(key), true)) << static_cast<int>(key);
    EXPECT_TRUE(served_in_mode(handler(key), false)) << static_cast<int>(key);
  }
}

TEST(ServedInMode, WithoutZooKeeperTheControllerToBrokerApisAreLeftOut) {
  for (ApiKey key : {ApiKey::kLeaderAndIsr, ApiKey::kStopReplica, ApiKey::kUpdateMetadata,
                     ApiKey::kControlledShutdown, ApiKey::kAlterPartition}) {
    EXPECT_TRUE(served_in_mode(handler(key), true)) << static_cast<int>(key);
    EXPECT_FALSE(served_in_mode(handler(key), false)) << static_cast<int>(key);
  }
}

TEST(ServedInMode, EachModeServesEveryHandlerWhoseKafkaListenersIncludeIt) {
  int left_out_zk = 0;
  int left_out_single = 0;
  for (const HandlerEntry& h : handler_table()) {
    const ApiInfo* api = find_api(h.api_key);
    ASSERT_NE(api, nullptr) << h.api_key;
    EXPECT_EQ(served_in_mode(h, true), (api->listeners & kListenZkBroker) != 0) << api->name;
    EXPECT_EQ(served_in_mode(h, false), (api->listeners & kListenBroker) != 0) << api->name;
    if (!served_in_mode(h, true)) ++left_out_zk;
    if (!served_in_mode(h, false)) ++left_out_single;
  }
  EXPECT_EQ(left_out_zk, 1);      // DescribeTopicPartitions
  EXPECT_EQ(left_out_single, 5);  // the controller-to-broker APIs
}

TEST(ServedInMode, BrokerWithoutZooKeeperAdvertisesDescribeTopicPartitionsButNotStopReplica) {
  log::testing::TempDir dir;
  std::string error;
  auto broker = server_test::start_broker(dir.path(), {}, &error);
  ASSERT_TRUE(broker) << error;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), broker->bound_port(0)});
  msg::ApiVersionsRequest req;
  req.client_software_name = "fjord-test";
  req.client_software_version = "1";
  auto resp = server_test::call<msg::ApiVersionsResponse>(socket, req, 3, 1, "served-in-mode-test");
  EXPECT_EQ(resp.error_code, 0);
  auto advertised = [&](ApiKey key) {
    return std::any_of(resp.api_keys.begin(), resp.api_keys.end(),
                       [&](const auto& k) { return k.api_key == static_cast<int16_t>(key); });
  };
  EXPECT_TRUE(advertised(ApiKey::kDescribeTopicPartitions));
  EXPECT_TRUE(advertised(ApiKey::kMetadata));
  EXPECT_FALSE(advertised(ApiKey::kStopReplica));
  EXPECT_FALSE(advertised(ApiKey::kLeaderAndIsr));
  broker->shutdown();
}

}  // namespace
}  // namespace fjord
