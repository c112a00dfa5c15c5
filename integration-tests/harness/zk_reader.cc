#include "integration-tests/harness/zk_reader.h"

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/wait.h"

namespace fjord::itest {

using nlohmann::json;

ZkReader::ZkReader(const std::string& connect_string) {
  zk::ZooKeeperClientOptions o;
  o.connect = connect_string;
  o.session_timeout_ms = 30000;
  std::string error;
  zk_ = zk::ZooKeeperClient::connect(o, &error);
  if (!zk_) throw HarnessError("connecting to ZooKeeper at " + connect_string + ": " + error);
}

std::optional<json> ZkReader::read(const std::string& path, zk::ZkStat* stat) {
  std::string data;
  if (zk_->get(path, &data, stat) != zk::ZkCode::kOk) return std::nullopt;
  json j = json::parse(data, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

int32_t ZkReader::controller_id() {
  auto j = read("/controller");
  return j ? (*j)["brokerid"].get<int32_t>() : -1;
}

int32_t ZkReader::controller_epoch() {
  auto j = read("/controller_epoch");
  return j ? j->get<int32_t>() : -1;
}

int32_t ZkReader::wait_for_controller(std::chrono::milliseconds timeout, int32_t other_than) {
  int32_t id = -1;
  bool found = wait_for(
      [&] {
        id = controller_id();
        return id > 0 && id != other_than;
      },
      timeout);
  return found ? id : -1;
}

std::optional<json> ZkReader::state(const std::string& topic, int32_t p, zk::ZkStat* stat) {
  return read("/brokers/topics/" + topic + "/partitions/" + std::to_string(p) + "/state", stat);
}

int32_t ZkReader::leader(const std::string& topic, int32_t p) {
  auto s = state(topic, p);
  return s ? (*s)["leader"].get<int32_t>() : -1;
}

std::vector<int32_t> ZkReader::isr(const std::string& topic, int32_t p) {
  auto s = state(topic, p);
  return s ? (*s)["isr"].get<std::vector<int32_t>>() : std::vector<int32_t>{};
}

std::vector<int32_t> ZkReader::replicas(const std::string& topic, int32_t p) {
  auto j = read("/brokers/topics/" + topic);
  if (!j) return {};
  return (*j)["partitions"][std::to_string(p)].get<std::vector<int32_t>>();
}

}  // namespace fjord::itest
