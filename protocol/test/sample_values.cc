#include "protocol/test/sample_values.h"

#include <array>

namespace fjord::msg::sample {

std::string text(uint32_t seed) {
  std::string out = std::to_string(seed);
  out.push_back('s');
  return out;
}

Bytes bytes(uint32_t seed) {
  return Bytes{static_cast<uint8_t>(seed), 0x00, 0xff, static_cast<uint8_t>(seed >> 8)};
}

Uuid uuid(uint32_t seed) {
  Uuid u;
  for (size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = static_cast<uint8_t>(seed * 13 + i);
  return u;
}

RecordsRef records(uint32_t seed) {
  static const std::array<uint8_t, 61> kBytes = [] {
    std::array<uint8_t, 61> b{};
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 7 + 1);
    return b;
  }();
  return RecordsRef::of(ByteView(kBytes.data(), 20 + seed % 40));
}

}  // namespace fjord::msg::sample
