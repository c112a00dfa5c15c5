#include "protocol/api.h"

#include <array>

namespace fjord {

int16_t ApiInfo::request_header_version(int16_t version) const {
  // ControlledShutdown v0 predates the client id (Kafka's ApiKeys.requestHeaderVersion).
  if (key == static_cast<int16_t>(ApiKey::kControlledShutdown) && version == 0) return 0;
  return is_flexible(version) ? 2 : 1;
}

int16_t ApiInfo::response_header_version(int16_t version) const {
  if (key == static_cast<int16_t>(ApiKey::kApiVersions)) return 0;
  return is_flexible(version) ? 1 : 0;
}

const ApiInfo* find_api(int16_t key) {
  static const auto index = [] {
    std::array<const ApiInfo*, 256> by_key{};
    for (const ApiInfo& api : all_apis()) {
      if (api.key >= 0 && static_cast<size_t>(api.key) < by_key.size()) by_key[api.key] = &api;
    }
    return by_key;
  }();
  if (key < 0 || static_cast<size_t>(key) >= index.size()) return nullptr;
  return index[static_cast<size_t>(key)];
}

}  // namespace fjord
