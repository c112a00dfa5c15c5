#include "protocol/api.h"

#include <gtest/gtest.h>

#include <set>

#include "protocol/generated/all_messages.h"

namespace fjord {
namespace {

TEST(ApiTable, CoversEveryZkBrokerApiAndTheTelemetryOnes) {
  std::set<int16_t> zk_broker;
  int16_t previous = -1;
  for (const ApiInfo& api : all_apis()) {
    EXPECT_GT(api.key, previous) << "ordered by key";
    previous = api.key;
    EXPECT_EQ(find_api(api.key), &api);
    if (api.listeners & kListenZkBroker) zk_broker.insert(api.key);
  }
  // API-VERSIONS.md: keys 0-51, 56-58, 60, 61, 65-69 are served by a ZooKeeper-mode broker.
  std::set<int16_t> expected;
  for (int16_t k = 0; k <= 51; ++k) expected.insert(k);
  for (int16_t k : {56, 57, 58, 60, 61, 65, 66, 67, 68, 69}) expected.insert(k);
  EXPECT_EQ(zk_broker, expected);
  for (int16_t k : {71, 72, 74, 75}) EXPECT_NE(find_api(k), nullptr) << k;
  for (int16_t k : {76, 77, 78, 79, 83, 84, 85, 86, 87, 88, -1, 1000}) {
    EXPECT_EQ(find_api(k), nullptr) << k;
  }
}

TEST(ApiTable, RowsMatchKafka39) {
  const ApiInfo* produce = find_api(ApiKey::kProduce);
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);
  EXPECT_EQ(produce->max_version, 11);
  EXPECT_EQ(produce->flexible_from, 9);
  EXPECT_EQ(produce->deprecated_max, 6);
  EXPECT_EQ(find_api(ApiKey::kFetch)->max_version, 17);
  EXPECT_EQ(find_api(ApiKey::kSaslHandshake)->flexible_from, -1);
  EXPECT_EQ(find_api(ApiKey::kLeaderAndIsr)->listeners, kListenZkBroker);
}

TEST(ApiTable, HeaderVersions) {
  const ApiInfo& metadata = *find_api(ApiKey::kMetadata);
  EXPECT_EQ(metadata.request_header_version(8), 1);
  EXPECT_EQ(metadata.request_header_version(9), 2);
  EXPECT_EQ(metadata.response_header_version(8), 0);
  EXPECT_EQ(metadata.response_header_version(9), 1);
  const ApiInfo& api_versions = *find_api(ApiKey::kApiVersions);
  EXPECT_EQ(api_versions.request_header_version(3), 2);
  EXPECT_EQ(api_versions.response_header_version(3), 0);  // always v0 (KIP-511)
  EXPECT_EQ(find_api(ApiKey::kControlledShutdown)->request_header_version(0), 0);
  EXPECT_EQ(find_api(ApiKey::kControlledShutdown)->request_header_version(1), 1);
}

template <typename T>
void expect_matches_table() {
  if constexpr (requires { T::kApiKey; }) {
    const ApiInfo* api = find_api(T::kApiKey);
    ASSERT_NE(api, nullptr) << T::kName;
    EXPECT_EQ(api->min_version, T::kMinVersion) << T::kName;
    EXPECT_EQ(api->max_version, T::kMaxVersion) << T::kName;
    EXPECT_EQ(api->flexible_from, T::kFlexibleFrom) << T::kName;
  }
}

TEST(ApiTable, AgreesWithTheMessageTypes) {
#define FJORD_CHECK(T) expect_matches_table<msg::T>();
  FJORD_ALL_MESSAGES(FJORD_CHECK)
#undef FJORD_CHECK
}

}  // namespace
}  // namespace fjord
