#include "coordinator/group_partition.h"

#include <gtest/gtest.h>

namespace fjord::coordinator {
namespace {

TEST(GroupPartitionTest, MatchesJavaStringHashCode) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("a"), 97);
  EXPECT_EQ(java_string_hash("hello"), 99162322);  // "hello".hashCode()
  EXPECT_EQ(java_string_hash("console-consumer-1"), 35782224);
  EXPECT_EQ(java_string_hash("\xc3\xa9"), 233);              // "é": one UTF-16 unit
  EXPECT_EQ(java_string_hash("\xf0\x9f\x98\x80"), 1772899);  // U+1F600: a surrogate pair
}

TEST(GroupPartitionTest, UsesKafkasAbsAndModulo) {
  EXPECT_EQ(partition_for_group("hello", 50), 99162322 % 50);
  EXPECT_EQ(partition_for_group("console-consumer-1", 50), 35782224 % 50);
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE: Utils.abs maps it to 0.
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
  EXPECT_EQ(partition_for_group("polygenelubricants", 50), 0);
}

}  // namespace
}  // namespace fjord::coordinator
