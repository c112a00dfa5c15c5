// Which __consumer_offsets partition holds a group: Kafka's
// Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions, where hashCode is Java's
// String.hashCode over UTF-16 code units and Utils.abs maps Integer.MIN_VALUE to 0. Matching
// it byte for byte keeps a Fjord log dir readable by Kafka and the reverse.
#pragma once

#include <cstdint>
#include <string_view>

namespace fjord::coordinator {

// Java's String.hashCode of the UTF-8 string s (decoded to UTF-16; invalid bytes count as
// U+FFFD, as Java's decoder replaces them).
int32_t java_string_hash(std::string_view s);

int32_t partition_for_group(std::string_view group_id, int32_t num_partitions);

}  // namespace fjord::coordinator
