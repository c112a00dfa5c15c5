// Kafka's rack-unaware replica placement (AdminUtils.assignReplicasToBrokersRackUnaware): the
// first replica of partition p goes to broker (p + start) mod n, the others follow with a shift
// that grows every n partitions, so leaders and followers spread evenly over the brokers.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace fjord::zk {

// brokers: live broker ids (sorted here). fixed_start_index -1 picks a random start and shift
// (as Kafka does for new topics). Returns replicas per partition, from start_partition_id on.
// Empty with *error when replication_factor exceeds the number of brokers.
std::vector<std::vector<int32_t>> assign_replicas_rack_unaware(
    std::vector<int32_t> brokers, int32_t partitions, int32_t replication_factor,
    int32_t fixed_start_index, int32_t start_partition_id, std::string* error);

// For CreatePartitions: Kafka starts at the broker that leads the existing partition 0.
int32_t start_index_for_added_partitions(std::vector<int32_t> brokers, int32_t first_replica_of_p0);

}  // namespace fjord::zk
