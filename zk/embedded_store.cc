#include "zk/embedded_store.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>

#include "log/file.h"

namespace fjord {
namespace {

using nlohmann::json;

json to_json(const MetadataSnapshot& s) {
  json topics = json::array();
  for (const auto& [name, t] : s.topics) {
    json parts = json::array();
    for (const auto& p : t->partitions) parts.push_back(p.replicas);
    topics.push_back({{"name", name},
                      {"topic_id", uuid_to_base64(t->topic_id)},
                      {"partitions", parts},
                      {"configs", t->configs}});
  }
  return {{"version", 1}, {"cluster_id", s.cluster_id}, {"topics", topics}};
}

bool from_json(const json& j, MetadataSnapshot* s, std::string* error) {
  try {
    if (j.at("version").get<int>() != 1) {
      *error = "unsupported version " + j.at("version").dump();
      return false;
    }
    s->cluster_id = j.at("cluster_id").get<std::string>();
    for (const json& t : j.at("topics")) {
      auto topic = std::make_shared<TopicMetadata>();
      topic->name = t.at("name").get<std::string>();
      auto id = uuid_from_base64(t.at("topic_id").get<std::string>());
      if (!id) {
        *error = "bad topic_id for topic " + topic->name;
        return false;
      }
      topic->topic_id = *id;
      for (const json& p : t.at("partitions")) {
        topic->partitions.push_back({p.get<std::vector<int32_t>>()});
      }
      topic->configs = t.at("configs").get<std::map<std::string, std::string>>();
      s->topics[topic->name] = std::move(topic);
    }
    return true;
  } catch (const json::exception& e) {
    *error = e.what();
    return false;
  }
}

}  // namespace

std::unique_ptr<EmbeddedStore> EmbeddedStore::open(const EmbeddedStoreOptions& options,
                                                   std::string* error) {
  std::unique_ptr<EmbeddedStore> store(new EmbeddedStore(options));
  auto snap = std::make_shared<MetadataSnapshot>();
  std::string path = options.dir + "/" + kFileName;
  if (log::file_exists(path)) {
    auto text = log::read_small_file(path);
    if (!text.ok()) {
      *error = "cannot read " + path;
      return nullptr;
    }
    json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !from_json(j, snap.get(), error)) {
      *error = "cannot parse " + path + ": " + (error->empty() ? "not JSON" : *error) +
               "; restore it from a backup or move it away to start with no topics";
      return nullptr;
    }
  }
  if (snap->cluster_id.empty()) {
    snap->cluster_id =
        options.cluster_id.empty() ? uuid_to_base64(random_uuid()) : options.cluster_id;
  }
  store->snapshot_.store(std::move(snap));
  return store;
}

StoreStatus EmbeddedStore::publish(std::shared_ptr<MetadataSnapshot> next) {
  std::string path = options_.dir + "/" + kFileName;
  if (!log::write_file_atomically(path, to_json(*next).dump(1)).ok()) {
    return {ErrorCode::kKafkaStorageError, "cannot write " + path};
  }
  std::shared_ptr<const MetadataSnapshot> published = std::move(next);
  snapshot_.store(published, std::memory_order_release);
  for (auto& l : listeners_) l(published);
  return {};
}

StoreStatus EmbeddedStore::check_assignment(const std::vector<std::vector<int32_t>>& assignment,
                                            int32_t expected_partitions) const {
  if (expected_partitions >= 0 && static_cast<int32_t>(assignment.size()) != expected_partitions) {
    return {ErrorCode::kInvalidReplicaAssignment,
            "Inconsistent number of partitions in assignment."};
  }
  return check_replica_assignment(
      assignment, [this](int32_t b) { return b == options_.broker_id; },
      ErrorCode::kInvalidReplicaAssignment);
}

StoreStatus EmbeddedStore::create_topic(const CreateTopicSpec& spec, bool validate_only,
                                        std::shared_ptr<const TopicMetadata>* created) {
  std::vector<std::shared_ptr<const TopicMetadata>> out;
  StoreStatus st = create_topics({spec}, validate_only, &out).front();
  if (created) *created = out.front();
  return st;
}

std::vector<StoreStatus> EmbeddedStore::create_topics(
    const std::vector<CreateTopicSpec>& specs, bool validate_only,
    std::vector<std::shared_ptr<const TopicMetadata>>* created) {
  std::lock_guard lock(mu_);
  std::vector<StoreStatus> out(specs.size());
  created->assign(specs.size(), nullptr);
  auto next = std::make_shared<MetadataSnapshot>(*snapshot());
  bool any = false;
  int64_t records_left = kMaxRecordsPerUserOp;
  for (size_t i = 0; i < specs.size(); ++i) {
    std::shared_ptr<TopicMetadata> topic;
    out[i] = new_topic(specs[i], *next, records_left, &topic);
    if (is_batch_too_large(out[i])) {
      // As Kafka's controller: the whole request fails, validate-only or not.
      out.assign(specs.size(), out[i]);
      created->assign(specs.size(), nullptr);
      return out;
    }
    if (!out[i].ok()) continue;
    records_left -= static_cast<int64_t>(1 + topic->configs.size() + topic->partitions.size());
    (*created)[i] = topic;
    if (validate_only) continue;
    next->topics[specs[i].name] = std::move(topic);
    any = true;
  }
  if (!any) return out;
  if (StoreStatus st = publish(std::move(next)); !st.ok()) {
    for (size_t i = 0; i < specs.size(); ++i) {
      if (out[i].ok()) {
        out[i] = st;
        (*created)[i] = nullptr;
      }
    }
  }
  return out;
}

