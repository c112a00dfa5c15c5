// CreatePartitions (key 37): grows topics, validate_only, explicit assignments, with the
// errors and messages of Kafka 3.9's KRaft controller (ReplicationControlManager):
// duplicates are INVALID_REQUEST, an unknown or malformed topic UNKNOWN_TOPIC_OR_PARTITION
// (no message), a count that does not grow INVALID_PARTITIONS, a bad assignment
// INVALID_REPLICA_ASSIGNMENT.
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
      if (!broker.config().get("zookeeper.connect") && id != broker.broker_id()) {
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
  for (const auto& t : req.topics) {
    if (count[t.name] > 1) continue;
    auto snap = ctx.broker.metadata().snapshot();
    std::vector<std::vector<int32_t>> assignment;
    StoreStatus st = check(ctx.broker, *snap, t, &assignment);
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
