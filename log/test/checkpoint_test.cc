#include <gtest/gtest.h>

#include "log/checkpoint_file.h"
#include "log/leader_epoch_cache.h"
#include "log/partition_metadata.h"
#include "log/test/test_batches.h"

namespace fjord::log {
namespace {

using testing::TempDir;

TEST(CheckpointTest, OffsetCheckpointInKafkasTextFormat) {
  TempDir tmp;
  fs::path p = tmp.path() / kRecoveryPointCheckpoint;
  OffsetMap m{{{"orders", 0}, 42}, {{"orders", 1}, 7}, {{"__consumer_offsets", 13}, 0}};
  ASSERT_TRUE(write_offset_checkpoint(p, m).ok());
  EXPECT_EQ(*read_small_file(p), "0\n3\n__consumer_offsets 13 0\norders 0 42\norders 1 7\n");
  EXPECT_FALSE(file_exists(tmp.path() / "recovery-point-offset-checkpoint.tmp"));
  EXPECT_EQ(*read_offset_checkpoint(p), m);
  EXPECT_TRUE(read_offset_checkpoint(tmp.path() / "absent")->empty());
}

TEST(CheckpointTest, MalformedFilesAreRejected) {
  TempDir tmp;
  fs::path p = tmp.path() / "cp";
  for (const char* text : {"1\n0\n", "0\n2\nt 0 1\n", "0\n1\nt x 1\n", "0\n1\nt 0\n", "0\n"}) {
    ASSERT_TRUE(write_file_atomically(p, text).ok());
    EXPECT_EQ(read_offset_checkpoint(p).error(), ErrorCode::kCorruptMessage) << text;
  }
  // Kafka leaves an empty cleaner-offset-checkpoint; it reads as no entries.
  ASSERT_TRUE(write_file_atomically(p, "").ok());
  EXPECT_TRUE(read_offset_checkpoint(p)->empty());
}

TEST(CheckpointTest, LeaderEpochCacheFollowsKafka) {
  TempDir tmp;
  LeaderEpochCache c(tmp.path());
  c.assign(0, 0);
  c.assign(0, 5);  // same epoch, later offset: ignored
  c.assign(2, 10);
  c.assign(4, 20);
  // Changes stay in memory until flush().
  EXPECT_FALSE(file_exists(tmp.path() / kLeaderEpochCheckpoint));
  EXPECT_TRUE(c.dirty());
  ASSERT_TRUE(c.flush().ok());
  EXPECT_FALSE(c.dirty());
  EXPECT_EQ(*read_small_file(tmp.path() / kLeaderEpochCheckpoint), "0\n3\n0 0\n2 10\n4 20\n");
  // OffsetsForLeaderEpoch (Kafka's endOffsetFor).
  EXPECT_EQ(c.end_offset_for(4, 30), (EpochEntry{4, 30}));
  EXPECT_EQ(c.end_offset_for(2, 30), (EpochEntry{2, 20}));
  EXPECT_EQ(c.end_offset_for(3, 30), (EpochEntry{2, 20}));
  EXPECT_EQ(c.end_offset_for(5, 30), (EpochEntry{-1, -1}));
  EXPECT_EQ(c.epoch_for_offset(15), 2);
  // A newer epoch starting at or below existing entries drops them.
  c.assign(5, 15);
  EXPECT_EQ(c.entries(), (std::vector<EpochEntry>{{0, 0}, {2, 10}, {5, 15}}));
  c.truncate_from_end(12);
  EXPECT_EQ(c.entries(), (std::vector<EpochEntry>{{0, 0}, {2, 10}}));
  c.truncate_from_start(11);
  EXPECT_EQ(c.entries(), (std::vector<EpochEntry>{{2, 11}}));
  ASSERT_TRUE(c.flush().ok());
  LeaderEpochCache reloaded(tmp.path());
  ASSERT_TRUE(reloaded.load().ok());
  EXPECT_EQ(reloaded.entries(), c.entries());
}

TEST(CheckpointTest, PartitionMetadataUsesKafkasUuidEncoding) {
  TempDir tmp;
  Uuid id;
  for (int i = 0; i < 16; ++i) id.bytes[i] = static_cast<uint8_t>(i * 17);
  std::string s = uuid_to_base64(id);
  EXPECT_EQ(s.size(), 22u);
  EXPECT_EQ(uuid_to_base64(Uuid{}), "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(uuid_from_base64(s), id);
  ASSERT_TRUE(write_partition_metadata(tmp.path(), id).ok());
  EXPECT_EQ(*read_small_file(tmp.path() / kPartitionMetadataFile),
            "version: 0\ntopic_id: " + s + "\n");
  EXPECT_EQ(*read_partition_metadata(tmp.path()), id);
}

}  // namespace
}  // namespace fjord::log
