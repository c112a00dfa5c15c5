#include "zk/zk_data.h"

#include <nlohmann/json.hpp>

namespace fjord::zk {

using nlohmann::json;

std::string encode_topic_znode(const TopicZNode& t) {
  json parts = json::object();
  for (const auto& [p, replicas] : t.partitions) parts[std::to_string(p)] = replicas;
  json j = json::object();
  j["partitions"] = parts;
  if (t.topic_id) j["topic_id"] = uuid_to_base64(*t.topic_id);
  j["adding_replicas"] = json::object();
  j["removing_replicas"] = json::object();
  j["version"] = 3;
  return j.dump();
}

std::optional<TopicZNode> decode_topic_znode(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("partitions") || !j["partitions"].is_object()) {
    return std::nullopt;
  }
  try {
    TopicZNode t;
    for (const auto& [key, replicas] : j["partitions"].items()) {
      t.partitions[std::stoi(key)] = replicas.get<std::vector<int32_t>>();
    }
    if (j.contains("topic_id") && j["topic_id"].is_string()) {
      t.topic_id = uuid_from_base64(j["topic_id"].get<std::string>());
      if (!t.topic_id) return std::nullopt;
    }
    return t;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string encode_partition_state(const LeaderIsrAndEpoch& s) {
  json j = {{"controller_epoch", s.controller_epoch},
            {"leader", s.leader},
            {"version", 1},
            {"leader_epoch", s.leader_epoch},
            {"isr", s.isr}};
  // 3.x writes leader_recovery_state only when it is not RECOVERED (0).
  if (s.leader_recovery_state != 0) j["leader_recovery_state"] = s.leader_recovery_state;
  return j.dump();
}

std::optional<LeaderIsrAndEpoch> decode_partition_state(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    LeaderIsrAndEpoch s;
    s.leader = j.at("leader").get<int32_t>();
    s.leader_epoch = j.at("leader_epoch").get<int32_t>();
    s.isr = j.at("isr").get<std::vector<int32_t>>();
    s.controller_epoch = j.at("controller_epoch").get<int32_t>();
    s.leader_recovery_state = j.value("leader_recovery_state", 0);
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string encode_entity_config(const std::map<std::string, std::string>& config) {
  return json{{"version", 1}, {"config", config}}.dump();
}

std::optional<std::map<std::string, std::string>> decode_entity_config(const std::string& text) {
  if (text.empty()) return std::map<std::string, std::string>{};
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  if (!j.contains("config") || !j["config"].is_object()) return out;
  for (const auto& [k, v] : j["config"].items()) {
    out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

std::string encode_config_change(const std::string& entity_path) {
  return json{{"version", 2}, {"entity_path", entity_path}}.dump();
}

std::optional<std::string> decode_config_change(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("entity_path") || !j["entity_path"].is_string()) {
    return std::nullopt;
  }
  return j["entity_path"].get<std::string>();
}

std::string encode_controller(int32_t broker_id, int64_t timestamp_ms) {
  return json{{"version", 2},
              {"brokerid", broker_id},
              {"timestamp", std::to_string(timestamp_ms)},
              {"kraftControllerEpoch", -1}}
      .dump();
}

std::optional<int32_t> decode_controller(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_number_integer()) return j.get<int32_t>();  // pre-0.9 wrote the bare id
  if (!j.is_object() || !j.contains("brokerid") || !j["brokerid"].is_number_integer()) {
    return std::nullopt;
  }
  return j["brokerid"].get<int32_t>();
}

}  // namespace fjord::zk
