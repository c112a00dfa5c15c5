// BrokerConfig is server.properties after validation: every key Kafka defines is typed and
// checked against ConfigDef; unknown keys are kept and reported as warnings (Kafka logs
// "These configurations ... were supplied but are not used yet" and starts anyway).
// Immutable after load; safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/properties.h"

namespace fjord {

// One entry of `listeners` / `advertised.listeners`: NAME://host:port.
struct Listener {
  std::string name;               // listener name, e.g. PLAINTEXT or INTERNAL
  std::string host;               // empty: all interfaces
  uint16_t port = 0;
  std::string security_protocol;  // from listener.security.protocol.map
};

class BrokerConfig {
 public:
  // Validates props. On failure returns nullopt and sets *error to a message naming the key,
  // the bad value and what is expected. Unknown keys are appended to *warnings.
  static std::optional<BrokerConfig> from_properties(const Properties& props, std::string* error,
                                                     std::vector<std::string>* warnings);

  // Raw value of a key: the supplied one, else Kafka's default, else nullopt.
  std::optional<std::string> get(const std::string& name) const;
  bool supplied(const std::string& name) const { return props_.count(name) != 0; }
  const Properties& supplied_properties() const { return props_; }

  int64_t get_long(const std::string& name) const;   // key must be numeric with a default
  int32_t get_int(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  double get_double(const std::string& name) const;

  int32_t broker_id() const { return get_int("broker.id"); }
  // log.dirs if set, else log.dir (Kafka's precedence).
  std::vector<std::string> log_dirs() const;
  const std::vector<Listener>& listeners() const { return listeners_; }
  // advertised.listeners, defaulting to listeners (per listener name).
  const std::vector<Listener>& advertised_listeners() const { return advertised_; }
  // log.retention.ms > log.retention.minutes > log.retention.hours, as Kafka resolves them.
  int64_t log_retention_ms() const;
  // log.roll.ms > log.roll.hours.
  int64_t log_roll_ms() const;
  int64_t log_roll_jitter_ms() const;

 private:
  Properties props_;
  std::vector<Listener> listeners_;
  std::vector<Listener> advertised_;
};

// Parses "PLAINTEXT://host:9092,INTERNAL://:9093" with a protocol map
// "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT". Returns nullopt with *error on bad input.
std::optional<std::vector<Listener>> parse_listeners(const std::string& value,
                                                     const std::string& protocol_map,
                                                     std::string* error);

}  // namespace fjord
