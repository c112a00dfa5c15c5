// DeleteRecords (key 21): moves partitions' log start offsets up (Kafka's
// deleteRecordsOnLeader). Offset -1 means the high watermark; an offset above the high
// watermark, or another negative one, is OFFSET_OUT_OF_RANGE; the answer carries the new low
// watermark (log start offset). Segments below it go with the next retention pass, as in Kafka.
// With one replica the deletion is complete when the log start moves, so timeout_ms never
// has to be waited out.
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

msg::DeleteRecordsResponse delete_records_blocking(Broker& broker,
                                                   const msg::DeleteRecordsRequest& req) {
  constexpr int64_t kHighWatermark = -1;
  msg::DeleteRecordsResponse resp;
  for (const auto& t : req.topics) {
    msg::DeleteRecordsResponse::DeleteRecordsTopicResult tr;
    tr.name = t.name;
    for (const auto& p : t.partitions) {
      msg::DeleteRecordsResponse::DeleteRecordsPartitionResult pr;
      pr.partition_index = p.partition_index;
      pr.low_watermark = -1;
      auto fail = [&](ErrorCode code) { pr.error_code = static_cast<int16_t>(code); };
      PartitionPtr partition = broker.replicas().get(t.name, p.partition_index);
      if (!partition) {
        fail(ErrorCode::kUnknownTopicOrPartition);
      } else if (log::PartitionLog& log = partition->log(); !log.config().cleanup_delete) {
        // Kafka: "Records of partition ... can not be deleted due to the configured policy".
        fail(ErrorCode::kPolicyViolation);
      } else {
        int64_t offset = p.offset == kHighWatermark ? log.high_watermark() : p.offset;
        if (offset < 0) {
          fail(ErrorCode::kOffsetOutOfRange);
        } else if (auto r = log.maybe_increment_log_start_offset(offset); !r.ok()) {
          fail(r.error());
        } else {
          pr.low_watermark = log.log_start_offset();
        }
      }
      tr.partitions.push_back(pr);
    }
    resp.topics.push_back(std::move(tr));
  }
  return resp;
}

}  // namespace

asio::awaitable<Outcome> delete_records(RequestContext& ctx, msg::DeleteRecordsRequest& req) {
  // Moving the log start takes the partition's writer lock (an append or a roll may hold it)
  // and rewrites the leader-epoch checkpoint: the work runs on the blocking pool, the answer
  // goes out from the loop.
  msg::DeleteRecordsResponse resp = co_await ctx.broker.blocking().run(
      [&ctx, &req] { return delete_records_blocking(ctx.broker, req); });
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
