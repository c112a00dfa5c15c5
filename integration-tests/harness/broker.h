// Broker is one Kafka-protocol broker process under test: Fjord itself, or Apache Kafka 3.9 as
// the reference that Fjord must match. FJORD_TEST_TARGET picks which (`fjord`, the default, or
// `kafka`), so one test runs against both:
//
//   auto broker = make_broker({.overrides = {{"num.partitions", "3"}}});
//   FJORD_SKIP_IF_UNAVAILABLE(*broker);   // gtest_skip.h: fjord-server not built yet, ...
//   broker->start();                      // returns once a Metadata request is answered
//   JavaTool kafka;  ... kafka.run(..., {"--bootstrap-server", broker->bootstrap(), ...});
//
// Both targets get the same generated server.properties (listener on 127.0.0.1:<free port>,
// log.dirs in a temp dir, test-friendly defaults below, then the caller's overrides), so the
// keys a test sets mean the same to both. Without zookeeper.connect the broker runs alone:
// Fjord with its embedded metadata, Kafka in KRaft combined mode (storage formatted first).
// With it (see Cluster), both run in ZooKeeper mode.
//
// The process is stopped (SIGTERM, then SIGKILL) and the temp dir removed on destruction.
// stop()/kill() then start() again restarts on the same port and data. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "integration-tests/harness/process.h"
#include "integration-tests/harness/temp_dir.h"

namespace fjord::itest {

using namespace std::chrono_literals;

enum class Target { kFjord, kKafka };

// FJORD_TEST_TARGET: "fjord" (or unset) or "kafka". Throws HarnessError on anything else.
Target target_from_env();
std::string_view target_name(Target target);

struct BrokerConfig {
  int32_t broker_id = 1;
  std::string zookeeper_connect;  // empty: a single broker without ZooKeeper
  // server.properties keys, applied last (they replace the generated values).
  std::map<std::string, std::string> overrides;
  uint16_t port = 0;  // 0: a free loopback port
};

class Broker {
 public:
  virtual ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Why this broker cannot run on this machine (for GTEST_SKIP), or nullopt.
  virtual std::optional<std::string> unavailable_reason() const = 0;

  // launch() + wait_until_serving(timeout).
  void start(std::chrono::milliseconds timeout = 120s);
  // Writes server.properties and starts the process without waiting.
  void launch();
  // Returns once the port accepts and a Metadata request answered by this broker lists it.
  // Throws HarnessError, with the tail of the broker's log, if the process exits or time runs
  // out (and then stops the process).
  void wait_until_serving(std::chrono::milliseconds timeout = 120s);
  // Clean shutdown: SIGTERM, then SIGKILL after grace. Returns the exit code.
  int stop(std::chrono::milliseconds grace = 30s);
  // SIGKILL, as a crash would. Returns the exit code.
  int kill();
  // Sends sig to the broker's process group, e.g. SIGSTOP and SIGCONT to freeze and resume it
  // so clients see requests time out.
  void signal(int sig);
  bool running();
  // One paragraph for a failed test's output: whether the process runs or how it exited, and
  // the last warnings and errors in its log (the log goes with the temp dir).
  std::string failure_report();

  Target target() const { return target_; }
  int32_t id() const { return config_.broker_id; }
  uint16_t port() const { return port_; }
  // "127.0.0.1:<port>", for --bootstrap-server and bootstrap.servers.
  std::string bootstrap() const;
  std::filesystem::path data_dir() const { return dir_ / "data"; }  // log.dirs
  std::filesystem::path properties_file() const { return dir_ / "server.properties"; }
  std::filesystem::path log_file() const { return dir_ / "broker.log"; }  // stdout + stderr
  // The effective server.properties (valid after launch()).
  const std::map<std::string, std::string>& properties() const { return properties_; }

 protected:
  Broker(Target target, BrokerConfig config);
  const BrokerConfig& config() const { return config_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Keys this target needs on top of the common ones (before the caller's overrides).
  virtual void add_target_properties(std::map<std::string, std::string>& properties) = 0;
  // Runs after server.properties is written and before every launch (Kafka formats storage).
  virtual void prepare() {}
  virtual std::vector<std::string> command() = 0;

 private:
  Target target_;
  BrokerConfig config_;
  TempDir dir_;  // declared before process_: the process stops before its files go
  uint16_t port_;
  std::map<std::string, std::string> properties_;
  Process process_;
};

std::unique_ptr<Broker> make_broker(BrokerConfig config = {}, Target target = target_from_env());

// server.properties text for a key/value map (sorted by key).
std::string format_properties(const std::map<std::string, std::string>& properties);

}  // namespace fjord::itest
