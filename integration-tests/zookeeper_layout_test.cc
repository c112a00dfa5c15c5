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
#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/raw_connection.h"
#include "integration-tests/harness/wait.h"
#include "protocol/generated/leader_and_isr.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/stop_replica.h"
#include "protocol/generated/update_metadata.h"
#include "protocol/uuid.h"
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

// Starts broker 1 under `chroot` where another broker (99, never started) holds /controller, so
// no controller ever sends it a request: the test plays the controller. Returns once the
// broker has registered and accepts connections.
std::unique_ptr<Broker> start_without_controller(ZooKeeper& zookeeper, const std::string& chroot) {
  auto broker =
      make_broker({.broker_id = 1, .zookeeper_connect = zookeeper.connect_string() + chroot});
  if (broker->unavailable_reason()) return broker;
  zookeeper.start();
  auto zk = connect(zookeeper.connect_string());
  if (!zk) return nullptr;
  EXPECT_EQ(zk->create(chroot, "", zk::CreateMode::kPersistent), zk::ZkCode::kOk);
  EXPECT_EQ(zk->create(chroot + "/controller",
                       R"({"version":1,"brokerid":99,"timestamp":"1700000000000"})",
                       zk::CreateMode::kPersistent),
            zk::ZkCode::kOk);
  broker->launch();
  auto in_chroot = connect(zookeeper.connect_string() + chroot);
  if (!in_chroot) return nullptr;
  EXPECT_TRUE(wait_for([&] { return in_chroot->exists("/brokers/ids/1") == zk::ZkCode::kOk; }, 60s))
      << "the broker never registered";
  EXPECT_TRUE(wait_for_port(broker->port(), 60s));
  return broker;
}

// Until the controller's first UpdateMetadata a ZooKeeper-mode broker knows no live broker and
// no controller, and says so (Kafka's ZkMetadataCache). Fjord listed itself with controller -1,
// and librdkafka's Admin client, seeing a broker list without a controller, waited for one
// until it timed out.
TEST(ZooKeeperLayout, BeforeTheControllersFirstUpdateMetadataNoBrokerIsListed) {
  ZooKeeper zookeeper;
  auto broker = start_without_controller(zookeeper, "/c2");
  ASSERT_TRUE(broker);
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  ASSERT_FALSE(::testing::Test::HasFailure());
  std::optional<msg::MetadataResponse> m;
  ASSERT_TRUE(wait_for(
      [&] {
        m = request_once<msg::MetadataResponse>(broker->port(), msg::MetadataRequest{}, 12, 10s);
        return m.has_value();
      },
      60s));
  EXPECT_TRUE(m->brokers.empty()) << m->brokers.size() << " broker(s) listed, the first "
                                  << m->brokers.front().node_id;
  EXPECT_EQ(m->controller_id, -1);
  broker->kill();  // a clean stop would ask the missing controller for a controlled shutdown
}

// KIP-380: a controller request carries the epoch of the broker's registration it was meant for
// (the czxid of /brokers/ids/<id>); one for an earlier registration (sent before a restart and
// delivered after it) is refused with STALE_BROKER_EPOCH and changes nothing. Fjord took any
// epoch, and would have applied a StopReplica meant for the broker's previous life.
TEST(ZooKeeperLayout, ControllerRequestsForAnEarlierRegistrationAreRefused) {
  ZooKeeper zookeeper;
  auto broker = start_without_controller(zookeeper, "/c3");
  ASSERT_TRUE(broker);
  FJORD_SKIP_IF_UNAVAILABLE(*broker);
  ASSERT_FALSE(::testing::Test::HasFailure());
  zk::ZkStat stat;
  {
    auto zk = connect(zookeeper.connect_string() + "/c3");
    ASSERT_EQ(zk->exists("/brokers/ids/1", &stat), zk::ZkCode::kOk);
  }
  const int64_t epoch = stat.czxid;
  constexpr int16_t kStaleBrokerEpoch = 77;
  const Uuid topic_id = random_uuid();

  msg::LeaderAndIsrRequest lai;
  lai.controller_id = 99;
  lai.controller_epoch = 1;
  lai.broker_epoch = epoch - 1;
  lai.topic_states.push_back({.topic_name = "stale", .topic_id = topic_id});
  lai.topic_states[0].partition_states.push_back({.partition_index = 0,
                                                  .controller_epoch = 1,
                                                  .leader = 1,
                                                  .leader_epoch = 0,
                                                  .isr = {1},
                                                  .partition_epoch = 0,
                                                  .replicas = {1},
                                                  .is_new = true});
  lai.live_leaders.push_back({.broker_id = 1, .host_name = "127.0.0.1", .port = broker->port()});
  auto r = request_once<msg::LeaderAndIsrResponse>(broker->port(), lai, 5, 30s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_code, kStaleBrokerEpoch);
  ASSERT_EQ(r->topics.size(), 1u);
  ASSERT_EQ(r->topics[0].partition_errors.size(), 1u);
  EXPECT_EQ(r->topics[0].partition_errors[0].error_code, kStaleBrokerEpoch);
  EXPECT_FALSE(std::filesystem::exists(broker->data_dir() / "stale-0")) << "a log was created";

  msg::StopReplicaRequest stop;
  stop.controller_id = 99;
  stop.controller_epoch = 1;
  stop.broker_epoch = epoch - 1;
  stop.topic_states.push_back({.topic_name = "stale"});
  stop.topic_states[0].partition_states.push_back(
      {.partition_index = 0, .leader_epoch = 0, .delete_partition = true});
  auto s = request_once<msg::StopReplicaResponse>(broker->port(), stop, 3, 30s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->error_code, kStaleBrokerEpoch);
  EXPECT_TRUE(s->partition_errors.empty());

  msg::UpdateMetadataRequest um;
  um.controller_id = 99;
  um.controller_epoch = 1;
  um.broker_epoch = epoch - 1;
  um.live_brokers.push_back({.id = 1,
                             .endpoints = {{.port = broker->port(),
                                            .host = "127.0.0.1",
                                            .listener = "PLAINTEXT",
                                            .security_protocol = 0}},
                             .rack = std::nullopt});
  auto u = request_once<msg::UpdateMetadataResponse>(broker->port(), um, 7, 30s);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->error_code, kStaleBrokerEpoch);
  auto m = request_once<msg::MetadataResponse>(broker->port(), msg::MetadataRequest{}, 12, 10s);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->brokers.empty()) << "the stale UpdateMetadata was applied";

  // The current epoch (and -1, from a controller that predates KIP-380) is taken.
  um.broker_epoch = epoch;
  u = request_once<msg::UpdateMetadataResponse>(broker->port(), um, 7, 30s);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->error_code, 0);
  m = request_once<msg::MetadataResponse>(broker->port(), msg::MetadataRequest{}, 12, 10s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->brokers.size(), 1u);
  EXPECT_EQ(m->controller_id, 99);
  lai.broker_epoch = -1;
  r = request_once<msg::LeaderAndIsrResponse>(broker->port(), lai, 5, 30s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error_code, 0);
  ASSERT_EQ(r->topics.size(), 1u);
  ASSERT_EQ(r->topics[0].partition_errors.size(), 1u);
  EXPECT_EQ(r->topics[0].partition_errors[0].error_code, 0);
  broker->kill();
}

}  // namespace
}  // namespace fjord::itest
