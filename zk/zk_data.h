// Kafka's znode paths and JSON (kafka.zk.ZkData, 2.8-3.9) for topics, partition state, configs,
// the controller and change notifications. Encoders write what Kafka 3.9 writes; decoders also
// accept what older writers left (a topic znode without topic_id from 2.8's kafka-topics).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/uuid.h"

namespace fjord::zk {

inline std::string topic_path(const std::string& t) { return "/brokers/topics/" + t; }
inline std::string partitions_path(const std::string& t) { return topic_path(t) + "/partitions"; }
inline std::string partition_path(const std::string& t, int32_t p) {
  return partitions_path(t) + "/" + std::to_string(p);
}
inline std::string partition_state_path(const std::string& t, int32_t p) {
  return partition_path(t, p) + "/state";
}
inline std::string topic_config_path(const std::string& t) { return "/config/topics/" + t; }
inline std::string delete_topic_path(const std::string& t) { return "/admin/delete_topics/" + t; }

// /brokers/topics/<t>: version 3 with topic_id, adding_replicas and removing_replicas.
struct TopicZNode {
  std::optional<Uuid> topic_id;                       // absent when written by 2.8 tools
  std::map<int32_t, std::vector<int32_t>> partitions;  // partition -> replicas
};
std::string encode_topic_znode(const TopicZNode& t);
std::optional<TopicZNode> decode_topic_znode(const std::string& json);

// /brokers/topics/<t>/partitions/<p>/state.
struct LeaderIsrAndEpoch {
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;
  int32_t leader_recovery_state = 0;
  int32_t zk_version = -1;  // of the state znode (not in the JSON)
};
std::string encode_partition_state(const LeaderIsrAndEpoch& s);
std::optional<LeaderIsrAndEpoch> decode_partition_state(const std::string& json);

// /config/<type>/<name>: {"version":1,"config":{...}} (values are strings).
std::string encode_entity_config(const std::map<std::string, std::string>& config);
std::optional<std::map<std::string, std::string>> decode_entity_config(const std::string& json);
// /config/changes/config_change_<seq>: {"version":2,"entity_path":"topics/<t>"}.
std::string encode_config_change(const std::string& entity_path);
std::optional<std::string> decode_config_change(const std::string& json);

// /controller: {"version":2,"brokerid":1,"timestamp":"<ms>","kraftControllerEpoch":-1}.
std::string encode_controller(int32_t broker_id, int64_t timestamp_ms);
std::optional<int32_t> decode_controller(const std::string& json);

}  // namespace fjord::zk
