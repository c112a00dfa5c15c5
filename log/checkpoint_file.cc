#include "log/checkpoint_file.h"

#include <spdlog/spdlog.h>

#include <charconv>

namespace fjord::log {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

template <typename T>
bool parse_int(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Result<std::vector<std::vector<std::string>>> malformed(const fs::path& path,
                                                        std::string_view why) {
  spdlog::error("Malformed line in checkpoint file {}: {}", path.string(), why);
  return ErrorCode::kCorruptMessage;
}

}  // namespace

Result<void> write_checkpoint(const fs::path& path, int version,
                              const std::vector<std::string>& lines) {
  std::string text = std::to_string(version) + "\n" + std::to_string(lines.size()) + "\n";
  for (const auto& line : lines) {
    text += line;
    text += '\n';
  }
  return write_file_atomically(path, text);
}

Result<std::vector<std::vector<std::string>>> read_checkpoint(const fs::path& path,
                                                              int expected_version,
                                                              size_t fields_per_line) {
  std::vector<std::vector<std::string>> out;
  if (!file_exists(path)) return out;
  auto text = read_small_file(path);
  if (!text) return text.error();
  std::vector<std::string_view> lines = split(*text, '\n');
  if (lines.empty()) return out;  // Kafka reads an empty file as no entries
  int version = 0;
  size_t count = 0;
  if (lines.size() < 2 || !parse_int(lines[0], version) || !parse_int(lines[1], count)) {
    return malformed(path, "header");
  }
  if (version != expected_version) return malformed(path, "unrecognized version");
  if (lines.size() - 2 != count)
    return malformed(path, "expected " + std::to_string(count) + " entries");
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<std::string_view> fields = split(lines[i], ' ');
    if (fields.size() != fields_per_line) return malformed(path, lines[i]);
    out.emplace_back(fields.begin(), fields.end());
  }
  return out;
}

Result<void> write_offset_checkpoint(const fs::path& path, const OffsetMap& offsets) {
  std::vector<std::string> lines;
  lines.reserve(offsets.size());
  for (const auto& [tp, offset] : offsets) {
    lines.push_back(tp.topic + " " + std::to_string(tp.partition) + " " + std::to_string(offset));
  }
  return write_checkpoint(path, 0, lines);
}

Result<OffsetMap> read_offset_checkpoint(const fs::path& path) {
  auto entries = read_checkpoint(path, 0, 3);
  if (!entries) return entries.error();
  OffsetMap out;
  for (const auto& e : *entries) {
    int32_t partition = 0;
    int64_t offset = 0;
    if (!parse_int(std::string_view(e[1]), partition) ||
        !parse_int(std::string_view(e[2]), offset)) {
      spdlog::error("Malformed line in checkpoint file {}", path.string());
      return ErrorCode::kCorruptMessage;
    }
    out[TopicPartition{e[0], partition}] = offset;
  }
  return out;
}

}  // namespace fjord::log
