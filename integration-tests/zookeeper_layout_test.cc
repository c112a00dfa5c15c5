// A user points Kafka's ZooKeeper tools (zookeeper-shell, 2.8's kafka-topics --zookeeper) at a
// cluster: the znodes a broker writes at start-up are Kafka's, with Kafka's JSON. The same
// assertions run against Apache Kafka 3.9 in ZooKeeper mode (FJORD_TEST_TARGET=kafka), which
// is where the expectations come from; a chroot in zookeeper.connect is honoured.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "integration-tests/harness/cluster.h"
#include "integration-tests/harness/gtest_skip.h"
#include "integration-tests/harness/wait.h"
#include "zk/zookeeper_client.h"

namespace fjord::itest {
namespace {

using nlohmann::json;

std::unique_ptr<zk::ZooKeeperClient> connect(const std::string& connect_string) {
  zk::ZooKeeperClientOptions o;
  o.connect = connect_string;
  o.session_timeout_ms = 6000;
  o.connection_timeout_ms = 10000;
  std::string error;
  auto c = zk::ZooKeeperClient::connect(o, &error);
  if (!c) ADD_FAILURE() << error;
  return c;
}

json read_json(zk::ZooKeeperClient& zk, const std::string& path, zk::ZkStat* stat = nullptr) {
  std::string data;
  zk::ZkCode rc = zk.get(path, &data, stat);
  EXPECT_EQ(rc, zk::ZkCode::kOk) << path;
  json j = json::parse(data, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << path << ": " << data;
  return j;
}

std::string meta_properties_cluster_id(const std::filesystem::path& dir) {
  std::ifstream in(dir / "meta.properties");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cluster.id=", 0) == 0) return line.substr(11);
  }
  return "";
}

TEST(ZooKeeperLayout, BrokersRegisterAsKafkaDoes) {
  ZooKeeper zookeeper;
  // Brokers are configured with a chroot; the harness's own Cluster uses none, so this test
  // builds its two brokers by hand.
  std::vector<std::unique_ptr<Broker>> brokers;
  for (int id = 1; id <= 2; ++id) {
    brokers.push_back(make_broker({.broker_id = id,
                                   .zookeeper_connect = zookeeper.connect_string() + "/fjord/c1",
                                   .overrides = {{"offsets.topic.replication.factor", "2"}}}));
  }
  FJORD_SKIP_IF_UNAVAILABLE(*brokers.front());
  zookeeper.start();
  for (auto& b : brokers) b->start();

  auto zk = connect(zookeeper.connect_string() + "/fjord/c1");
  ASSERT_TRUE(zk);
  for (const char* path :
       {"/consumers", "/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/changes",
        "/config/topics", "/config/clients", "/config/users", "/config/brokers", "/config/ips",
        "/admin/delete_topics", "/isr_change_notification", "/latest_producer_id_block",
        "/log_dir_event_notification"}) {
    EXPECT_EQ(zk->exists(path), zk::ZkCode::kOk) << path;
  }

  // /cluster/id: {"version":"1","id":...}, the id every broker keeps in meta.properties.
  json cluster = read_json(*zk, "/cluster/id");
  EXPECT_EQ(cluster["version"], "1");
  ASSERT_TRUE(cluster["id"].is_string());
  EXPECT_EQ(cluster["id"].get<std::string>().size(), 22u);
  for (auto& b : brokers) {
    EXPECT_EQ(meta_properties_cluster_id(b->data_dir()), cluster["id"].get<std::string>());
  }

  std::vector<std::string> ids;
  ASSERT_EQ(zk->get_children("/brokers/ids", &ids), zk::ZkCode::kOk);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2"}));
  for (auto& b : brokers) {
    zk::ZkStat stat;
    json j = read_json(*zk, "/brokers/ids/" + std::to_string(b->id()), &stat);
    EXPECT_NE(stat.ephemeral_owner, 0) << "the broker znode is ephemeral";
    EXPECT_EQ(j["version"], 5);
    EXPECT_EQ(j["host"], "127.0.0.1");
    EXPECT_EQ(j["port"], b->port());
    EXPECT_EQ(j["jmx_port"], -1);
    ASSERT_TRUE(j["timestamp"].is_string());
    EXPECT_TRUE(std::regex_match(j["timestamp"].get<std::string>(), std::regex("[0-9]{13}")));
    EXPECT_EQ(j["endpoints"], json::array({"PLAINTEXT://127.0.0.1:" + std::to_string(b->port())}));
    EXPECT_EQ(j["listener_security_protocol_map"], (json{{"PLAINTEXT", "PLAINTEXT"}}));
    EXPECT_EQ(j["features"], json::object());
    EXPECT_FALSE(j.contains("rack")) << "rack is written only when broker.rack is set";
    EXPECT_EQ(j.size(), 8u) << j.dump();
  }

  // A clean stop removes the broker's znode with its session.
  brokers[1]->stop();
  EXPECT_TRUE(wait_for([&] { return zk->exists("/brokers/ids/2") == zk::ZkCode::kNoNode; }, 30s));
  // Restarted, it registers again under the same cluster id.
  brokers[1]->start();
  EXPECT_EQ(zk->exists("/brokers/ids/2"), zk::ZkCode::kOk);
  EXPECT_EQ(read_json(*zk, "/cluster/id")["id"], cluster["id"]);
}

}  // namespace
}  // namespace fjord::itest
