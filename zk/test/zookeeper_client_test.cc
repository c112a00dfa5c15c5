#include "zk/zookeeper_client.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "integration-tests/harness/ports.h"
#include "integration-tests/harness/wait.h"
#include "zk/test/zookeeper_test.h"

namespace fjord::zk {
namespace {

using namespace std::chrono_literals;

class ZooKeeperClientTest : public ZooKeeperTest {
 protected:
  std::unique_ptr<ZooKeeperClient> connect(const std::string& chroot = "") {
    return connect_session(chroot, 4000, 10000);
  }

};

TEST(ConnectString, SplitsHostsAndChroot) {
  auto cs = parse_connect_string("a:1,b:2/kafka/x/");
  ASSERT_TRUE(cs);
  EXPECT_EQ(cs->hosts, "a:1,b:2");
  EXPECT_EQ(cs->chroot, "/kafka/x");
  EXPECT_EQ(parse_connect_string("a:1")->chroot, "");
  EXPECT_FALSE(parse_connect_string("a:1/x//y"));
  EXPECT_FALSE(parse_connect_string("/x"));
}

TEST_F(ZooKeeperClientTest, ChrootIsCreatedAndPathsAreRelativeToIt) {
  auto c = connect("/fjord/chroot1");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->create("/a", "hello", CreateMode::kPersistent), ZkCode::kOk);
  auto root = connect();
  std::string data;
  ASSERT_EQ(root->get("/fjord/chroot1/a", &data), ZkCode::kOk);
  EXPECT_EQ(data, "hello");
  EXPECT_EQ(root->exists("/a"), ZkCode::kNoNode);
}

TEST_F(ZooKeeperClientTest, CrudWithVersions) {
  auto c = connect("/crud");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->create("/x/y", "", CreateMode::kPersistent), ZkCode::kNoNode);
  ASSERT_EQ(c->create_recursive("/x/y/z", "leaf"), ZkCode::kOk);
  EXPECT_EQ(c->create_recursive("/x/y/z"), ZkCode::kOk);  // exists: fine
  EXPECT_EQ(c->create("/x/y/z", "", CreateMode::kPersistent), ZkCode::kNodeExists);
  ZkStat stat;
  std::string data;
  ASSERT_EQ(c->get("/x/y/z", &data, &stat), ZkCode::kOk);
  EXPECT_EQ(data, "leaf");
  EXPECT_EQ(stat.version, 0);
  EXPECT_EQ(c->set("/x/y/z", "v1", 5), ZkCode::kBadVersion);
  ASSERT_EQ(c->set("/x/y/z", "v1", 0, &stat), ZkCode::kOk);
  EXPECT_EQ(stat.version, 1);
  std::string seq;
  ASSERT_EQ(c->create("/x/s_", "", CreateMode::kPersistentSequential, &seq), ZkCode::kOk);
  EXPECT_EQ(seq, "/x/s_0000000001");  // the parent already had one child (y)
  std::vector<std::string> children;
  ASSERT_EQ(c->get_children("/x", &children), ZkCode::kOk);
  EXPECT_EQ(children.size(), 2u);
  EXPECT_EQ(c->remove("/x/y"), ZkCode::kNotEmpty);
  ASSERT_EQ(c->remove_recursive("/x"), ZkCode::kOk);
  EXPECT_EQ(c->exists("/x"), ZkCode::kNoNode);
  // A large value round-trips (more than the first read buffer).
  std::string big(100 * 1024, 'b');
  ASSERT_EQ(c->create("/big", big, CreateMode::kPersistent), ZkCode::kOk);
  ASSERT_EQ(c->get("/big", &data), ZkCode::kOk);
  EXPECT_EQ(data, big);
}

TEST_F(ZooKeeperClientTest, MultiIsAtomicAndReportsTheFailingOp) {
  auto c = connect("/multi");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->create("/epoch", "1", CreateMode::kPersistent), ZkCode::kOk);
  int failed = 0;
  // A deposed controller's write: the epoch znode's version moved on.
  ASSERT_EQ(c->set("/epoch", "2", 0), ZkCode::kOk);
  EXPECT_EQ(c->multi({ZkOp::check("/epoch", 0), ZkOp::create("/state", "s")}, &failed),
            ZkCode::kBadVersion);
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(c->exists("/state"), ZkCode::kNoNode);
  EXPECT_EQ(c->multi({ZkOp::check("/epoch", 1), ZkOp::create("/state", "s"),
                      ZkOp::set("/epoch", "3", 1)},
                     &failed),
            ZkCode::kOk);
  EXPECT_EQ(failed, -1);
  std::string data;
  ASSERT_EQ(c->get("/state", &data), ZkCode::kOk);
  EXPECT_EQ(data, "s");
  EXPECT_EQ(c->multi({ZkOp::remove("/state"), ZkOp::remove("/missing")}, &failed),
            ZkCode::kNoNode);
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(c->exists("/state"), ZkCode::kOk);
}

