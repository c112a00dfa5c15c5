// What a client sees when the coordinator's append of group records to __consumer_offsets
// fails. Kafka maps the append's error in three places, alike but not equal; one function keeps
// them side by side so their differences stay visible.
#pragma once

#include "protocol/error_code.h"

namespace fjord::coordinator {

enum class GroupWrite {
  kClassicGroup,   // GroupMetadataManager.storeGroup (JoinGroup / SyncGroup)
  kOffsetCommit,   // GroupMetadataManager.storeOffsets (OffsetCommit)
  kConsumerGroup,  // GroupCoordinatorService.handleOperationException (KIP-848 groups)
};

// The error to answer for a failed append that returned `e` (kNone stays kNone).
ErrorCode append_error(ErrorCode e, GroupWrite write);

}  // namespace fjord::coordinator
