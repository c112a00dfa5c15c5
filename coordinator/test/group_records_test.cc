#include "coordinator/group_records.h"

#include <gtest/gtest.h>

namespace fjord::coordinator {
namespace {

TEST(GroupRecordsTest, OffsetCommitKeyIsKafkasVersion1Layout) {
  Bytes key = offset_commit_key("g", "t", 7);
  // int16 version 1, string "g", string "t", int32 7
  Bytes want = {0, 1, 0, 1, 'g', 0, 1, 't', 0, 0, 0, 7};
  EXPECT_EQ(key, want);
}

TEST(GroupRecordsTest, OffsetValueRoundTripsAsVersion3) {
  CommittedOffset c{42, 5, "meta", 1700000000000, std::nullopt};
  Bytes value = offset_commit_value(c);
  ASSERT_GE(value.size(), 2u);
  EXPECT_EQ(value[1], 3);
  auto r = decode_offsets_record(ByteView(offset_commit_key("g", "t", 1)), ByteView(value));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, OffsetsRecord::Kind::kOffset);
  EXPECT_EQ(r->group, "g");
  EXPECT_EQ(r->topic, "t");
  EXPECT_EQ(r->partition, 1);
  ASSERT_TRUE(r->offset);
  EXPECT_EQ(r->offset->offset, 42);
  EXPECT_EQ(r->offset->leader_epoch, 5);
  EXPECT_EQ(r->offset->metadata, "meta");
  EXPECT_FALSE(r->offset->expire_timestamp);
}

TEST(GroupRecordsTest, ExplicitExpiryUsesVersion1) {
  CommittedOffset c{1, -1, "", 10, 20};
  Bytes value = offset_commit_value(c);
  EXPECT_EQ(value[1], 1);
  auto r = decode_offsets_record(ByteView(offset_commit_key("g", "t", 0)), ByteView(value));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset->expire_timestamp, 20);
}

TEST(GroupRecordsTest, GroupMetadataRoundTripsAndTombstonesDecode) {
  msg::GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.generation = 3;
  v.protocol = "range";
  v.leader = "m1";
  v.current_state_timestamp = 99;
  msg::GroupMetadataValue::MemberMetadata m;
  m.member_id = "m1";
  m.group_instance_id = "i1";
  m.client_id = "c";
  m.client_host = "/127.0.0.1";
  m.rebalance_timeout = 300000;
  m.session_timeout = 45000;
  m.subscription = {1, 2};
  m.assignment = {3};
  v.members.push_back(m);
  Bytes key = group_metadata_key("grp");
  EXPECT_EQ(key[1], 2);
  auto r = decode_offsets_record(ByteView(key), ByteView(group_metadata_value(v)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, OffsetsRecord::Kind::kGroup);
  ASSERT_TRUE(r->metadata);
  EXPECT_EQ(*r->metadata, v);
  auto t = decode_offsets_record(ByteView(key), std::nullopt);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->metadata);
}

TEST(GroupRecordsTest, GarbageIsInvalidRecord) {
  Bytes junk = {0, 9, 1};
  EXPECT_EQ(decode_offsets_record(ByteView(junk), std::nullopt).error(), ErrorCode::kInvalidRecord);
  EXPECT_EQ(decode_offsets_record(std::nullopt, std::nullopt).error(), ErrorCode::kInvalidRecord);
}

}  // namespace
}  // namespace fjord::coordinator
