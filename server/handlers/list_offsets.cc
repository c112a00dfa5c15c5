// ListOffsets (key 2): earliest (-2), latest (-1), max timestamp (-3, KIP-734) or the first
// offset at or after a timestamp. Consumers see "latest" as the high watermark (the last
// stable offset for read_committed); v0 answers in the old style list of offsets.
#include "log/partition_log.h"
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

namespace {

using Resp = msg::ListOffsetsResponse;

Resp answer(Broker& broker, const msg::ListOffsetsRequest& req, int16_t v) {
  Resp resp;
  for (const auto& t : req.topics) {
    Resp::ListOffsetsTopicResponse tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      Resp::ListOffsetsPartitionResponse pr;
      pr.partition_index = p.partition_index;
      PartitionPtr partition = broker.replicas().get(t.name, p.partition_index);
      if (!partition) {
        pr.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
        tr.partitions.push_back(std::move(pr));
        continue;
      }
      log::PartitionLog& log = partition->log();
      const bool from_consumer = req.replica_id < 0;
      int64_t offset = -1;
      int64_t timestamp = -1;
      std::optional<int32_t> epoch;
      if (p.timestamp == log::kLatestTimestamp && from_consumer) {
        offset = log.high_watermark();
        epoch = partition->leader_epoch();
      } else {
        auto found = log.fetch_offset_by_timestamp(p.timestamp);
        if (!found.ok()) {
          pr.error_code = static_cast<int16_t>(found.error());
          tr.partitions.push_back(std::move(pr));
          continue;
        }
        offset = found->offset;
        timestamp = found->timestamp;
        epoch = found->leader_epoch;
        // Consumers never see offsets past the high watermark.
        if (from_consumer && offset > log.high_watermark()) offset = -1;
      }
      if (v == 0) {
        if (offset >= 0 && p.max_num_offsets > 0) pr.old_style_offsets.push_back(offset);
      } else {
        pr.offset = offset;
        pr.timestamp = offset >= 0 ? timestamp : -1;
        if (p.timestamp == log::kLatestTimestamp || p.timestamp == log::kEarliestTimestamp) {
          pr.timestamp = -1;
        }
        pr.leader_epoch = epoch.value_or(-1);
      }
      tr.partitions.push_back(std::move(pr));
    }
    resp.topics.push_back(std::move(tr));
  }
  return resp;
}

}  // namespace

asio::awaitable<Outcome> list_offsets(RequestContext& ctx, msg::ListOffsetsRequest& req) {
  const int16_t v = ctx.version();
  // A timestamp lookup reads the time index and batch headers from the segment files: on the
  // blocking-work pool. Earliest and latest come from memory.
  bool reads = false;
  for (const auto& t : req.topics) {
    for (const auto& p : t.partitions) {
      reads = reads || (p.timestamp != log::kLatestTimestamp &&
                        p.timestamp != log::kEarliestTimestamp &&
                        p.timestamp != log::kEarliestLocalTimestamp);
    }
  }
  if (!reads) co_return ctx.respond(answer(ctx.broker, req, v));
  Resp resp = co_await ctx.broker.blocking().run([&] { return answer(ctx.broker, req, v); });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