TEST_F(ZooKeeperClientTest, WatchesReachTheHandlersOnTheWorkerThread) {
  auto c = connect("/watch");
  ASSERT_TRUE(c);
  auto other = connect("/watch");
  std::atomic<int> data_events{0}, child_events{0}, created{0};
  c->on_change("/node", [&](ZkEvent e, const std::string& path) {
    EXPECT_EQ(path, "/node");
    if (e == ZkEvent::kCreated) ++created;
    if (e == ZkEvent::kDataChanged) ++data_events;
  });
  c->on_children("/", [&](ZkEvent e, const std::string&) {
    EXPECT_EQ(e, ZkEvent::kChildrenChanged);
    ++child_events;
  });
  EXPECT_EQ(c->exists("/node", nullptr, true), ZkCode::kNoNode);  // watches the creation
  std::vector<std::string> children;
  ASSERT_EQ(c->get_children("/", &children, true), ZkCode::kOk);
  ASSERT_EQ(other->create("/node", "a", CreateMode::kPersistent), ZkCode::kOk);
  EXPECT_TRUE(itest::wait_for([&] { return created == 1 && child_events == 1; }, 10s, 10ms));
  ASSERT_EQ(c->get("/node", nullptr, nullptr, true), ZkCode::kOk);
  ASSERT_EQ(other->set("/node", "b"), ZkCode::kOk);
  ASSERT_EQ(other->set("/node", "c"), ZkCode::kOk);  // one-shot: no second event
  EXPECT_TRUE(itest::wait_for([&] { return data_events == 1; }, 10s, 10ms));
  // A handler may call back into the client (it runs on the worker, not the C client's thread).
  std::atomic<bool> done{false};
  c->post([&] {
    std::string d;
    EXPECT_EQ(c->get("/node", &d), ZkCode::kOk);
    EXPECT_EQ(d, "c");
    done = true;
  });
  EXPECT_TRUE(itest::wait_for([&] { return done.load(); }, 10s, 10ms));
  EXPECT_EQ(data_events, 1);
}

// The metadata store and the controller of one broker both follow /brokers/topics: one
// registration must not replace the other (the controller's broker missed new topics).
TEST_F(ZooKeeperClientTest, EveryOwnerOfAPathGetsTheEvent) {
  auto c = connect("/owners");
  ASSERT_TRUE(c);
  std::atomic<int> store{0}, controller{0};
  int store_key = 0, controller_key = 0;
  c->on_children("/", [&](ZkEvent, const std::string&) { ++store; }, &store_key);
  c->on_children("/", [&](ZkEvent, const std::string&) { ++controller; }, &controller_key);
  std::vector<std::string> children;
  ASSERT_EQ(c->get_children("/", &children, true), ZkCode::kOk);
  ASSERT_EQ(c->create("/a", "", CreateMode::kPersistent), ZkCode::kOk);
  EXPECT_TRUE(itest::wait_for([&] { return store == 1 && controller == 1; }, 10s, 10ms));
  c->remove_handlers("/", &controller_key);
  ASSERT_EQ(c->get_children("/", &children, true), ZkCode::kOk);
  ASSERT_EQ(c->create("/b", "", CreateMode::kPersistent), ZkCode::kOk);
  EXPECT_TRUE(itest::wait_for([&] { return store == 2; }, 10s, 10ms));
  EXPECT_EQ(controller, 1);
}

// An owner that goes while the client lives on (the metadata store) removes all it registered:
// its handlers on every path and its session hooks; other owners keep theirs.
TEST_F(ZooKeeperClientTest, RemoveOwnerDropsItsHandlersOnEveryPath) {
  auto c = connect("/remove_owner");
  ASSERT_TRUE(c);
  std::atomic<int> gone{0}, kept{0};
  int gone_key = 0, kept_key = 0;
  c->on_children("/", [&](ZkEvent, const std::string&) { ++gone; }, &gone_key);
  c->on_change("/n", [&](ZkEvent, const std::string&) { ++gone; }, &gone_key);
  c->on_children("/", [&](ZkEvent, const std::string&) { ++kept; }, &kept_key);
  c->on_change("/n", [&](ZkEvent, const std::string&) { ++kept; }, &kept_key);
  c->remove_owner(&gone_key);
  std::vector<std::string> children;
  ASSERT_EQ(c->get_children("/", &children, true), ZkCode::kOk);
  ASSERT_EQ(c->exists("/n", nullptr, true), ZkCode::kNoNode);
  ASSERT_EQ(c->create("/n", "", CreateMode::kPersistent), ZkCode::kOk);
  EXPECT_TRUE(itest::wait_for([&] { return kept.load() == 2; }, 10s, 10ms));
  c->drain();
  EXPECT_EQ(gone.load(), 0);
}

