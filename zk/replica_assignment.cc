#include "zk/replica_assignment.h"

#include <algorithm>

namespace fjord::zk {

std::vector<std::vector<int32_t>> assign_replicas_rack_unaware(
    std::vector<int32_t> brokers, int32_t partitions, int32_t replication_factor,
    int32_t fixed_start_index, int32_t start_partition_id, std::string* error) {
  std::sort(brokers.begin(), brokers.end());
  const int32_t n = static_cast<int32_t>(brokers.size());
  if (partitions <= 0) {
    *error = "Number of partitions must be larger than 0.";
    return {};
  }
  if (replication_factor <= 0) {
    *error = "Replication factor must be larger than 0.";
    return {};
  }
  if (replication_factor > n) {
    *error = "Replication factor: " + std::to_string(replication_factor) +
             " larger than available brokers: " + std::to_string(n) + ".";
    return {};
  }
  static thread_local std::mt19937 rng{std::random_device{}()};
  auto random_index = [&] { return std::uniform_int_distribution<int32_t>(0, n - 1)(rng); };
  const int32_t start_index = fixed_start_index >= 0 ? fixed_start_index : random_index();
  int32_t shift = fixed_start_index >= 0 ? fixed_start_index : random_index();
  int32_t p = std::max(0, start_partition_id);
  std::vector<std::vector<int32_t>> result;
  for (int32_t i = 0; i < partitions; ++i, ++p) {
    if (p > 0 && p % n == 0) ++shift;
    const int32_t first = (p + start_index) % n;
    std::vector<int32_t> replicas{brokers[static_cast<size_t>(first)]};
    for (int32_t j = 0; j < replication_factor - 1; ++j) {
      const int32_t s = 1 + (shift + j) % (n - 1);
      replicas.push_back(brokers[static_cast<size_t>((first + s) % n)]);
    }
    result.push_back(std::move(replicas));
  }
  return result;
}

int32_t start_index_for_added_partitions(std::vector<int32_t> brokers, int32_t first_replica_of_p0) {
  std::sort(brokers.begin(), brokers.end());
  for (size_t i = 0; i < brokers.size(); ++i) {
    if (brokers[i] >= first_replica_of_p0) return static_cast<int32_t>(i);
  }
  return 0;
}

}  // namespace fjord::zk
