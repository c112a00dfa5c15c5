// One function per Kafka API (each in server/handlers/<api>.cc). A handler runs on the
// connection's event loop and must not block: long work is awaited, not waited for.
#pragma once

#include <asio/awaitable.hpp>

#include "protocol/generated/all_messages.h"
#include "server/request_context.h"

namespace fjord::handlers {

asio::awaitable<Outcome> api_versions(RequestContext& ctx, msg::ApiVersionsRequest& req);
// The ApiVersions answer to a request at a version Fjord does not serve: v0 layout,
// UNSUPPORTED_VERSION and the supported versions (KIP-511).
Outcome api_versions_unsupported(RequestContext& ctx);
asio::awaitable<Outcome> metadata(RequestContext& ctx, msg::MetadataRequest& req);
asio::awaitable<Outcome> produce(RequestContext& ctx, msg::ProduceRequest& req);
asio::awaitable<Outcome> fetch(RequestContext& ctx, msg::FetchRequest& req);
asio::awaitable<Outcome> leader_and_isr(RequestContext& ctx, msg::LeaderAndIsrRequest& req);
asio::awaitable<Outcome> stop_replica(RequestContext& ctx, msg::StopReplicaRequest& req);
asio::awaitable<Outcome> update_metadata(RequestContext& ctx, msg::UpdateMetadataRequest& req);
asio::awaitable<Outcome> offset_for_leader_epoch(RequestContext& ctx,
                                                 msg::OffsetForLeaderEpochRequest& req);
asio::awaitable<Outcome> list_offsets(RequestContext& ctx, msg::ListOffsetsRequest& req);
asio::awaitable<Outcome> create_topics(RequestContext& ctx, msg::CreateTopicsRequest& req);
asio::awaitable<Outcome> delete_topics(RequestContext& ctx, msg::DeleteTopicsRequest& req);
asio::awaitable<Outcome> delete_records(RequestContext& ctx, msg::DeleteRecordsRequest& req);
asio::awaitable<Outcome> init_producer_id(RequestContext& ctx, msg::InitProducerIdRequest& req);
asio::awaitable<Outcome> describe_configs(RequestContext& ctx, msg::DescribeConfigsRequest& req);
asio::awaitable<Outcome> alter_configs(RequestContext& ctx, msg::AlterConfigsRequest& req);
asio::awaitable<Outcome> describe_log_dirs(RequestContext& ctx, msg::DescribeLogDirsRequest& req);
asio::awaitable<Outcome> create_partitions(RequestContext& ctx,
                                           msg::CreatePartitionsRequest& req);
asio::awaitable<Outcome> incremental_alter_configs(RequestContext& ctx,
                                                   msg::IncrementalAlterConfigsRequest& req);
asio::awaitable<Outcome> describe_cluster(RequestContext& ctx, msg::DescribeClusterRequest& req);
asio::awaitable<Outcome> describe_topic_partitions(RequestContext& ctx,
                                                   msg::DescribeTopicPartitionsRequest& req);
asio::awaitable<Outcome> alter_partition(RequestContext& ctx, msg::AlterPartitionRequest& req);
asio::awaitable<Outcome> controlled_shutdown(RequestContext& ctx,
                                             msg::ControlledShutdownRequest& req);
asio::awaitable<Outcome> find_coordinator(RequestContext& ctx, msg::FindCoordinatorRequest& req);
asio::awaitable<Outcome> join_group(RequestContext& ctx, msg::JoinGroupRequest& req);
asio::awaitable<Outcome> sync_group(RequestContext& ctx, msg::SyncGroupRequest& req);
asio::awaitable<Outcome> heartbeat(RequestContext& ctx, msg::HeartbeatRequest& req);
asio::awaitable<Outcome> leave_group(RequestContext& ctx, msg::LeaveGroupRequest& req);
asio::awaitable<Outcome> offset_commit(RequestContext& ctx, msg::OffsetCommitRequest& req);
asio::awaitable<Outcome> offset_fetch(RequestContext& ctx, msg::OffsetFetchRequest& req);
asio::awaitable<Outcome> describe_groups(RequestContext& ctx, msg::DescribeGroupsRequest& req);
asio::awaitable<Outcome> list_groups(RequestContext& ctx, msg::ListGroupsRequest& req);
asio::awaitable<Outcome> delete_groups(RequestContext& ctx, msg::DeleteGroupsRequest& req);
asio::awaitable<Outcome> offset_delete(RequestContext& ctx, msg::OffsetDeleteRequest& req);
asio::awaitable<Outcome> consumer_group_heartbeat(RequestContext& ctx,
                                                  msg::ConsumerGroupHeartbeatRequest& req);
asio::awaitable<Outcome> consumer_group_describe(RequestContext& ctx,
                                                 msg::ConsumerGroupDescribeRequest& req);

}  // namespace fjord::handlers
