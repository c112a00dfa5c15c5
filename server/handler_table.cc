#include "server/handler_table.h"

#include <algorithm>

#include "server/handlers/handlers.h"

namespace fjord {
namespace {

using namespace msg;  // NOLINT: the table reads better with bare message names

#define FJORD_HANDLER(Api, fn, min, max) \
  HandlerEntry { Api##Request::kApiKey, min, max, &decode_and_handle<Api##Request, &handlers::fn> }

const HandlerEntry kHandlers[] = {
    FJORD_HANDLER(Produce, produce, 0, 11),
    FJORD_HANDLER(Fetch, fetch, 0, 17),
    FJORD_HANDLER(ListOffsets, list_offsets, 0, 9),
    FJORD_HANDLER(Metadata, metadata, 0, 12),
    FJORD_HANDLER(LeaderAndIsr, leader_and_isr, 0, 7),
    FJORD_HANDLER(StopReplica, stop_replica, 0, 4),
    FJORD_HANDLER(UpdateMetadata, update_metadata, 0, 8),
    FJORD_HANDLER(ControlledShutdown, controlled_shutdown, 0, 3),
    FJORD_HANDLER(OffsetCommit, offset_commit, 0, 9),
    FJORD_HANDLER(OffsetFetch, offset_fetch, 0, 9),
    FJORD_HANDLER(FindCoordinator, find_coordinator, 0, 6),
    FJORD_HANDLER(JoinGroup, join_group, 0, 9),
    FJORD_HANDLER(Heartbeat, heartbeat, 0, 4),
    FJORD_HANDLER(LeaveGroup, leave_group, 0, 5),
    FJORD_HANDLER(SyncGroup, sync_group, 0, 5),
    FJORD_HANDLER(DescribeGroups, describe_groups, 0, 5),
    FJORD_HANDLER(ListGroups, list_groups, 0, 5),
    FJORD_HANDLER(ApiVersions, api_versions, 0, 4),
    FJORD_HANDLER(CreateTopics, create_topics, 0, 7),
    FJORD_HANDLER(DeleteTopics, delete_topics, 0, 6),
    FJORD_HANDLER(DeleteRecords, delete_records, 0, 2),
    FJORD_HANDLER(InitProducerId, init_producer_id, 0, 5),
    FJORD_HANDLER(OffsetForLeaderEpoch, offset_for_leader_epoch, 0, 4),
    FJORD_HANDLER(DescribeConfigs, describe_configs, 0, 4),
    FJORD_HANDLER(AlterConfigs, alter_configs, 0, 2),
    FJORD_HANDLER(DescribeLogDirs, describe_log_dirs, 0, 4),
    FJORD_HANDLER(CreatePartitions, create_partitions, 0, 3),
    FJORD_HANDLER(DeleteGroups, delete_groups, 0, 2),
    FJORD_HANDLER(IncrementalAlterConfigs, incremental_alter_configs, 0, 1),
    FJORD_HANDLER(OffsetDelete, offset_delete, 0, 0),
    FJORD_HANDLER(AlterPartition, alter_partition, 0, 3),
    FJORD_HANDLER(DescribeCluster, describe_cluster, 0, 1),
    FJORD_HANDLER(ConsumerGroupHeartbeat, consumer_group_heartbeat, 0, 0),
    FJORD_HANDLER(ConsumerGroupDescribe, consumer_group_describe, 0, 0),
    FJORD_HANDLER(DescribeTopicPartitions, describe_topic_partitions, 0, 0),
};

#undef FJORD_HANDLER

}  // namespace

std::span<const HandlerEntry> handler_table() { return kHandlers; }

bool served_in_mode(const HandlerEntry& h, bool zk_mode) {
  const ApiInfo* api = find_api(h.api_key);
  return api != nullptr && (api->listeners & (zk_mode ? kListenZkBroker : kListenBroker)) != 0;
}

const HandlerEntry* find_handler(int16_t api_key) {
  auto it = std::lower_bound(std::begin(kHandlers), std::end(kHandlers), api_key,
                             [](const HandlerEntry& h, int16_t k) { return h.api_key < k; });
  return it != std::end(kHandlers) && it->api_key == api_key ? it : nullptr;
}

}  // namespace fjord
