// OffsetForLeaderEpoch (key 23): the end offset of a leader epoch in the leader's log, for
// follower truncation (KIP-101, KIP-279) and consumers' log-divergence checks (KIP-320).
// Answered by the leader only (NOT_LEADER_OR_FOLLOWER otherwise, as Kafka's
// lastOffsetForLeaderEpoch with fetchOnlyFromLeader); current_leader_epoch is checked
// (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). An epoch this log does not know answers
// {-1, -1} (UNDEFINED), as Kafka.
#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> offset_for_leader_epoch(RequestContext& ctx,
                                                 msg::OffsetForLeaderEpochRequest& req) {
  using Resp = msg::OffsetForLeaderEpochResponse;
  Resp resp;
  for (const auto& t : req.topics) {
    Resp::OffsetForLeaderTopicResult tr;
    tr.topic = t.topic;
    for (const auto& p : t.partitions) {
      Resp::EpochEndOffset out;
      out.partition = p.partition;
      PartitionPtr partition = ctx.broker.replicas().get(t.topic, p.partition);
      ErrorCode error = ErrorCode::kNone;
      if (!partition) {
        error = ErrorCode::kUnknownTopicOrPartition;
      } else if (!partition->is_leader()) {
        error = ErrorCode::kNotLeaderOrFollower;
      } else if (ctx.version() >= 2) {
        error = partition->check_current_leader_epoch(p.current_leader_epoch);
      }
      if (error == ErrorCode::kNone) {
        log::EpochEntry e = partition->log().end_offset_for_epoch(p.leader_epoch);
        out.leader_epoch = e.epoch;
        out.end_offset = e.start_offset;
      }
      out.error_code = static_cast<int16_t>(error);
      tr.partitions.push_back(out);
    }
    resp.topics.push_back(std::move(tr));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
