#include "server/meta_properties.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "server/properties.h"

namespace fjord {
namespace {

class MetaPropertiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() / ("fjord-meta-" + std::to_string(getpid()));
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_ / "a");
    std::filesystem::create_directories(base_ / "b");
  }
  void TearDown() override { std::filesystem::remove_all(base_); }
  std::string dir(const char* d) { return (base_ / d).string(); }
  std::filesystem::path base_;
};

TEST_F(MetaPropertiesTest, WrittenInKafkaFormatAndReusedOnRestart) {
  std::string error;
  auto id = ensure_meta_properties({dir("a"), dir("b")}, 3, "fresh-cluster-id-aaaaa", &error);
  ASSERT_TRUE(id) << error;
  EXPECT_EQ(*id, "fresh-cluster-id-aaaaa");
  auto props = load_properties_file(dir("a") + "/meta.properties");
  ASSERT_TRUE(props);
  EXPECT_EQ((*props)["version"], "0");
  EXPECT_EQ((*props)["broker.id"], "3");
  EXPECT_EQ((*props)["cluster.id"], "fresh-cluster-id-aaaaa");
  auto again = ensure_meta_properties({dir("a"), dir("b")}, 3, "another", &error);
  ASSERT_TRUE(again) << error;
  EXPECT_EQ(*again, "fresh-cluster-id-aaaaa");
}

TEST_F(MetaPropertiesTest, ReadsWhatKafkaWrote) {
  std::ofstream(dir("a") + "/meta.properties")
      << "#\n#Tue Nov 25 10:00:00 UTC 2026\ncluster.id=Xy2bq0JYQpyWqg4JxWfA7g\nversion=0\n"
         "broker.id=0\n";
  std::string error;
  auto meta = read_meta_properties(dir("a"), &error);
  ASSERT_TRUE(meta) << error;
  EXPECT_EQ(meta->broker_id, 0);
  EXPECT_EQ(meta->cluster_id, "Xy2bq0JYQpyWqg4JxWfA7g");
}

TEST_F(MetaPropertiesTest, RefusesAnotherBrokersLogDir) {
  std::string error;
  ASSERT_TRUE(ensure_meta_properties({dir("a")}, 1, "c1", &error));
  EXPECT_FALSE(ensure_meta_properties({dir("a")}, 2, "c1", &error));
  EXPECT_NE(error.find("broker.id"), std::string::npos);
}

TEST_F(MetaPropertiesTest, RefusesLogDirsOfDifferentClusters) {
  std::string error;
  ASSERT_TRUE(ensure_meta_properties({dir("a")}, 1, "c1", &error));
  ASSERT_TRUE(ensure_meta_properties({dir("b")}, 1, "c2", &error));
  EXPECT_FALSE(ensure_meta_properties({dir("a"), dir("b")}, 1, "c3", &error));
  EXPECT_NE(error.find("different clusters"), std::string::npos);
}

}  // namespace
}  // namespace fjord
