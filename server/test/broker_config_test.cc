#include "server/broker_config.h"

#include <gtest/gtest.h>

#include "server/config_def.h"

namespace fjord {
namespace {

BrokerConfig load(const std::string& text, std::vector<std::string>* warnings = nullptr) {
  std::string error;
  auto c = BrokerConfig::from_properties(parse_properties(text), &error, warnings);
  EXPECT_TRUE(c.has_value()) << error;
  return *c;
}

TEST(BrokerConfigTest, KafkaDefaultsApplyWhenKeysAreAbsent) {
  BrokerConfig c = load("broker.id=0\n");
  EXPECT_EQ(c.broker_id(), 0);
  EXPECT_EQ(c.get_int("num.partitions"), 1);
  EXPECT_EQ(c.get_long("log.segment.bytes"), 1073741824);
  EXPECT_EQ(c.get_int("message.max.bytes"), 1048588);
  EXPECT_EQ(c.get_int("socket.request.max.bytes"), 104857600);
  EXPECT_EQ(c.get_int("offsets.topic.num.partitions"), 50);
  EXPECT_TRUE(c.get_bool("auto.create.topics.enable"));
  EXPECT_EQ(c.log_retention_ms(), 168LL * 3600 * 1000);
  EXPECT_EQ(c.log_dirs(), std::vector<std::string>{"/tmp/kafka-logs"});
  ASSERT_EQ(c.listeners().size(), 1u);
  EXPECT_EQ(c.listeners()[0].name, "PLAINTEXT");
  EXPECT_EQ(c.listeners()[0].host, "");
  EXPECT_EQ(c.listeners()[0].port, 9092);
}

TEST(BrokerConfigTest, RetentionAndRollPrecedenceFollowKafka) {
  EXPECT_EQ(load("log.retention.hours=1\n").log_retention_ms(), 3600000);
  EXPECT_EQ(load("log.retention.hours=1\nlog.retention.minutes=2\n").log_retention_ms(), 120000);
  EXPECT_EQ(load("log.retention.minutes=2\nlog.retention.ms=5\n").log_retention_ms(), 5);
  EXPECT_EQ(load("log.roll.hours=2\n").log_roll_ms(), 7200000);
  EXPECT_EQ(load("log.roll.hours=2\nlog.roll.ms=10\n").log_roll_ms(), 10);
}

TEST(BrokerConfigTest, LogDirsWinsOverLogDir) {
  EXPECT_EQ(load("log.dir=/x\nlog.dirs=/a, /b\n").log_dirs(),
            (std::vector<std::string>{"/a", "/b"}));
}

TEST(BrokerConfigTest, ListenersAndAdvertisedListeners) {
  BrokerConfig c = load(
      "listeners=PLAINTEXT://127.0.0.1:9092,INTERNAL://[::1]:9093\n"
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\n"
      "advertised.listeners=PLAINTEXT://broker1:19092\n");
  ASSERT_EQ(c.listeners().size(), 2u);
  EXPECT_EQ(c.listeners()[1].name, "INTERNAL");
  EXPECT_EQ(c.listeners()[1].host, "::1");
  EXPECT_EQ(c.listeners()[1].port, 9093);
  ASSERT_EQ(c.advertised_listeners().size(), 1u);
  EXPECT_EQ(c.advertised_listeners()[0].host, "broker1");
  EXPECT_EQ(c.advertised_listeners()[0].port, 19092);
}

// The error for a configuration Kafka would refuse (or one Fjord cannot serve).
std::string refusal(const std::string& text) {
  std::string error;
  EXPECT_FALSE(BrokerConfig::from_properties(parse_properties(text), &error, nullptr)) << text;
  return error;
}

TEST(BrokerConfigTest, ListenerNamesAndProtocolsAreCaseInsensitive) {
  BrokerConfig c = load(
      "listeners=plaintext://127.0.0.1:9092,internal://127.0.0.1:9093\n"
      "listener.security.protocol.map=Internal:plaintext,PLAINTEXT:PLAINTEXT\n");
  ASSERT_EQ(c.listeners().size(), 2u);
  EXPECT_EQ(c.listeners()[0].name, "PLAINTEXT");
  EXPECT_EQ(c.listeners()[1].name, "INTERNAL");
  EXPECT_EQ(c.listeners()[1].security_protocol, "PLAINTEXT");
}

TEST(BrokerConfigTest, ListenersKafkaRefusesAreRefused) {
  EXPECT_EQ(refusal("listeners=PLAINTEXT://127.0.0.1:9092,INTERNAL://localhost:9092\n"
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT\n"),
            "Each listener must have a different port, listeners: "
            "PLAINTEXT://127.0.0.1:9092,INTERNAL://localhost:9092");
  EXPECT_NE(refusal("listeners=PLAINTEXT://0.0.0.0:9092\n").find("0.0.0.0"), std::string::npos);
  EXPECT_NE(refusal("listeners=PLAINTEXT://127.0.0.1:9092\n"
                    "advertised.listeners=PLAINTEXT://0.0.0.0:9092\n")
                .find("nonroutable"),
            std::string::npos);
  EXPECT_NE(refusal("listeners=PLAINTEXT://127.0.0.1:9092\n"
                    "advertised.listeners=EXTERNAL://broker:9092\n"
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT\n")
                .find("subset"),
            std::string::npos);
  // One IPv4 and one IPv6 address may share a port; port 0 means "any free one".
  BrokerConfig dual = load(
      "listeners=PLAINTEXT://127.0.0.1:9092,V6://[::1]:9092,A://127.0.0.1:0,B://127.0.0.1:0\n"
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,V6:PLAINTEXT,A:PLAINTEXT,"
      "B:PLAINTEXT\n");
  EXPECT_EQ(dual.listeners().size(), 4u);
}

TEST(BrokerConfigTest, OnlyPlaintextListenersAreServed) {
  std::string error = refusal("listeners=SSL://127.0.0.1:9093\n");
  EXPECT_NE(error.find("SSL"), std::string::npos) << error;
  EXPECT_NE(error.find("PLAINTEXT"), std::string::npos) << error;
  EXPECT_NE(refusal("listeners=PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9093\n")
                .find("SASL_PLAINTEXT"),
            std::string::npos);
}

TEST(BrokerConfigTest, UnknownKeysWarnButDoNotAbort) {
  std::vector<std::string> warnings;
  BrokerConfig c = load("broker.id=1\nsome.plugin.setting=x\n", &warnings);
  EXPECT_EQ(warnings, std::vector<std::string>{"some.plugin.setting"});
  EXPECT_EQ(c.get("some.plugin.setting"), "x");
}

TEST(BrokerConfigTest, InvalidValuesAreRejectedWithTheKeyNamed) {
  std::string error;
  EXPECT_FALSE(BrokerConfig::from_properties(parse_properties("num.partitions=many\n"), &error,
                                             nullptr));
  EXPECT_NE(error.find("num.partitions"), std::string::npos);
  EXPECT_FALSE(BrokerConfig::from_properties(parse_properties("listeners=PLAINTEXT:9092\n"),
                                             &error, nullptr));
  EXPECT_FALSE(BrokerConfig::from_properties(
      parse_properties("listeners=FOO://:9092\n"), &error, nullptr));
  EXPECT_NE(error.find("listener.security.protocol.map"), std::string::npos);
}

TEST(BrokerConfigTest, DefinitionTableFindsEveryKey) {
  for (const ConfigDef& d : broker_config_defs()) {
    EXPECT_EQ(find_broker_config_def(d.name), &d);
  }
  EXPECT_EQ(find_broker_config_def("no.such.key"), nullptr);
}

}  // namespace
}  // namespace fjord
