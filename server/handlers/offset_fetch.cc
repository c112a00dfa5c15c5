// OffsetFetch (key 9): committed offsets of one group (v0-7) or several (v8+). A group-level
// error sits on every partition in v0-1, at the top level in v2-7 and per group in v8+.
#include "server/group_requests.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::OffsetFetchResponse;
using coordinator::GroupCoordinator;

}  // namespace

asio::awaitable<Outcome> offset_fetch(RequestContext& ctx, msg::OffsetFetchRequest& req) {
  const int16_t v = ctx.version();
  GroupCoordinator& coordinator = group_coordinator(ctx);
  Resp resp;
  if (v >= 8) {
    for (const auto& g : req.groups) {
      // v9 (KIP-848) names the member and its epoch.
      resp.groups.push_back(coordinator.fetch_offsets(g.group_id, g.topics, req.require_stable,
                                                      g.member_id, g.member_epoch));
    }
    co_return ctx.respond(resp);
  }
  GroupCoordinator::FetchTopics topics;
  if (req.topics) {
    topics.emplace();
    for (const auto& t : *req.topics) topics->push_back({t.name, t.partition_indexes, {}});
  }
  Resp::OffsetFetchResponseGroup g =
      coordinator.fetch_offsets(req.group_id, topics, v >= 7 && req.require_stable);
  if (g.error_code != 0 && v < 2 && topics) {
    // v0-1 have no top-level error: every requested partition carries it.
    for (const auto& t : *topics) {
      Resp::OffsetFetchResponseTopic rt;
      rt.name = t.name;
      for (int32_t p : t.partition_indexes) {
        Resp::OffsetFetchResponsePartition rp;
        rp.partition_index = p;
        rp.committed_offset = -1;
        rp.error_code = g.error_code;
        rt.partitions.push_back(rp);
      }
      resp.topics.push_back(std::move(rt));
    }
    co_return ctx.respond(resp);
  }
  resp.error_code = g.error_code;
  for (auto& t : g.topics) {
    Resp::OffsetFetchResponseTopic rt;
    rt.name = std::move(t.name);
    for (auto& p : t.partitions) {
      Resp::OffsetFetchResponsePartition rp;
      rp.partition_index = p.partition_index;
      rp.committed_offset = p.committed_offset;
      rp.committed_leader_epoch = p.committed_leader_epoch;
      rp.metadata = std::move(p.metadata);
      rp.error_code = p.error_code;
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
