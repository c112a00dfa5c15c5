// FjordBroker runs <build>/bin/fjord-server <server.properties> (see paths.h server_binary()).
#pragma once

#include "integration-tests/harness/broker.h"

namespace fjord::itest {

class FjordBroker final : public Broker {
 public:
  explicit FjordBroker(BrokerConfig config);
  ~FjordBroker() override;

  std::optional<std::string> unavailable_reason() const override;

 protected:
  void add_target_properties(std::map<std::string, std::string>& properties) override;
  std::vector<std::string> command() override;
};

}  // namespace fjord::itest
