// CreateTopics (key 19): validate-only, configs, explicit replica assignments, and
// num_partitions / replication_factor -1 meaning the broker defaults (KIP-464).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "server/broker.h"
#include "server/config_entries.h"
#include "server/handlers/handlers.h"

namespace fjord::handlers {

asio::awaitable<Outcome> create_topics(RequestContext& ctx, msg::CreateTopicsRequest& req) {
  const int16_t v = ctx.version();
  msg::CreateTopicsResponse resp;
  std::map<std::string, int> seen;
  for (const auto& t : req.topics) ++seen[t.name];
  std::vector<CreateTopicSpec> specs;  // the topics that passed the request checks
  std::vector<size_t> pending;         // their places in resp.topics
  const std::shared_ptr<const MetadataSnapshot> snapshot = ctx.broker.metadata().snapshot();

  for (const auto& t : req.topics) {
    msg::CreateTopicsResponse::CreatableTopicResult result;
    result.name = t.name;
    auto fail = [&](ErrorCode code, std::string message) {
      result.error_code = static_cast<int16_t>(code);
      result.error_message = std::move(message);
      result.configs = std::nullopt;
    };
    if (seen[t.name] > 1) {
      // Kafka answers every duplicated entry with INVALID_REQUEST.
      fail(ErrorCode::kInvalidRequest,
           "Create topics request from client `" + std::string(ctx.client_id()) +
               "` contains multiple entries for the following topics: " + t.name);
      resp.topics.push_back(std::move(result));
      continue;
    }
    // Kafka's order of checks (ReplicationControlManager.createTopics, and ZkAdminManager's):
    // the name, whether the topic exists, null config values, the configs, then the
    // partitions or the manual assignment (the rest of those in the metadata store).
    if (StoreStatus st = check_topic_name(t.name); !st.ok()) {
      fail(st.code, st.message);
      resp.topics.push_back(std::move(result));
      continue;
    }
    if (snapshot->find(t.name) != nullptr) {
      StoreStatus st = topic_already_exists(t.name);
      fail(st.code, st.message);
      resp.topics.push_back(std::move(result));
      continue;
    }
    CreateTopicSpec spec;
    spec.name = t.name;
    spec.num_partitions = t.num_partitions;
    spec.replication_factor = t.replication_factor;
    std::string null_configs;
    for (const auto& c : t.configs) {
      if (!c.value) null_configs += (null_configs.empty() ? "" : ",") + c.name;
    }
    if (!null_configs.empty()) {
      fail(ErrorCode::kInvalidConfig,
           "Null value not supported for topic configs: " + null_configs);
      resp.topics.push_back(std::move(result));
      continue;
    }
    std::string config_error;
    for (const auto& c : t.configs) {
      if (auto e = check_topic_config(c.name, *c.value)) {
        config_error = *e;
        break;
      }
      spec.configs[c.name] = *c.value;
    }
    if (!config_error.empty()) {
      fail(ErrorCode::kInvalidConfig, config_error);
      resp.topics.push_back(std::move(result));
      continue;
    }
    if (!t.assignments.empty()) {
      std::map<int32_t, std::vector<int32_t>> by_partition;
      for (const auto& a : t.assignments) by_partition[a.partition_index] = a.broker_ids;
      bool contiguous = true;
      int32_t expected = 0;
      for (const auto& [p, brokers] : by_partition) {
        contiguous = contiguous && p == expected++;
        spec.assignment.push_back(brokers);
      }
      // An assignment together with a partition count or replication factor is refused
      // first, by the store.
      const bool counts_unset = t.num_partitions == -1 && t.replication_factor == -1;
      if (!contiguous && counts_unset) {
        fail(ErrorCode::kInvalidReplicaAssignment,
             "Partitions should be a consecutive 0-based integer sequence");
        resp.topics.push_back(std::move(result));
        continue;
      }
    }
    pending.push_back(resp.topics.size());
    specs.push_back(std::move(spec));
    resp.topics.push_back(std::move(result));
  }
  // The metadata store writes its file once for the whole request (or ZooKeeper), and the logs
  // are created: off the loop.
  std::vector<std::shared_ptr<const TopicMetadata>> created_topics;
  std::vector<StoreStatus> statuses;
  if (!specs.empty()) {
    statuses = co_await ctx.broker.blocking().run([&] {
      return ctx.broker.metadata().create_topics(specs, req.validate_only, &created_topics);
    });
  }
  if (std::any_of(statuses.begin(), statuses.end(), is_batch_too_large)) {
    // Every topic of the request gets the error, duplicates and bad configs included (Kafka
    // answers the failed controller call with CreateTopicsRequest.getErrorResponse).
    spdlog::warn(
        "CreateTopics of {} topic(s) refused: a request creates at most {} topic, "
        "config and partition records on a single broker; create them in several "
        "requests",
        req.topics.size(), kMaxRecordsPerUserOp);
    for (auto& result : resp.topics) {
      result.error_code = static_cast<int16_t>(ErrorCode::kPolicyViolation);
      result.error_message = batch_too_large().message;
      result.configs = std::nullopt;
    }
    pending.clear();
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    msg::CreateTopicsResponse::CreatableTopicResult& result = resp.topics[pending[i]];
    const StoreStatus& st = statuses[i];
    const std::shared_ptr<const TopicMetadata>& created = created_topics[i];
    if (!st.ok()) {
      result.error_code = static_cast<int16_t>(st.code);
      result.error_message = st.message;
      result.configs = std::nullopt;
    } else {
      result.error_message = std::nullopt;  // as Kafka: null, not empty, on success
      result.topic_id = req.validate_only ? Uuid{} : created->topic_id;
      result.num_partitions = static_cast<int32_t>(created->partitions.size());
      result.replication_factor = static_cast<int16_t>(created->partitions.front().replicas.size());
      result.configs = std::vector<msg::CreateTopicsResponse::CreatableTopicConfigs>{};
      for (const auto& [name, value] : created->configs) {
        msg::CreateTopicsResponse::CreatableTopicConfigs c;
        c.name = name;
        c.value = value;
        c.config_source = 1;  // DYNAMIC_TOPIC_CONFIG
        result.configs->push_back(std::move(c));
      }
    }
  }
  if (v < 1) {
    for (auto& result : resp.topics) result.error_message = std::nullopt;
  }
  co_return ctx.respond(resp);
}

}  // namespace fjord::handlers
