// A GoogleTest suite with one real ZooKeeper (the integration harness's, from the kafka-3.9.0
// jars) shared by its tests, and sessions to it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration-tests/harness/zookeeper.h"
#include "zk/zookeeper_client.h"

namespace fjord::zk {

class ZooKeeperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new itest::ZooKeeper();
    server_->start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // "/<name of the running test>": a chroot of the test's own.
  static std::string test_chroot() {
    return std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  // A session under `chroot` ("" for the root); one that cannot connect is a test failure and
  // nullptr.
  static std::unique_ptr<ZooKeeperClient> connect_session(
      const std::string& chroot, int session_timeout_ms,
      int connection_timeout_ms = ZooKeeperClientOptions{}.connection_timeout_ms) {
    ZooKeeperClientOptions o;
    o.connect = server_->connect_string() + chroot;
    o.session_timeout_ms = session_timeout_ms;
    o.connection_timeout_ms = connection_timeout_ms;
    std::string error;
    auto c = ZooKeeperClient::connect(o, &error);
    EXPECT_TRUE(c) << error;
    return c;
  }

  static inline itest::ZooKeeper* server_ = nullptr;
};

}  // namespace fjord::zk
