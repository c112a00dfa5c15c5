#include "log/segment_name.h"

#include <charconv>
#include <cstdio>

namespace fjord::log {

std::string offset_file_prefix(int64_t offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(offset));
  return buf;
}

fs::path segment_file(const fs::path& dir, int64_t base_offset, std::string_view suffix,
                      std::string_view extra_suffix) {
  std::string name = offset_file_prefix(base_offset);
  name += suffix;
  name += extra_suffix;
  return dir / name;
}

std::optional<int64_t> parse_base_offset(std::string_view filename) {
  if (filename.size() < 21 || filename[20] != '.') return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(filename.data(), filename.data() + 20, v);
  if (ec != std::errc() || p != filename.data() + 20 || v < 0) return std::nullopt;
  return v;
}

std::string partition_dir_name(const TopicPartition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

std::optional<TopicPartition> parse_partition_dir_name(std::string_view name) {
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  int32_t p = 0;
  auto digits = name.substr(dash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
  if (ec != std::errc() || end != digits.data() + digits.size() || p < 0) return std::nullopt;
  return TopicPartition{std::string(name.substr(0, dash)), p};
}

}  // namespace fjord::log
