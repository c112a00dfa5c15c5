#include "coordinator/producer_id_manager.h"

#include <charconv>
#include <string>

#include "log/file.h"

namespace fjord::coordinator {
namespace {

// File format: "version=1\nnext.block.start=<id>\n".
constexpr std::string_view kKey = "next.block.start=";

bool parse(std::string_view text, int64_t* out) {
  if (text.rfind("version=1\n", 0) != 0) return false;
  size_t at = text.find(kKey);
  if (at == std::string_view::npos) return false;
  const char* begin = text.data() + at + kKey.size();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, *out);
  return ec == std::errc() && *out >= 0 && ptr != begin && (ptr == end || *ptr == '\n');
}

}  // namespace

Result<std::unique_ptr<ProducerIdManager>> ProducerIdManager::open(const std::filesystem::path& dir,
                                                                   int64_t block_size) {
  std::filesystem::path file = dir / kFileName;
  int64_t next_block_start = 0;
  if (log::file_exists(file)) {
    auto text = log::read_small_file(file);
    if (!text.ok() || !parse(*text, &next_block_start)) return ErrorCode::kKafkaStorageError;
  }
  return std::unique_ptr<ProducerIdManager>(
      new ProducerIdManager(std::move(file), next_block_start, block_size));
}

std::unique_ptr<ProducerIdManager> ProducerIdManager::with_source(BlockSource source,
                                                                 int64_t block_size) {
  auto m = std::unique_ptr<ProducerIdManager>(new ProducerIdManager({}, 0, block_size));
  m->source_ = std::move(source);
  return m;
}

Result<int64_t> ProducerIdManager::generate() {
  std::lock_guard lock(mu_);
  if (next_id_ == block_end_ && source_) {
    auto start = source_(block_size_);
    if (!start.ok()) return start.error();
    next_id_ = *start;
    block_end_ = *start + block_size_;
  } else if (next_id_ == block_end_) {
    const int64_t start = next_block_start_;
    const int64_t end = start + block_size_;
    auto written = log::write_file_atomically(
        file_, "version=1\n" + std::string(kKey) + std::to_string(end) + "\n");
    if (!written.ok()) return ErrorCode::kKafkaStorageError;
    next_id_ = start;
    block_end_ = end;
    next_block_start_ = end;
  }
  return next_id_++;
}

}  // namespace fjord::coordinator
