#include "coordinator/producer_id_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <vector>

#include "log/file.h"

namespace fjord::coordinator {
namespace {

class ProducerIdManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pidm-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ProducerIdManagerTest, IdsStartAtZeroAndIncrease) {
  auto m = ProducerIdManager::open(dir_, 10);
  ASSERT_TRUE(m.ok());
  for (int64_t i = 0; i < 25; ++i) {
    auto id = (*m)->generate();
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, i);
  }
}

TEST_F(ProducerIdManagerTest, IdsNeverRepeatAcrossRestarts) {
  std::set<int64_t> seen;
  for (int restart = 0; restart < 3; ++restart) {
    auto m = ProducerIdManager::open(dir_, 10);
    ASSERT_TRUE(m.ok());
    for (int i = 0; i < 7; ++i) {
      auto id = (*m)->generate();
      ASSERT_TRUE(id.ok());
      EXPECT_TRUE(seen.insert(*id).second) << "repeated id " << *id;
    }
  }
  // Each restart skips the rest of the block it was in.
  EXPECT_EQ(*seen.rbegin(), 26);
}

TEST_F(ProducerIdManagerTest, CorruptBlockFileIsAStorageError) {
  ASSERT_TRUE(log::write_file_atomically(dir_ / ProducerIdManager::kFileName, "garbage").ok());
  auto m = ProducerIdManager::open(dir_, 10);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error(), ErrorCode::kKafkaStorageError);
}

TEST_F(ProducerIdManagerTest, ASourceGivesEveryBlock) {
  // A cluster's blocks (ZooKeeper's /latest_producer_id_block): wherever the source says, no
  // file; a failed claim fails that generate() only.
  std::vector<Result<int64_t>> answers = {int64_t{500}, ErrorCode::kCoordinatorNotAvailable,
                                          int64_t{2000}};
  size_t calls = 0;
  auto m = ProducerIdManager::with_source([&](int64_t size) -> Result<int64_t> {
    EXPECT_EQ(size, 3);
    return answers.at(calls++);
  }, 3);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(*m->generate());
  auto failed = m->generate();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), ErrorCode::kCoordinatorNotAvailable);
  ids.push_back(*m->generate());
  ids.push_back(*m->generate());
  EXPECT_EQ(ids, (std::vector<int64_t>{500, 501, 502, 2000, 2001}));
  EXPECT_EQ(calls, 3u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / ProducerIdManager::kFileName));
}

}  // namespace
}  // namespace fjord::coordinator
