#include "coordinator/append_error.h"

#include <gtest/gtest.h>

namespace fjord::coordinator {
namespace {

constexpr GroupWrite kClassic = GroupWrite::kClassicGroup;
constexpr GroupWrite kCommit = GroupWrite::kOffsetCommit;
constexpr GroupWrite kConsumer = GroupWrite::kConsumerGroup;

TEST(AppendError, AllThreeAgreeOnTheCommonCases) {
  for (GroupWrite w : {kClassic, kCommit, kConsumer}) {
    EXPECT_EQ(append_error(ErrorCode::kNone, w), ErrorCode::kNone);
    EXPECT_EQ(append_error(ErrorCode::kUnknownTopicOrPartition, w),
              ErrorCode::kCoordinatorNotAvailable);
    EXPECT_EQ(append_error(ErrorCode::kNotEnoughReplicas, w), ErrorCode::kCoordinatorNotAvailable);
    EXPECT_EQ(append_error(ErrorCode::kNotLeaderOrFollower, w), ErrorCode::kNotCoordinator);
    EXPECT_EQ(append_error(ErrorCode::kKafkaStorageError, w), ErrorCode::kNotCoordinator);
    EXPECT_EQ(append_error(ErrorCode::kNotCoordinator, w), ErrorCode::kNotCoordinator);
    EXPECT_EQ(append_error(ErrorCode::kCorruptMessage, w), ErrorCode::kCorruptMessage);
  }
}

TEST(AppendError, StoreGroupMakesATimedOutWriteARebalance) {
  EXPECT_EQ(append_error(ErrorCode::kRequestTimedOut, kClassic), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(append_error(ErrorCode::kNotEnoughReplicasAfterAppend, kClassic),
            ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(append_error(ErrorCode::kRecordListTooLarge, kClassic), ErrorCode::kUnknownServerError);
}

TEST(AppendError, StoreOffsetsKeepsRequestTimedOutAndNamesTheOffsetSize) {
  EXPECT_EQ(append_error(ErrorCode::kRequestTimedOut, kCommit), ErrorCode::kRequestTimedOut);
  EXPECT_EQ(append_error(ErrorCode::kNotEnoughReplicasAfterAppend, kCommit),
            ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(append_error(ErrorCode::kMessageTooLarge, kCommit),
            ErrorCode::kInvalidCommitOffsetSize);
  EXPECT_EQ(append_error(ErrorCode::kInvalidFetchSize, kCommit),
            ErrorCode::kInvalidCommitOffsetSize);
}

TEST(AppendError, HandleOperationExceptionForConsumerGroups) {
  EXPECT_EQ(append_error(ErrorCode::kRequestTimedOut, kConsumer),
            ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(append_error(ErrorCode::kNotEnoughReplicasAfterAppend, kConsumer),
            ErrorCode::kNotEnoughReplicasAfterAppend);
  EXPECT_EQ(append_error(ErrorCode::kMessageTooLarge, kConsumer), ErrorCode::kUnknownServerError);
}

}  // namespace
}  // namespace fjord::coordinator
