#include "protocol/uuid.h"

#include <random>

namespace fjord {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string uuid_to_base64(const Uuid& id) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : id.bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<Uuid> uuid_from_base64(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  Uuid id;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
    if (p == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 16) id.bytes[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (n != 16) return std::nullopt;
  return id;
}

Uuid random_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  Uuid u;
  do {
    uint64_t hi = rng(), lo = rng();
    // Version 4, IETF variant, as java.util.UUID.randomUUID.
    hi = (hi & ~0xf000ULL) | 0x4000ULL;
    lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);
    for (int i = 0; i < 8; ++i) {
      u.bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      u.bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
    // Kafka never hands out an id whose text starts with '-': tools would read it as an
    // option (Uuid.randomUuid).
  } while (u.is_zero() || kAlphabet[u.bytes[0] >> 2] == '-');
  return u;
}

}  // namespace fjord
