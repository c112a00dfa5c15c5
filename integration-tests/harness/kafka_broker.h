// KafkaBroker runs Apache Kafka 3.9 (kafka.Kafka from the kafka-3.9.0 jar bundle, -Xmx512m).
// Alone it runs in KRaft combined mode (process.roles=broker,controller, a controller listener
// on a second free port); the storage is formatted with kafka.tools.StorageTool before the
// first launch. With zookeeper.connect it runs in ZooKeeper mode with broker.id.
#pragma once

#include <memory>

#include "integration-tests/harness/broker.h"
#include "integration-tests/harness/java_tool.h"

namespace fjord::itest {

class KafkaBroker final : public Broker {
 public:
  explicit KafkaBroker(BrokerConfig config);
  ~KafkaBroker() override;

  std::optional<std::string> unavailable_reason() const override;

 protected:
  void add_target_properties(std::map<std::string, std::string>& properties) override;
  void prepare() override;
  std::vector<std::string> command() override;

 private:
  bool kraft() const { return config().zookeeper_connect.empty(); }
  std::unique_ptr<JavaTool> jars_;  // fetched lazily: unavailable_reason() must not need them
  uint16_t controller_port_ = 0;
};

}  // namespace fjord::itest
