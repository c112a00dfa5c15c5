#include "server/fetch_session.h"

#include <gtest/gtest.h>

namespace fjord {
namespace {

SessionPartitions two_partitions() {
  SessionPartitions p;
  p[{"t", {}, 0}] = {10, 1024};
  p[{"t", {}, 1}] = {20, 1024};
  return p;
}

TEST(FetchSessionCacheTest, EpochsAdvanceWithEachIncrementalRequest) {
  FetchSessionCache cache(10);
  int32_t id = cache.create(two_partitions());
  ASSERT_NE(id, 0);
  SessionPartitions got;
  ASSERT_EQ(cache.begin(id, 1, &got), ErrorCode::kNone);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at({"t", {}, 1}).fetch_offset, 20);
  got.erase({"t", {}, 0});
  cache.finish(id, got);
  EXPECT_EQ(cache.begin(id, 1, &got), ErrorCode::kInvalidFetchSessionEpoch);
  ASSERT_EQ(cache.begin(id, 2, &got), ErrorCode::kNone);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(cache.begin(id + 1, 2, &got), ErrorCode::kFetchSessionIdNotFound);
}

TEST(FetchSessionCacheTest, FullCacheEvictsTheLeastRecentlyUsedSession) {
  FetchSessionCache cache(2);
  int32_t a = cache.create(two_partitions());
  int32_t b = cache.create(two_partitions());
  SessionPartitions got;
  ASSERT_EQ(cache.begin(a, 1, &got), ErrorCode::kNone);  // a is now more recent than b
  int32_t c = cache.create(two_partitions());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.begin(b, 1, &got), ErrorCode::kFetchSessionIdNotFound);
  EXPECT_EQ(cache.begin(a, 1, &got), ErrorCode::kNone);
  EXPECT_EQ(cache.begin(c, 1, &got), ErrorCode::kNone);
}

TEST(FetchSessionCacheTest, ZeroSlotsMeansNoSessions) {
  FetchSessionCache cache(0);
  EXPECT_EQ(cache.create(two_partitions()), 0);
}

TEST(FetchSessionCacheTest, RemovedSessionsAreGone) {
  FetchSessionCache cache(4);
  int32_t id = cache.create(two_partitions());
  cache.remove(id);
  SessionPartitions got;
  EXPECT_EQ(cache.begin(id, 1, &got), ErrorCode::kFetchSessionIdNotFound);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace fjord
