// CreatePartitions (key 37): grows topics, validate_only, explicit assignments, with the
// errors and messages of Kafka 3.9's KRaft controller (ReplicationControlManager):
// duplicates are INVALID_REQUEST, an unknown or malformed topic UNKNOWN_TOPIC_OR_PARTITION
// (no message), a count that does not grow INVALID_PARTITIONS, a bad assignment
// INVALID_REPLICA_ASSIGNMENT.
#include <spdlog/spdlog.h>

#include <limits>
#include <map>
#include <set>

#include "server/broker.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {
namespace {

using Topic = msg::CreatePartitionsRequest::CreatePartitionsTopic;

StoreStatus check(const Broker& broker, const MetadataSnapshot& snap, const Topic& t,
                  std::vector<std::vector<int32_t>>* assignment) {
  const TopicMetadata* meta = snap.find(t.name);
  if (meta == nullptr) return {ErrorCode::kUnknownTopicOrPartition, ""};
  const auto current = static_cast<int32_t>(meta->partitions.size());
  if (t.count == current) {
    return {ErrorCode::kInvalidPartitions,
            "Topic already has " + std::to_string(current) + " partition(s)."};
  }
  if (t.count < current) {
    return {ErrorCode::kInvalidPartitions,
            "The topic " + t.name + " currently has " + std::to_string(current) +
                " partition(s); " + std::to_string(t.count) + " would not be an increase."};
  }
  if (!t.assignments) return {};
  const int32_t additional = t.count - current;
  if (static_cast<int32_t>(t.assignments->size()) != additional) {
    return {ErrorCode::kInvalidReplicaAssignment, "Attempted to add " + std::to_string(additional) +
                                                      " additional partition(s), but only " +
                                                      std::to_string(t.assignments->size()) +
                                                      " assignment(s) were specified."};
  }
  for (const auto& a : *t.assignments) {
    if (a.broker_ids.empty()) {
      return {ErrorCode::kInvalidReplicaAssignment,
              "The manual partition assignment includes an empty replica list."};
    }
    std::set<int32_t> seen;
    for (int32_t id : a.broker_ids) {
      // In ZooKeeper mode the store checks the ids against the live brokers.
      if (!broker.zk_mode() && id != broker.broker_id()) {
        return {ErrorCode::kInvalidReplicaAssignment,
                "The manual partition assignment includes broker " + std::to_string(id) +
                    ", but no such broker is registered."};
      }
      if (!seen.insert(id).second) {
        return {ErrorCode::kInvalidReplicaAssignment,
                "The manual partition assignment includes the broker " + std::to_string(id) +
                    " more than once."};
      }
    }
    assignment->push_back(a.broker_ids);
  }
  return {};
}

}  // namespace

asio::awaitable<Outcome> create_partitions(RequestContext& ctx, msg::CreatePartitionsRequest& req) {
  msg::CreatePartitionsResponse resp;
  auto add = [&](const std::string& name, const StoreStatus& st) {
    msg::CreatePartitionsResponse::CreatePartitionsTopicResult r;
    r.name = name;
    r.error_code = static_cast<int16_t>(st.code);
    if (!st.message.empty()) r.error_message = st.message;
    resp.results.push_back(std::move(r));
  };
  std::map<std::string, int> count;
  for (const auto& t : req.topics) ++count[t.name];
  // Kafka answers the duplicated names first, once each.
  for (const auto& [name, n] : count) {
    if (n > 1) add(name, {ErrorCode::kInvalidRequest, "Duplicate topic name."});
  }
  // A single broker, like Kafka's KRaft controller, adds at most kMaxRecordsPerUserOp
  // partitions per request. Kafka answers the topic that crosses the limit with
  // UNKNOWN_SERVER_ERROR (no message) and still commits the partitions it had added before
  // the limit; here that topic gets the same answer and no partitions.
  int64_t records_left =
      ctx.broker.zk_mode() ? std::numeric_limits<int64_t>::max() : kMaxRecordsPerUserOp;
  for (const auto& t : req.topics) {
    if (count[t.name] > 1) continue;
    auto snap = ctx.broker.metadata().snapshot();
    std::vector<std::vector<int32_t>> assignment;
    StoreStatus st = check(ctx.broker, *snap, t, &assignment);
    if (st.ok()) {
      const int64_t additional =
          int64_t{t.count} - static_cast<int64_t>(snap->find(t.name)->partitions.size());
      if (additional > records_left) {
        st = {ErrorCode::kUnknownServerError, ""};
        spdlog::warn(
            "CreatePartitions of {} to {} partitions refused: a request adds at most {} "
            "partitions on a single broker; add them in several requests",
            t.name, t.count, kMaxRecordsPerUserOp);
      }
      records_left -= additional;
    }
    if (st.ok()) {
      st = co_await ctx.broker.blocking().run([&] {  // store write, new logs: off the loop
        return ctx.broker.metadata().create_partitions(t.name, t.count, assignment,
                                                       req.validate_only);
      });
    }
    add(t.name, st);
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