StoreStatus EmbeddedStore::new_topic(const CreateTopicSpec& spec, const MetadataSnapshot& current,
                                     int64_t records_left,
                                     std::shared_ptr<TopicMetadata>* out) const {
  const auto records = [&](int64_t partitions) {
    return 1 + static_cast<int64_t>(spec.configs.size()) + partitions;
  };
  if (StoreStatus st = check_topic_name(spec.name); !st.ok()) return st;
  if (current.find(spec.name)) {
    return topic_already_exists(spec.name);
  }
  std::vector<std::vector<int32_t>> assignment = spec.assignment;
  if (assignment.empty()) {
    int32_t partitions =
        spec.num_partitions == -1 ? options_.default_num_partitions : spec.num_partitions;
    int16_t rf = spec.replication_factor == -1 ? options_.default_replication_factor
                                               : spec.replication_factor;
    if (partitions <= 0) {
      return {ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0."};
    }
    if (rf <= 0) {
      return {ErrorCode::kInvalidReplicationFactor,
              "Replication factor must be larger than 0, or -1 to use the default value."};
    }
    if (rf > 1) {
      return {ErrorCode::kInvalidReplicationFactor,
              "Unable to replicate the partition " + std::to_string(rf) +
                  " time(s): The target replication factor of " + std::to_string(rf) +
                  " cannot be reached because only 1 broker(s) are registered."};
    }
    if (records(partitions) > records_left) return batch_too_large();
    assignment.assign(static_cast<size_t>(partitions), {options_.broker_id});
  } else {
    if (spec.num_partitions != -1 || spec.replication_factor != -1) {
      return {ErrorCode::kInvalidRequest,
              "Both numPartitions or replicationFactor and replicasAssignments were set. Both "
              "cannot be used at the same time."};
    }
    StoreStatus st = check_assignment(assignment, -1);
    if (!st.ok()) return st;
    if (records(static_cast<int64_t>(assignment.size())) > records_left) {
      return batch_too_large();
    }
  }
  auto topic = std::make_shared<TopicMetadata>();
  topic->name = spec.name;
  topic->topic_id = random_uuid();
  for (auto& replicas : assignment) topic->partitions.push_back({std::move(replicas)});
  topic->configs = spec.configs;
  *out = std::move(topic);
  return {};
}

StoreStatus EmbeddedStore::delete_topic(const std::string& name) {
  std::lock_guard lock(mu_);
  auto current = snapshot();
  if (!current->find(name)) {
    return {ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition."};
  }
  auto next = std::make_shared<MetadataSnapshot>(*current);
  next->topics.erase(name);
  return publish(std::move(next));
}

StoreStatus EmbeddedStore::create_partitions(const std::string& name, int32_t new_count,
                                             const std::vector<std::vector<int32_t>>& assignment,
                                             bool validate_only) {
  std::lock_guard lock(mu_);
  auto current = snapshot();
  const TopicMetadata* t = current->find(name);
  if (!t) {
    return unknown_topic(name);
  }
  int32_t old_count = static_cast<int32_t>(t->partitions.size());
  if (StoreStatus st = check_partition_increase(old_count, new_count); !st.ok()) return st;
  std::vector<std::vector<int32_t>> extra = assignment;
  if (!extra.empty()) {
    StoreStatus st = check_assignment(extra, new_count - old_count);
    if (!st.ok()) return st;
  } else {
    extra.assign(static_cast<size_t>(new_count - old_count), {options_.broker_id});
  }
  if (validate_only) return {};
  auto topic = std::make_shared<TopicMetadata>(*t);
  for (auto& replicas : extra) topic->partitions.push_back({std::move(replicas)});
  auto next = std::make_shared<MetadataSnapshot>(*current);
  next->topics[name] = std::move(topic);
  return publish(std::move(next));
}

StoreStatus EmbeddedStore::set_topic_configs(const std::string& name,
                                             const std::map<std::string, std::string>& configs) {
  std::lock_guard lock(mu_);
  auto current = snapshot();
  const TopicMetadata* t = current->find(name);
  if (!t) {
    return unknown_topic(name);
  }
  auto topic = std::make_shared<TopicMetadata>(*t);
  topic->configs = configs;
  auto next = std::make_shared<MetadataSnapshot>(*current);
  next->topics[name] = std::move(topic);
  return publish(std::move(next));
}

void EmbeddedStore::subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

}  // namespace fjord
