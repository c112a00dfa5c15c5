#include "zk/zk_metadata_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "zk/replica_assignment.h"
#include "zk/zk_data.h"

namespace fjord::zk {
namespace {

constexpr const char* kConfigChanges = "/config/changes";
constexpr const char* kConfigChangePrefix = "config_change_";

StoreStatus zk_failure(const std::string& what, ZkCode rc) {
  return {ErrorCode::kUnknownServerError, what + ": ZooKeeper answered " + zk_code_name(rc)};
}

// Kafka's setOrCreateEntityConfigs: set, or create when the znode is missing.
ZkCode set_or_create(ZooKeeperClient& zk, const std::string& path, const std::string& data) {
  ZkCode rc = zk.set(path, data);
  if (rc == ZkCode::kNoNode) {
    rc = zk.create(path, data, CreateMode::kPersistent);
    if (rc == ZkCode::kNoNode) rc = zk.create_recursive(path, data);
    if (rc == ZkCode::kNodeExists) rc = zk.set(path, data);
  }
  return rc;
}

}  // namespace

ZkMetadataStore::ZkMetadataStore(ZooKeeperClient& zk, ZkMetadataStoreOptions options)
    : zk_(zk), options_(std::move(options)) {
  auto snap = std::make_shared<MetadataSnapshot>();
  snap->cluster_id = options_.cluster_id;
  snapshot_.store(std::move(snap));
}

ZkMetadataStore::~ZkMetadataStore() {
  zk_.remove_owner(this);
  zk_.drain();
}

bool ZkMetadataStore::start(std::string* error) {
  zk_.on_children(
      "/brokers/topics", [this](ZkEvent, const std::string&) { reload_all(); }, this);
  zk_.on_children(
      kConfigChanges, [this](ZkEvent, const std::string&) { process_config_changes(); }, this);
  zk_.on_new_session([this] { reload_all(); }, this);
  std::vector<std::string> names;
  ZkCode rc = zk_.get_children("/brokers/topics", &names);
  if (!zk_ok(rc)) {
    *error = std::string("cannot read /brokers/topics: ") + zk_code_name(rc);
    return false;
  }
  reload_all();
  return true;
}

void ZkMetadataStore::reload_all() {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  if (!zk_ok(zk_.get_children("/brokers/topics", &names, /*watch=*/true))) return;
  // Configs are read in full here, so every notification so far counts as applied.
  std::vector<std::string> changes;
  if (zk_ok(zk_.get_children(kConfigChanges, &changes, /*watch=*/true)) && !changes.empty()) {
    last_config_change_ = *std::max_element(changes.begin(), changes.end());
  }
  std::map<std::string, std::shared_ptr<const TopicMetadata>> topics;
  for (const std::string& name : names) {
    std::string data, config_data;
    zk_.on_change(
        topic_path(name),
        [this](ZkEvent, const std::string& path) {
          reload_topic(path.substr(std::string("/brokers/topics/").size()));
        },
        this);
    if (!zk_ok(zk_.get(topic_path(name), &data, nullptr, /*watch=*/true))) continue;
    auto znode = decode_topic_znode(data);
    if (!znode) {
      spdlog::warn("ignoring topic {}: cannot parse {}", name, data);
      continue;
    }
    auto t = std::make_shared<TopicMetadata>();
    t->name = name;
    t->topic_id = znode->topic_id.value_or(Uuid{});
    for (auto& [p, replicas] : znode->partitions) {
      if (p != static_cast<int32_t>(t->partitions.size())) break;  // partitions are 0..n-1
      t->partitions.push_back({std::move(replicas)});
    }
    if (zk_ok(zk_.get(topic_config_path(name), &config_data))) {
      t->configs = decode_entity_config(config_data).value_or(std::map<std::string, std::string>{});
    }
    topics[name] = std::move(t);
  }
  publish(std::move(topics));
}

void ZkMetadataStore::reload_topic(const std::string& name) {
  // One topic's znode changed (partitions added, topic id written) or went away.
  reload_all();
  (void)name;
}

void ZkMetadataStore::process_config_changes() {
  std::lock_guard lock(mu_);
  std::vector<std::string> changes;
  if (!zk_ok(zk_.get_children(kConfigChanges, &changes, /*watch=*/true))) return;
  std::sort(changes.begin(), changes.end());
  auto current = snapshot();
  auto topics = current->topics;
  bool changed = false;
  for (const std::string& change : changes) {
    if (change.rfind(kConfigChangePrefix, 0) != 0 || change <= last_config_change_) continue;
    last_config_change_ = change;
    std::string data;
    if (!zk_ok(zk_.get(std::string(kConfigChanges) + "/" + change, &data))) continue;
    auto entity = decode_config_change(data);
    if (!entity || entity->rfind("topics/", 0) != 0) continue;  // broker/client configs: later
    std::string name = entity->substr(7);
    auto it = topics.find(name);
    if (it == topics.end()) continue;
    std::string config_data;
    std::map<std::string, std::string> configs;
    if (zk_ok(zk_.get(topic_config_path(name), &config_data))) {
      configs = decode_entity_config(config_data).value_or(configs);
    }
    auto t = std::make_shared<TopicMetadata>(*it->second);
    t->configs = std::move(configs);
    it->second = std::move(t);
    changed = true;
    spdlog::info("Processing override for entityPath: topics/{}", name);
  }
  if (changed) publish(std::move(topics));
}

void ZkMetadataStore::publish(std::map<std::string, std::shared_ptr<const TopicMetadata>> topics) {
  auto next = std::make_shared<MetadataSnapshot>();
  next->cluster_id = options_.cluster_id;
  next->topics = std::move(topics);
  std::shared_ptr<const MetadataSnapshot> published = std::move(next);
  snapshot_.store(published, std::memory_order_release);
  for (auto& l : listeners_) l(published);
}

void ZkMetadataStore::subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

std::vector<int32_t> ZkMetadataStore::live_brokers() {
  std::vector<std::string> children;
  std::vector<int32_t> ids;
  if (!zk_ok(zk_.get_children("/brokers/ids", &children))) return ids;
  for (const std::string& c : children) {
    try {
      ids.push_back(std::stoi(c));
    } catch (const std::exception&) {
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::set<std::string> ZkMetadataStore::topics_marked_for_deletion() {
  std::vector<std::string> children;
  zk_.get_children("/admin/delete_topics", &children);
  return {children.begin(), children.end()};
}

StoreStatus ZkMetadataStore::check_assignment(const std::vector<std::vector<int32_t>>& assignment,
                                              const std::vector<int32_t>& live) const {
  return check_replica_assignment(
      assignment, [&live](int32_t b) { return std::binary_search(live.begin(), live.end(), b); },
      ErrorCode::kBrokerNotAvailable);
}

StoreStatus ZkMetadataStore::create_topic(const CreateTopicSpec& spec, bool validate_only,
                                          std::shared_ptr<const TopicMetadata>* created) {
  std::lock_guard lock(mu_);
  if (StoreStatus st = check_topic_name(spec.name); !st.ok()) return st;
  ZkCode rc = zk_.exists(topic_path(spec.name));
  if (rc == ZkCode::kOk) {
    if (zk_.exists(delete_topic_path(spec.name)) == ZkCode::kOk) {
      return {ErrorCode::kTopicAlreadyExists, "Topic '" + spec.name + "' is marked for deletion."};
    }
    return topic_already_exists(spec.name);
  }
  if (rc != ZkCode::kNoNode) return zk_failure("cannot check topic " + spec.name, rc);
  std::vector<int32_t> live = live_brokers();
  std::vector<std::vector<int32_t>> assignment = spec.assignment;
  if (assignment.empty()) {
    int32_t partitions =
        spec.num_partitions == -1 ? options_.default_num_partitions : spec.num_partitions;
    int32_t rf = spec.replication_factor == -1 ? options_.default_replication_factor
                                               : spec.replication_factor;
    if (partitions <= 0) {
      return {ErrorCode::kInvalidPartitions, "Number of partitions must be larger than 0."};
    }
    if (rf <= 0) {
      return {ErrorCode::kInvalidReplicationFactor, "Replication factor must be larger than 0."};
    }
    std::string error;
    assignment = assign_replicas_rack_unaware(live, partitions, rf, -1, 0, &error);
    if (assignment.empty()) return {ErrorCode::kInvalidReplicationFactor, error};
  } else {
    if (spec.num_partitions != -1 || spec.replication_factor != -1) {
      return {ErrorCode::kInvalidRequest,
              "Both numPartitions or replicationFactor and replicasAssignments were set. Both "
              "cannot be used at the same time."};
    }
    StoreStatus st = check_assignment(assignment, live);
    if (!st.ok()) return st;
  }
  auto topic = std::make_shared<TopicMetadata>();
  topic->name = spec.name;
  topic->topic_id = random_uuid();
  for (auto& replicas : assignment) topic->partitions.push_back({replicas});
  topic->configs = spec.configs;
  if (created) *created = topic;
  if (validate_only) return {};

  // AdminZkClient.createTopicWithAssignment: the config first, then the assignment (the
  // controller acts on the assignment and must find the config in place).
  rc = set_or_create(zk_, topic_config_path(spec.name), encode_entity_config(spec.configs));
  if (!zk_ok(rc)) return zk_failure("cannot write " + topic_config_path(spec.name), rc);
  TopicZNode znode;
  znode.topic_id = topic->topic_id;
  for (size_t p = 0; p < assignment.size(); ++p) {
    znode.partitions[static_cast<int32_t>(p)] = assignment[p];
  }
  rc = zk_.create(topic_path(spec.name), encode_topic_znode(znode), CreateMode::kPersistent);
  if (rc == ZkCode::kNodeExists) {
    return topic_already_exists(spec.name);
  }
  if (!zk_ok(rc)) return zk_failure("cannot create " + topic_path(spec.name), rc);
  auto topics = snapshot()->topics;
  topics[spec.name] = topic;
  publish(std::move(topics));
  return {};
}

StoreStatus ZkMetadataStore::delete_topic(const std::string& name) {
  std::lock_guard lock(mu_);
  ZkCode rc = zk_.exists(topic_path(name));
  if (rc == ZkCode::kNoNode) {
    return {ErrorCode::kUnknownTopicOrPartition, "This server does not host this topic-partition."};
  }
  if (!zk_ok(rc)) return zk_failure("cannot check topic " + name, rc);
  // The controller does the rest (StopReplica, then the znodes). Marking twice is fine.
  rc = zk_.create(delete_topic_path(name), "", CreateMode::kPersistent);
  if (rc == ZkCode::kNoNode) {
    rc = zk_.create_recursive("/admin/delete_topics");
    if (zk_ok(rc)) rc = zk_.create(delete_topic_path(name), "", CreateMode::kPersistent);
  }
  if (!zk_ok(rc) && rc != ZkCode::kNodeExists) {
    return zk_failure("cannot create " + delete_topic_path(name), rc);
  }
  return {};
}

StoreStatus ZkMetadataStore::create_partitions(const std::string& name, int32_t new_count,
                                               const std::vector<std::vector<int32_t>>& assignment,
                                               bool validate_only) {
  std::lock_guard lock(mu_);
  std::string data;
  ZkStat stat;
  ZkCode rc = zk_.get(topic_path(name), &data, &stat);
  if (rc == ZkCode::kNoNode) {
    return unknown_topic(name);
  }
  if (!zk_ok(rc)) return zk_failure("cannot read " + topic_path(name), rc);
  auto znode = decode_topic_znode(data);
  if (!znode || znode->partitions.empty()) {
    return {ErrorCode::kUnknownServerError, "cannot parse " + topic_path(name) + ": " + data};
  }
  if (zk_.exists(delete_topic_path(name)) == ZkCode::kOk) {
    return {ErrorCode::kInvalidTopicException, "The topic '" + name + "' is marked for deletion."};
  }
  int32_t old_count = static_cast<int32_t>(znode->partitions.size());
  if (StoreStatus st = check_partition_increase(old_count, new_count); !st.ok()) return st;
  std::vector<int32_t> live = live_brokers();
  std::vector<std::vector<int32_t>> extra = assignment;
  if (!extra.empty()) {
    if (static_cast<int32_t>(extra.size()) != new_count - old_count) {
      return {ErrorCode::kInvalidReplicaAssignment,
              "Increasing the number of partitions by " + std::to_string(new_count - old_count) +
                  " but " + std::to_string(extra.size()) + " assignments provided."};
    }
    StoreStatus st = check_assignment(extra, live);
    if (!st.ok()) return st;
  } else {
    const auto& p0 = znode->partitions.begin()->second;
    std::string error;
    extra = assign_replicas_rack_unaware(
        live, new_count - old_count, static_cast<int32_t>(p0.size()),
        start_index_for_added_partitions(live, p0.empty() ? 0 : p0.front()), old_count, &error);
    if (extra.empty()) return {ErrorCode::kInvalidReplicationFactor, error};
  }
  if (validate_only) return {};
  for (size_t i = 0; i < extra.size(); ++i) {
    znode->partitions[old_count + static_cast<int32_t>(i)] = extra[i];
  }
  rc = zk_.set(topic_path(name), encode_topic_znode(*znode), stat.version);
  if (rc == ZkCode::kBadVersion) {
    return {ErrorCode::kReassignmentInProgress,
            "The topic '" + name + "' changed while partitions were added; retry."};
  }
  if (!zk_ok(rc)) return zk_failure("cannot write " + topic_path(name), rc);
  auto topics = snapshot()->topics;
  if (auto it = topics.find(name); it != topics.end()) {
    auto t = std::make_shared<TopicMetadata>(*it->second);
    for (auto& replicas : extra) t->partitions.push_back({replicas});
    it->second = std::move(t);
    publish(std::move(topics));
  }
  return {};
}

StoreStatus ZkMetadataStore::set_topic_configs(const std::string& name,
                                               const std::map<std::string, std::string>& configs) {
  std::lock_guard lock(mu_);
  ZkCode rc = zk_.exists(topic_path(name));
  if (rc == ZkCode::kNoNode) {
    return unknown_topic(name);
  }
  if (!zk_ok(rc)) return zk_failure("cannot check topic " + name, rc);
  rc = set_or_create(zk_, topic_config_path(name), encode_entity_config(configs));
  if (!zk_ok(rc)) return zk_failure("cannot write " + topic_config_path(name), rc);
  // Every broker (this one included) applies it from the notification.
  rc = zk_.create(std::string(kConfigChanges) + "/" + kConfigChangePrefix,
                  encode_config_change("topics/" + name), CreateMode::kPersistentSequential);
  if (!zk_ok(rc)) return zk_failure("cannot write a config change notification", rc);
  auto topics = snapshot()->topics;
  if (auto it = topics.find(name); it != topics.end()) {
    auto t = std::make_shared<TopicMetadata>(*it->second);
    t->configs = configs;
    it->second = std::move(t);
    publish(std::move(topics));
  }
  return {};
}

}  // namespace fjord::zk
