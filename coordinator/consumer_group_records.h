// The records a KIP-848 consumer group keeps in __consumer_offsets, in Kafka's encodings
// (GroupCoordinatorRecordHelpers; key versions 3-8, values version 0):
//   3 ConsumerGroupMetadata          group epoch            (group)
//   4 ConsumerGroupPartitionMetadata subscribed topics      (group)
//   5 ConsumerGroupMemberMetadata    member's subscription  (group, member)
//   6 ConsumerGroupTargetAssignmentMetadata assignment epoch (group)
//   7 ConsumerGroupTargetAssignmentMember    member's target (group, member)
//   8 ConsumerGroupCurrentMemberAssignment   member's epochs, state and partitions
// A null value is a tombstone. Writing is by difference: consumer_group_records() compares
// the persisted parts of a group before and after a change and emits the records that take
// one to the other, in the order Kafka writes them (a removed member's current assignment,
// target and subscription tombstones first; subscriptions before the group epoch, target
// assignments before the assignment epoch, current assignments last), so Kafka's own replay
// accepts the log too. Replaying (ConsumerGroupReplay) keeps the last value per key, so a
// compacted log rebuilds the same groups.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/consumer_group.h"
#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace fjord::coordinator {

// key, value (nullopt: tombstone)
using OffsetsTopicRecord = std::pair<Bytes, std::optional<Bytes>>;

// The records from `before` (null: the group did not exist) to `after` (null: the group is
// deleted). Session and rebalance deadlines are not persisted.
std::vector<OffsetsTopicRecord> consumer_group_records(const ConsumerGroup* before,
                                                       const ConsumerGroup* after);

// Whether a __consumer_offsets key is one of a consumer group's (key version 3-8).
bool is_consumer_group_key(ByteView key);

// Rebuilds consumer groups from their records, in log order.
class ConsumerGroupReplay {
 public:
  // INVALID_RECORD for a key or value that does not decode; the record is then ignored.
  ErrorCode apply(ByteView key, std::optional<ByteView> value);
  // The groups that have a group epoch record, with their members (those with a
  // subscription record), targets and current assignments. Deadlines are left unset.
  std::map<std::string, std::unique_ptr<ConsumerGroup>, std::less<>> take();

 private:
  struct PersistedMember {
    bool subscribed = false;
    ConsumerMember member;
  };
  struct PersistedGroup {
    std::optional<int32_t> epoch;
    int32_t assignment_epoch = -1;
    SubscriptionMetadata metadata;
    std::map<std::string, TopicPartitionSet> target;
    std::map<std::string, PersistedMember> members;
  };
  std::map<std::string, PersistedGroup> groups_;
};

}  // namespace fjord::coordinator
