#include "integration-tests/harness/fjord_broker.h"

#include "integration-tests/harness/paths.h"

namespace fjord::itest {

FjordBroker::FjordBroker(BrokerConfig config) : Broker(Target::kFjord, std::move(config)) {}

FjordBroker::~FjordBroker() = default;

std::optional<std::string> FjordBroker::unavailable_reason() const {
  if (!std::filesystem::exists(server_binary())) {
    return server_binary().string() + " is not built (set FJORD_TEST_TARGET=kafka to run " +
           "this test against Apache Kafka)";
  }
  return std::nullopt;
}

void FjordBroker::add_target_properties(std::map<std::string, std::string>& properties) {
  properties["broker.id"] = std::to_string(id());
}

std::vector<std::string> FjordBroker::command() {
  return {server_binary().string(), properties_file().string()};
}

}  // namespace fjord::itest
