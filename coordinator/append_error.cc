#include "coordinator/append_error.h"

namespace fjord::coordinator {

ErrorCode append_error(ErrorCode e, GroupWrite write) {
  switch (e) {
    case ErrorCode::kUnknownTopicOrPartition:
    case ErrorCode::kNotEnoughReplicas:
      return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotEnoughReplicasAfterAppend:
      // handleOperationException does not name it: it reaches the member as it is.
      return write == GroupWrite::kConsumerGroup ? e : ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
    case ErrorCode::kNotCoordinator:
      return ErrorCode::kNotCoordinator;
    case ErrorCode::kRequestTimedOut:
      switch (write) {
        case GroupWrite::kClassicGroup:
          return ErrorCode::kRebalanceInProgress;  // the members rejoin
        case GroupWrite::kOffsetCommit:
          return e;  // the ISR did not catch up within offsets.commit.timeout.ms
        case GroupWrite::kConsumerGroup:
          return ErrorCode::kCoordinatorNotAvailable;
      }
      return e;
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
    case ErrorCode::kInvalidFetchSize:
      return write == GroupWrite::kOffsetCommit ? ErrorCode::kInvalidCommitOffsetSize
                                                : ErrorCode::kUnknownServerError;
    default:
      return e;
  }
}

}  // namespace fjord::coordinator
