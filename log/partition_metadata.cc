#include "log/partition_metadata.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

namespace fjord::log {

Result<void> write_partition_metadata(const fs::path& dir, const Uuid& topic_id, bool sync) {
  const fs::path path = dir / kPartitionMetadataFile;
  const std::string text = "version: 0\ntopic_id: " + uuid_to_base64(topic_id) + "\n";
  if (sync) return write_file_atomically(path, text);
  fs::path tmp = path;
  tmp += ".tmp";
  auto f = File::open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  if (!f) return f.error();
  if (auto r = f->pwrite_all(text.data(), text.size(), 0); !r) return r;
  f->close();
  return rename_file(tmp, path);
}

Result<Uuid> read_partition_metadata(const fs::path& dir) {
  fs::path path = dir / kPartitionMetadataFile;
  if (!file_exists(path)) return Uuid{};
  auto text = read_small_file(path);
  if (!text) return text.error();
  std::string_view t = *text;
  constexpr std::string_view kVersion = "version: 0\n";
  constexpr std::string_view kTopicId = "topic_id: ";
  if (!t.starts_with(kVersion) ||
      t.substr(kVersion.size()).substr(0, kTopicId.size()) != kTopicId) {
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
