#include "coordinator/group_partition.h"

namespace fjord::coordinator {
namespace {

// Decodes one UTF-8 code point at s[i], advancing i; U+FFFD on malformed input.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  int len = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return 0xfffd;
  }
  if (len == 1) return byte(i++);
  uint32_t cp = b0 & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    uint8_t b = byte(i + static_cast<size_t>(k));
    if ((b & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  i += static_cast<size_t>(len);
  return cp;
}

}  // namespace

int32_t java_string_hash(std::string_view s) {
  uint32_t h = 0;  // unsigned: Java's int overflow wraps
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = next_code_point(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      h = 31 * h + (0xd800 + (cp >> 10));
      h = 31 * h + (0xdc00 + (cp & 0x3ff));
    } else {
      h = 31 * h + cp;
    }
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for_group(std::string_view group_id, int32_t num_partitions) {
  int32_t h = java_string_hash(group_id);
  int32_t abs = h == INT32_MIN ? 0 : (h < 0 ? -h : h);
  return num_partitions > 0 ? abs % num_partitions : 0;
}

}  // namespace fjord::coordinator
