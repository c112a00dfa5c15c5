#include "integration-tests/harness/kafka_broker.h"

#include <random>

#include "integration-tests/harness/harness_error.h"
#include "integration-tests/harness/ports.h"

namespace fjord::itest {
namespace {

constexpr std::string_view kBundle = "kafka-3.9.0";

// A cluster id as Kafka's Uuid.randomUuid().toString() makes it: 16 random bytes in URL-safe
// base64 without padding. Made here to save a JVM start for `StorageTool random-uuid`.
std::string random_cluster_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  unsigned char bytes[16];
  for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(acc >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

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
      {"format", "-t", random_cluster_id(), "-c", properties_file().string(), "--ignore-formatted"},
      {.timeout = 120s});
  if (!r.ok()) throw HarnessError("kafka.tools.StorageTool format failed: " + r.describe());
}

std::vector<std::string> KafkaBroker::command() {
  return jars_->command("kafka.Kafka", {properties_file().string()}, {"-Xmx512m", "-Xms256m"});
}

}  // namespace fjord::itest
