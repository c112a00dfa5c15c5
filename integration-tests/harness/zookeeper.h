// A real single-server ZooKeeper for cluster tests, started from the ZooKeeper jar that the
// kafka-3.9.0 bundle carries (org.apache.zookeeper.server.ZooKeeperServerMain), listening on
// 127.0.0.1 only, with its data in a temp dir removed at the end. The admin HTTP server is off.
// A short tick (500 ms) lets sessions of killed brokers expire within seconds.
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "integration-tests/harness/process.h"
#include "integration-tests/harness/temp_dir.h"

namespace fjord::itest {

class ZooKeeper {
 public:
  ZooKeeper();
  ~ZooKeeper();
  ZooKeeper(const ZooKeeper&) = delete;
  ZooKeeper& operator=(const ZooKeeper&) = delete;

  // Returns once it answers "ruok" with "imok". Throws HarnessError (with the log tail).
  void start(std::chrono::milliseconds timeout = 60s);
  void stop();

  uint16_t port() const { return port_; }
  // For zookeeper.connect: "127.0.0.1:<port>".
  std::string connect_string() const;
  std::filesystem::path log_file() const { return dir_ / "zookeeper.log"; }

 private:
  TempDir dir_;
  uint16_t port_;
  Process process_;
};

// Sends a ZooKeeper four-letter command ("ruok", "srvr", ...) and returns the answer, or ""
// if the connection fails.
std::string zookeeper_four_letter(uint16_t port, std::string_view command);

}  // namespace fjord::itest