TEST_F(ZooKeeperClientTest, DrainWaitsForWhatTheWorkerHas) {
  auto c = connect("/drain");
  ASSERT_TRUE(c);
  std::atomic<bool> running{false}, release{false}, finished{false}, queued_ran{false};
  c->post([&] {
    running = true;
    itest::wait_for([&] { return release.load(); }, 10s, 1ms);
    finished = true;
  });
  c->post([&] { queued_ran = true; });
  ASSERT_TRUE(itest::wait_for([&] { return running.load(); }, 10s, 1ms));
  std::atomic<bool> drained{false};
  std::thread waiter([&] {
    c->drain();
    EXPECT_TRUE(finished);
    EXPECT_TRUE(queued_ran);
    drained = true;
  });
  // It stays blocked while the task runs (a drain that returned early would show here).
  EXPECT_FALSE(itest::wait_for([&] { return drained.load(); }, 300ms, 5ms));
  release = true;
  EXPECT_TRUE(itest::wait_for([&] { return drained.load(); }, 10s, 5ms));
  waiter.join();

  // On the worker itself it returns at once (a store destroyed by a handler).
  std::atomic<bool> on_worker{false};
  c->post([&] {
    c->drain();
    on_worker = true;
  });
  EXPECT_TRUE(itest::wait_for([&] { return on_worker.load(); }, 10s, 5ms));
  // And once the client is closed, there is nothing to wait for.
  c->close();
  c->drain();
}

TEST_F(ZooKeeperClientTest, ExpiredSessionIsRecreatedAndHooksRun) {
  auto c = connect("/expiry");
  ASSERT_TRUE(c);
  std::atomic<int> expired{0}, fresh{0};
  c->on_session_expired([&] { ++expired; });
  c->on_new_session([&] {
    // Re-registration as a broker does it: the ephemeral node is gone, create it again.
    EXPECT_EQ(c->create("/ephemeral", "again", CreateMode::kEphemeral), ZkCode::kOk);
    ++fresh;
  });
  // The hooks of an owner that went do not run.
  std::atomic<int> gone{0};
  int gone_key = 0;
  c->on_session_expired([&] { ++gone; }, &gone_key);
  c->on_new_session([&] { ++gone; }, &gone_key);
  c->remove_owner(&gone_key);
  ASSERT_EQ(c->create("/ephemeral", "first", CreateMode::kEphemeral), ZkCode::kOk);
  const int64_t old_session = c->session_id();

  // Expire it: a second handle on the same session, then closed.
  clientid_t id{};
  id.client_id = old_session;
  std::string pw = c->session_password();
  std::memcpy(id.passwd, pw.data(), sizeof id.passwd);
  std::string hosts = "127.0.0.1:" + std::to_string(server_->port()) + "/expiry";
  zhandle_t* twin = zookeeper_init(hosts.c_str(), nullptr, 4000, &id, nullptr, 0);
  ASSERT_NE(twin, nullptr);
  EXPECT_TRUE(itest::wait_for([&] { return zoo_state(twin) == ZOO_CONNECTED_STATE; }, 10s, 10ms));
  zookeeper_close(twin);

  EXPECT_TRUE(itest::wait_for([&] { return fresh == 1; }, 30s, 20ms));
  EXPECT_EQ(expired, 1);
  EXPECT_NE(c->session_id(), old_session);
  EXPECT_TRUE(c->connected());
  std::string data;
  ZkStat stat;
  ASSERT_EQ(c->get("/ephemeral", &data, &stat), ZkCode::kOk);
  EXPECT_EQ(data, "again");
  EXPECT_EQ(stat.ephemeral_owner, c->session_id());
  EXPECT_EQ(gone.load(), 0);
}

TEST_F(ZooKeeperClientTest, ClosingRemovesEphemeralNodes) {
  auto c = connect("/close");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->create("/e", "", CreateMode::kEphemeral), ZkCode::kOk);
  c->close();
  auto other = connect("/close");
  EXPECT_EQ(other->exists("/e"), ZkCode::kNoNode);
}

TEST(ZooKeeperClientConnect, TimesOutWhenNobodyListens) {
  ZooKeeperClientOptions o;
  o.connect = "127.0.0.1:" + std::to_string(itest::free_port());
  o.session_timeout_ms = 2000;
  o.connection_timeout_ms = 500;
  std::string error;
  auto start = std::chrono::steady_clock::now();
  auto c = ZooKeeperClient::connect(o, &error);
  EXPECT_FALSE(c);
  EXPECT_NE(error.find("Timed out waiting for connection"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace fjord::zk
