#include "log/partition_metadata.h"

#include <spdlog/spdlog.h>

namespace fjord::log {

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
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::optional<Uuid> uuid_from_base64(std::string_view s) {
  if (s.size() != 22) return std::nullopt;
  Uuid id;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : s) {
    const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
    if (p == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 16) id.bytes[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return n == 16 ? std::optional<Uuid>(id) : std::nullopt;
}

Result<void> write_partition_metadata(const fs::path& dir, const Uuid& topic_id) {
  return write_file_atomically(dir / kPartitionMetadataFile,
                               "version: 0\ntopic_id: " + uuid_to_base64(topic_id) + "\n");
}

Result<Uuid> read_partition_metadata(const fs::path& dir) {
  fs::path path = dir / kPartitionMetadataFile;
  if (!file_exists(path)) return Uuid{};
  auto text = read_small_file(path);
  if (!text) return text.error();
  std::string_view t = *text;
  constexpr std::string_view kVersion = "version: 0\n";
  constexpr std::string_view kTopicId = "topic_id: ";
  if (!t.starts_with(kVersion) || t.substr(kVersion.size()).substr(0, kTopicId.size()) != kTopicId) {
    spdlog::error("Malformed partition metadata file {}", path.string());
    return ErrorCode::kCorruptMessage;
  }
  std::string_view id = t.substr(kVersion.size() + kTopicId.size());
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.remove_suffix(1);
  auto uuid = uuid_from_base64(id);
  if (!uuid) {
    spdlog::error("Malformed topic id in {}", path.string());
    return ErrorCode::kCorruptMessage;
  }
  return *uuid;
}

}  // namespace fjord::log
