#include "zk/embedded_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

namespace fjord {
namespace {

class EmbeddedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("fjord-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<EmbeddedStore> open() {
    std::string error;
    EmbeddedStoreOptions o;
    o.dir = dir_.string();
    o.broker_id = 7;
    o.default_num_partitions = 3;
    auto s = EmbeddedStore::open(o, &error);
    EXPECT_TRUE(s) << error;
    return s;
  }

  std::filesystem::path dir_;
};

TEST_F(EmbeddedStoreTest, CreatedTopicsSurviveReopen) {
  auto store = open();
  std::string cluster_id = store->snapshot()->cluster_id;
  EXPECT_EQ(cluster_id.size(), 22u);
  CreateTopicSpec spec{"orders", -1, -1, {}, {{"cleanup.policy", "compact"}}};
  std::shared_ptr<const TopicMetadata> created;
  ASSERT_TRUE(store->create_topic(spec, false, &created).ok());
  EXPECT_EQ(created->partitions.size(), 3u);
  EXPECT_EQ(created->partitions[0].replicas, std::vector<int32_t>{7});
  EXPECT_FALSE(created->topic_id.is_zero());

  auto reopened = open();
  auto snap = reopened->snapshot();
  EXPECT_EQ(snap->cluster_id, cluster_id);
  const TopicMetadata* t = snap->find("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->topic_id, created->topic_id);
  EXPECT_EQ(snap->find(created->topic_id), t);
  EXPECT_EQ(t->configs.at("cleanup.policy"), "compact");
}

TEST_F(EmbeddedStoreTest, ValidateOnlyCreatesNothing) {
  auto store = open();
  ASSERT_TRUE(store->create_topic({"t", 2, 1, {}, {}}, true, nullptr).ok());
  EXPECT_EQ(store->snapshot()->find("t"), nullptr);
}

TEST_F(EmbeddedStoreTest, KafkaErrorsForBadRequests) {
  auto store = open();
  EXPECT_EQ(store->create_topic({"bad name", 1, 1, {}, {}}, false, nullptr).code,
            ErrorCode::kInvalidTopicException);
  EXPECT_EQ(store->create_topic({"t", 0, 1, {}, {}}, false, nullptr).code,
            ErrorCode::kInvalidPartitions);
  EXPECT_EQ(store->create_topic({"t", 1, 3, {}, {}}, false, nullptr).code,
            ErrorCode::kInvalidReplicationFactor);
  EXPECT_EQ(store->create_topic({"t", -1, -1, {{8}}, {}}, false, nullptr).code,
            ErrorCode::kInvalidReplicaAssignment);
  ASSERT_TRUE(store->create_topic({"t", 1, 1, {}, {}}, false, nullptr).ok());
  EXPECT_EQ(store->create_topic({"t", 1, 1, {}, {}}, false, nullptr).code,
            ErrorCode::kTopicAlreadyExists);
  EXPECT_EQ(store->delete_topic("missing").code, ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(EmbeddedStoreTest, PartitionsGrowButNeverShrink) {
  auto store = open();
  ASSERT_TRUE(store->create_topic({"t", 2, 1, {}, {}}, false, nullptr).ok());
  EXPECT_EQ(store->create_partitions("t", 1, {}, false).code, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(store->create_partitions("t", 2, {}, false).code, ErrorCode::kInvalidPartitions);
  ASSERT_TRUE(store->create_partitions("t", 5, {}, false).ok());
  EXPECT_EQ(store->snapshot()->find("t")->partitions.size(), 5u);
}

TEST_F(EmbeddedStoreTest, ARequestAddsAtMostTenThousandRecords) {
  auto store = open();
  std::vector<std::shared_ptr<const TopicMetadata>> created;
  // Topic, config and partition records: 1 + 1 + 9,998 is the limit exactly.
  auto at_limit =
      store->create_topics({{"a", 9'998, -1, {}, {{"retention.ms", "1"}}}}, false, &created);
  ASSERT_TRUE(at_limit[0].ok()) << at_limit[0].message;
  EXPECT_EQ(created[0]->partitions.size(), 9'998u);
  // Past it the whole request fails, the topics that fit and the ones already refused too,
  // validate-only or not, and nothing is created. A manual assignment counts as well.
  CreateTopicSpec manual{"d", -1, -1, std::vector<std::vector<int32_t>>(5'000, {7}), {}};
  for (bool validate_only : {true, false}) {
    auto past = store->create_topics({{"a", 1, -1, {}, {}}, {"b", 4'999, -1, {}, {}}, manual},
                                     validate_only, &created);
    ASSERT_EQ(past.size(), 3u);
    for (size_t i = 0; i < past.size(); ++i) {
      EXPECT_TRUE(is_batch_too_large(past[i])) << i << ": " << past[i].message;
      EXPECT_EQ(created[i], nullptr);
    }
  }
  EXPECT_EQ(store->snapshot()->find("b"), nullptr);
  EXPECT_EQ(store->snapshot()->find("d"), nullptr);
  // The largest count is refused before anything is allocated for it.
  auto largest = store->create_topics({{"e", std::numeric_limits<int32_t>::max(), -1, {}, {}}},
                                      true, &created);
  EXPECT_TRUE(is_batch_too_large(largest[0]));
}

TEST_F(EmbeddedStoreTest, DeleteAndListenersSeeEveryChange) {
  auto store = open();
  int changes = 0;
  store->subscribe([&](const auto&) { ++changes; });
  ASSERT_TRUE(store->create_topic({"a", 1, 1, {}, {}}, false, nullptr).ok());
  ASSERT_TRUE(store->set_topic_configs("a", {{"retention.ms", "1000"}}).ok());
  ASSERT_TRUE(store->delete_topic("a").ok());
  EXPECT_EQ(changes, 3);
  EXPECT_EQ(open()->snapshot()->topics.size(), 0u);
}

TEST_F(EmbeddedStoreTest, CorruptFileIsReportedNotIgnored) {
  { open()->create_topic({"a", 1, 1, {}, {}}, false, nullptr); }
  FILE* f = fopen((dir_ / EmbeddedStore::kFileName).c_str(), "w");
  fputs("{not json", f);
  fclose(f);
  std::string error;
  EmbeddedStoreOptions o;
  o.dir = dir_.string();
  EXPECT_EQ(EmbeddedStore::open(o, &error), nullptr);
  EXPECT_NE(error.find("cannot parse"), std::string::npos);
}

TEST(TopicMetadataTest, NameRulesAndUuidText) {
  EXPECT_TRUE(valid_topic_name("test.topic_1-x"));
  EXPECT_FALSE(valid_topic_name(""));
  EXPECT_FALSE(valid_topic_name(".."));
  EXPECT_FALSE(valid_topic_name(std::string(250, 'a')));
  EXPECT_TRUE(valid_topic_name(std::string(249, 'a')));
  Uuid u = random_uuid();
  EXPECT_EQ(uuid_from_base64(uuid_to_base64(u)), u);
  EXPECT_EQ(uuid_from_base64("too-short"), std::nullopt);
  // Kafka's ids never start with '-' (a tool would take them for an option); 1 in 64 would.
  for (int i = 0; i < 2000; ++i) ASSERT_NE(uuid_to_base64(random_uuid())[0], '-');
  // java.util.UUID(0x0123456789abcdef, 0xfedcba9876543210) prints as ASNFZ4mrze_-3LqYdlQyEA.
  Uuid known{{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
              0x32, 0x10}};
  EXPECT_EQ(uuid_to_base64(known), "ASNFZ4mrze_-3LqYdlQyEA");
}

}  // namespace
}  // namespace fjord
