// The API table: one row per Kafka API that Fjord has a codec for (generated from
// protocol/schema/*.schema into protocol/generated/api_table.cc), with its version range,
// first flexible version and the Kafka process kinds that serve it in Kafka 3.9. The server
// drives both request dispatch and the ApiVersions answer from this one table, so the two
// cannot disagree (it intersects the table with the handlers it really has).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/generated/api_keys.h"

namespace fjord {

// Which Kafka 3.9 processes serve an API ("listeners" in Kafka's message definitions).
enum ApiListener : uint8_t {
  kListenZkBroker = 1,    // a ZooKeeper-mode broker: what Fjord is
  kListenBroker = 2,      // a KRaft broker
  kListenController = 4,  // a KRaft controller
};

struct ApiInfo {
  int16_t key;
  std::string_view name;
  int16_t min_version;
  int16_t max_version;
  int16_t flexible_from;   // first flexible version, -1 if none
  int16_t deprecated_max;  // versions <= this are deprecated (KIP-896), -1 if none
  uint8_t listeners;       // ApiListener bits

  bool supports(int16_t version) const { return version >= min_version && version <= max_version; }
  bool is_flexible(int16_t version) const { return flexible_from >= 0 && version >= flexible_from; }
  // Request header v2 for flexible versions, else v1 (v0 only for ControlledShutdown v0).
  // Also defined for versions above max_version, so a newer client's ApiVersions request can
  // still be parsed and answered.
  int16_t request_header_version(int16_t version) const;
  // Response header v1 for flexible versions, else v0; ApiVersions always answers with v0,
  // because a client cannot know the broker's versions before the answer (KIP-511).
  int16_t response_header_version(int16_t version) const;
};

// All APIs, ordered by key.
std::span<const ApiInfo> all_apis();

// The row for `key`, or nullptr for a key Fjord has no codec for.
const ApiInfo* find_api(int16_t key);
inline const ApiInfo* find_api(ApiKey key) { return find_api(static_cast<int16_t>(key)); }

}  // namespace fjord
