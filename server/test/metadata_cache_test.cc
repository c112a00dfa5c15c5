#include "server/metadata_cache.h"

#include <gtest/gtest.h>

namespace fjord {
namespace {

ClusterView two_brokers(int32_t controller) {
  ClusterView v;
  v.controller_id = controller;
  v.brokers[1].id = 1;
  v.brokers[1].endpoints["PLAINTEXT"] = {"127.0.0.1", 9092};
  v.brokers[1].endpoints["INTERNAL"] = {"127.0.0.1", 9093};
  v.brokers[2].id = 2;
  v.brokers[2].endpoints["PLAINTEXT"] = {"127.0.0.2", 9094};
  return v;
}

TEST(ClusterViewTest, TheControllerIsFoundOnTheAskedListenerElseItsFirst) {
  auto internal = two_brokers(1).controller_endpoint("INTERNAL");
  ASSERT_TRUE(internal);
  EXPECT_EQ(internal->id, 1);
  EXPECT_EQ(internal->port, 9093);

  // Broker 2 has no INTERNAL listener: its only one serves, as for any broker's endpoint.
  auto other = two_brokers(2).controller_endpoint("INTERNAL");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->id, 2);
  EXPECT_EQ(other->host, "127.0.0.2");
  EXPECT_EQ(other->port, 9094);
}

TEST(ClusterViewTest, NoControllerWhileUnknownOrNotAmongTheBrokers) {
  EXPECT_FALSE(ClusterView{}.controller_endpoint("PLAINTEXT"));
  EXPECT_FALSE(two_brokers(-1).controller_endpoint("PLAINTEXT"));
  EXPECT_FALSE(two_brokers(7).controller_endpoint("PLAINTEXT"));
}

}  // namespace
}  // namespace fjord
