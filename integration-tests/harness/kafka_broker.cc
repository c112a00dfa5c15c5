#include "integration-tests/harness/kafka_broker.h"

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/ports.h"
#include "protocol/uuid.h"

namespace fjord::itest {
namespace {

constexpr std::string_view kBundle = "kafka-3.9.0";


}  // namespace

KafkaBroker::KafkaBroker(BrokerConfig config) : Broker(Target::kKafka, std::move(config)) {}

KafkaBroker::~KafkaBroker() = default;

std::optional<std::string> KafkaBroker::unavailable_reason() const {
  if (std::system("command -v java >/dev/null 2>&1") != 0) {
    return "java is not installed (tools/install-deps.sh installs it)";
  }
  return std::nullopt;
}

void KafkaBroker::add_target_properties(std::map<std::string, std::string>& properties) {
  if (!kraft()) {
    properties["broker.id"] = std::to_string(id());
    return;
  }
  if (controller_port_ == 0) controller_port_ = free_port();
  const std::string controller = "127.0.0.1:" + std::to_string(controller_port_);
  properties["process.roles"] = "broker,controller";
  properties["node.id"] = std::to_string(id());
  properties["controller.quorum.voters"] = std::to_string(id()) + "@" + controller;
  properties["listeners"] += ",CONTROLLER://" + controller;
  properties["controller.listener.names"] = "CONTROLLER";
  properties["listener.security.protocol.map"] = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT";
  properties["inter.broker.listener.name"] = "PLAINTEXT";
}

void KafkaBroker::prepare() {
  if (!jars_) jars_ = std::make_unique<JavaTool>(kBundle);
  if (!kraft() || std::filesystem::exists(data_dir() / "meta.properties")) return;
  CommandResult r = jars_->run(
      "kafka.tools.StorageTool",
      {"format", "-t", uuid_to_base64(random_uuid()), "-c", properties_file().string(),
       "--ignore-formatted"},
      {.timeout = 120s});
  if (!r.ok()) throw HarnessError("kafka.tools.StorageTool format failed: " + r.describe());
}

std::vector<std::string> KafkaBroker::command() {
  return jars_->command("kafka.Kafka", {properties_file().string()}, {"-Xmx512m", "-Xms256m"});
}

}  // namespace fjord::itest
