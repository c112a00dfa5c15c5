#include "zk/broker_registration.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

namespace fjord::zk {

using nlohmann::json;

const std::vector<std::string>& persistent_zk_paths() {
  static const std::vector<std::string> paths = {
      "/consumers",          "/brokers/ids",  "/brokers/topics",
      "/config/changes",     "/admin/delete_topics",
      "/brokers/seqid",      "/isr_change_notification",
      "/latest_producer_id_block", "/log_dir_event_notification",
      "/config/topics",      "/config/clients", "/config/users",
      "/config/brokers",     "/config/ips"};
  return paths;
}

ZkCode ensure_persistent_paths(ZooKeeperClient& zk) {
  for (const std::string& path : persistent_zk_paths()) {
    ZkCode rc = zk.create_recursive(path);
    if (!zk_ok(rc)) return rc;
  }
  return ZkCode::kOk;
}

std::optional<std::string> get_or_create_cluster_id(ZooKeeperClient& zk,
                                                    const std::string& fresh_id,
                                                    std::string* error) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string data;
    ZkCode rc = zk.get("/cluster/id", &data);
    if (rc == ZkCode::kOk) {
      json j = json::parse(data, nullptr, false);
      if (j.is_object() && j.contains("id") && j["id"].is_string()) {
        return j["id"].get<std::string>();
      }
      *error = "/cluster/id in ZooKeeper is not {\"version\":\"1\",\"id\":...}: " + data;
      return std::nullopt;
    }
    if (rc != ZkCode::kNoNode) {
      *error = std::string("cannot read /cluster/id from ZooKeeper: ") + zk_code_name(rc);
      return std::nullopt;
    }
    std::string text = json{{"version", "1"}, {"id", fresh_id}}.dump();
    rc = zk.create("/cluster/id", text, CreateMode::kPersistent);
    if (rc == ZkCode::kNoNode) rc = zk.create_recursive("/cluster") == ZkCode::kOk
                                        ? zk.create("/cluster/id", text, CreateMode::kPersistent)
                                        : rc;
    if (rc == ZkCode::kOk) return fresh_id;
    if (rc != ZkCode::kNodeExists) {
      *error = std::string("cannot create /cluster/id in ZooKeeper: ") + zk_code_name(rc);
      return std::nullopt;
    }
  }
  *error = "cannot read or create /cluster/id in ZooKeeper";
  return std::nullopt;
}

std::string broker_znode_json(const BrokerInfo& info, int64_t timestamp_ms) {
  json endpoints = json::array();
  json protocol_map = json::object();
  const BrokerEndpoint* plaintext = nullptr;
  for (const BrokerEndpoint& e : info.endpoints) {
    endpoints.push_back(e.listener + "://" + e.host + ":" + std::to_string(e.port));
    protocol_map[e.listener] = e.security_protocol;
    if (plaintext == nullptr && e.security_protocol == "PLAINTEXT") plaintext = &e;
  }
  json j = json::object();
  j["version"] = 5;
  j["host"] = plaintext ? json(plaintext->host) : json(nullptr);
  j["port"] = plaintext ? plaintext->port : -1;
  j["jmx_port"] = info.jmx_port;
  j["timestamp"] = std::to_string(timestamp_ms);
  j["endpoints"] = endpoints;
  j["listener_security_protocol_map"] = protocol_map;
  if (info.rack) j["rack"] = *info.rack;
  j["features"] = json::object();
  return j.dump();
}

std::optional<BrokerInfo> parse_broker_znode(int32_t id, const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("version")) return std::nullopt;
  try {
    BrokerInfo info;
    info.id = id;
    int version = j.at("version").get<int>();
    info.jmx_port = j.value("jmx_port", -1);
    if (j.contains("rack") && j["rack"].is_string()) info.rack = j["rack"].get<std::string>();
    if (version == 1) {
      info.endpoints.push_back({"PLAINTEXT", j.at("host").get<std::string>(),
                                j.at("port").get<int32_t>(), "PLAINTEXT"});
      return info;
    }
    std::map<std::string, std::string> protocols;
    if (j.contains("listener_security_protocol_map")) {
      protocols = j["listener_security_protocol_map"].get<std::map<std::string, std::string>>();
    }
    for (const json& e : j.at("endpoints")) {
      // LISTENER://host:port (the host may be an IPv6 literal in brackets).
      std::string s = e.get<std::string>();
      size_t scheme = s.find("://");
      size_t colon = s.rfind(':');
      if (scheme == std::string::npos || colon == std::string::npos || colon < scheme + 3) {
        return std::nullopt;
      }
      BrokerEndpoint ep;
      ep.listener = s.substr(0, scheme);
      ep.host = s.substr(scheme + 3, colon - scheme - 3);
      if (ep.host.size() >= 2 && ep.host.front() == '[') ep.host = ep.host.substr(1, ep.host.size() - 2);
      ep.port = std::stoi(s.substr(colon + 1));
      auto p = protocols.find(ep.listener);
      ep.security_protocol = p != protocols.end() ? p->second : ep.listener;
      info.endpoints.push_back(std::move(ep));
    }
    return info;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool register_broker(ZooKeeperClient& zk, const BrokerInfo& info, std::string* error,
                     int64_t* czxid) {
  const std::string path = "/brokers/ids/" + std::to_string(info.id);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string text = broker_znode_json(info, now);
  ZkCode rc = zk.create(path, text, CreateMode::kEphemeral);
  if (rc == ZkCode::kNoNode) {
    rc = zk.create_recursive("/brokers/ids");
    if (zk_ok(rc)) rc = zk.create(path, text, CreateMode::kEphemeral);
  }
  if (rc == ZkCode::kNodeExists) {
    ZkStat stat;
    ZkCode got = zk.get(path, nullptr, &stat);
    if (got == ZkCode::kOk && stat.ephemeral_owner == zk.session_id()) rc = ZkCode::kOk;
    if (rc != ZkCode::kOk) {
      *error = fmt::format(
          "Error while creating ephemeral at {}, node already exists and owner '0x{:x}' does "
          "not match current session '0x{:x}' (is another broker running with broker.id={}?)",
          path, stat.ephemeral_owner, zk.session_id(), info.id);
      return false;
    }
  }
  if (!zk_ok(rc)) {
    *error = "cannot register broker " + std::to_string(info.id) + " at " + path + ": " +
             zk_code_name(rc);
    return false;
  }
  if (czxid) {
    ZkStat stat;
    if (zk_ok(zk.exists(path, &stat))) *czxid = stat.czxid;
  }
  std::string addresses;
  for (const auto& e : info.endpoints) {
    if (!addresses.empty()) addresses += ", ";
    addresses += e.listener + "://" + e.host + ":" + std::to_string(e.port);
  }
  spdlog::info("Registered broker {} at path {} with addresses: {}", info.id, path, addresses);
  return true;
}

}  // namespace fjord::zk
