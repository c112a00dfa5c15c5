// Authorized-operation bit sets (KIP-430) for a broker without an authorizer: every operation
// that applies to the resource type is allowed. Bits are AclOperation codes: READ 3, WRITE 4,
// CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10,
// ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12, CREATE_TOKENS 13, DESCRIBE_TOKENS 14.
#pragma once

#include <cstdint>

namespace fjord::handlers {

constexpr int32_t bit(int op) { return 1 << op; }

inline constexpr int32_t kTopicAuthorizedOperations =
    bit(3) | bit(4) | bit(5) | bit(6) | bit(7) | bit(8) | bit(10) | bit(11);
// Kafka 3.9 answers 8096 for the cluster: the token operations (13, 14) are not included.
inline constexpr int32_t kClusterAuthorizedOperations =
    bit(5) | bit(7) | bit(8) | bit(9) | bit(10) | bit(11) | bit(12);
inline constexpr int32_t kGroupAuthorizedOperations = bit(3) | bit(6) | bit(8);

}  // namespace fjord::handlers
