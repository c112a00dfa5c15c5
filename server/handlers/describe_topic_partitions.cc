// DescribeTopicPartitions (key 75, KIP-966): topics in name order with their partitions,
// paged by response_partition_limit (at most max.request.partition.size.limit, 2000) and a
// cursor, as Kafka 3.9's DescribeTopicPartitionsRequestHandler and KRaftMetadataCache page
// them. An empty topic list means every topic (then unknown ones cannot occur).
#include <algorithm>
#include <set>

#include "server/broker.h"
#include "server/handlers/authorized_operations.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Resp = msg::DescribeTopicPartitionsResponse;
constexpr int32_t kMaxRequestPartitionSizeLimit = 2000;

bool is_internal_topic(const std::string& name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

// Kafka answers a request it rejects as a whole with the error on every requested topic.
Resp error_response(const msg::DescribeTopicPartitionsRequest& req, ErrorCode code) {
  Resp resp;
  for (const auto& t : req.topics) {
    Resp::DescribeTopicPartitionsResponseTopic out;
    out.error_code = static_cast<int16_t>(code);
    out.name = t.name;
    resp.topics.push_back(std::move(out));
  }
  return resp;
}

}  // namespace

asio::awaitable<Outcome> describe_topic_partitions(RequestContext& ctx,
                                                   msg::DescribeTopicPartitionsRequest& req) {
  auto snap = ctx.broker.metadata().snapshot();
  const bool all_topics = req.topics.empty();
  const std::string cursor_topic = req.cursor ? req.cursor->topic_name : "";
  std::set<std::string> names;  // sorted, as Kafka sorts them
  if (all_topics) {
    for (const auto& [name, _] : snap->topics) {
      if (name >= cursor_topic) names.insert(name);
    }
  } else {
    for (const auto& t : req.topics) {
      if (t.name >= cursor_topic) names.insert(t.name);
    }
    if (req.cursor && !names.count(req.cursor->topic_name)) {
      co_return ctx.respond(error_response(req, ErrorCode::kInvalidRequest));
    }
  }
  if (req.cursor && req.cursor->partition_index < 0) {
    co_return ctx.respond(error_response(req, ErrorCode::kInvalidRequest));
  }

  Resp resp;
  int32_t remaining =
      std::max(std::min(kMaxRequestPartitionSizeLimit, req.response_partition_limit), 1);
  for (const std::string& name : names) {
    if (remaining == 0) {
      // The next page starts at this topic (which may not even exist).
      resp.next_cursor = Resp::Cursor{name, 0, {}};
      break;
    }
    Resp::DescribeTopicPartitionsResponseTopic out;
    out.name = name;
    out.is_internal = is_internal_topic(name);
    out.topic_authorized_operations = kTopicAuthorizedOperations;
    const TopicMetadata* t = snap->find(name);
    if (t == nullptr) {
      if (all_topics) continue;
      out.error_code =
          static_cast<int16_t>(valid_topic_name(name) ? ErrorCode::kUnknownTopicOrPartition
                                                      : ErrorCode::kInvalidTopicException);
      resp.topics.push_back(std::move(out));
      continue;
    }
    out.topic_id = t->topic_id;
    const auto count = static_cast<int32_t>(t->partitions.size());
    const int32_t start = name == cursor_topic ? req.cursor->partition_index : 0;
    const int32_t upper = std::min(count, start + remaining);
    for (int32_t p = start; p < upper; ++p) {
      const auto& replicas = t->partitions[static_cast<size_t>(p)].replicas;
      Resp::DescribeTopicPartitionsResponsePartition part;
      part.partition_index = p;
      part.leader_id = replicas.empty() ? -1 : replicas.front();
      PartitionPtr local = ctx.broker.replicas().get(name, p);
      part.leader_epoch = local ? local->leader_epoch() : 0;
      part.replica_nodes = replicas;
      part.isr_nodes = replicas;
      part.eligible_leader_replicas = std::vector<int32_t>{};
      part.last_known_elr = std::vector<int32_t>{};
      out.partitions.push_back(std::move(part));
    }
    const auto returned = static_cast<int32_t>(out.partitions.size());
    resp.topics.push_back(std::move(out));
    if (upper < count) {
      resp.next_cursor = Resp::Cursor{name, upper, {}};
      break;
    }
    remaining -= returned;
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
