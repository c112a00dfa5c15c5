#include "log/index_file.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

namespace fjord::log {

namespace {

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

}  // namespace

Result<void> IndexFile::open(const fs::path& path, size_t entry_size, int32_t max_bytes,
                             bool writable) {
  path_ = path;
  entry_size_ = entry_size;
  writable_ = writable;
  auto file = File::open_read_write(path, /*create=*/true);
  if (!file) return file.error();
  auto size = file->size();
  if (!size) return size.error();
  int64_t existing = *size / static_cast<int64_t>(entry_size) * static_cast<int64_t>(entry_size);
  int64_t file_bytes = existing;
  if (writable) {
    file_bytes = std::max<int64_t>(
        existing, max_bytes / static_cast<int64_t>(entry_size) * static_cast<int64_t>(entry_size));
    if (file_bytes != *size) {
      if (auto r = file->truncate(file_bytes); !r) return r;
    }
  } else if (existing != *size) {
    if (auto r = file->truncate(existing); !r) return r;
  }
  if (auto r = map_file(*file, file_bytes, true); !r) return r;
  // Entries are strictly increasing and never all zero, so the written prefix ends where the
  // zero suffix of a preallocated file begins: binary search for it.
  int32_t lo = 0, hi = static_cast<int32_t>(existing / static_cast<int64_t>(entry_size));
  if (hi > 0 && !all_zero(entry(hi - 1), entry_size)) {
    lo = hi;
  } else {
    while (lo < hi) {
      int32_t mid = lo + (hi - lo) / 2;
      if (all_zero(entry(mid), entry_size))
        hi = mid;
      else
        lo = mid + 1;
    }
  }
  entries_.store(lo, std::memory_order_release);
  return {};
}

Result<void> IndexFile::map_file(File& file, int64_t file_bytes, bool writable) {
  max_entries_ = static_cast<int32_t>(file_bytes / static_cast<int64_t>(entry_size_));
  if (file_bytes == 0) return {};
  auto m = Mmap::map(file, static_cast<size_t>(file_bytes), writable);
  if (!m) return m.error();
  if (map_.data() != nullptr) retired_.push_back(std::move(map_));
  map_ = std::move(*m);
  data_.store(map_.data(), std::memory_order_release);
  return {};
}

void IndexFile::append(const uint8_t* bytes) {
  int32_t n = entries_.load(std::memory_order_relaxed);
  std::memcpy(map_.data() + n * entry_size_, bytes, entry_size_);
  entries_.store(n + 1, std::memory_order_release);
}

void IndexFile::truncate_to_entries(int32_t n) {
  int32_t cur = entries_.load(std::memory_order_relaxed);
  if (n >= cur) return;
  entries_.store(n, std::memory_order_release);
  // Zero the tail so that a crash leaves no stale entries behind the written prefix.
  if (writable_ && map_.data() != nullptr) {
    std::memset(map_.data() + n * entry_size_, 0, (cur - n) * entry_size_);
  }
}

Result<void> IndexFile::trim(bool sync) {
  auto file = File::open_read_write(path_, false);
  if (!file) return file.error();
  if (sync) {
    if (auto r = map_.sync(static_cast<size_t>(size_bytes())); !r) return r;
  }
  if (auto r = file->truncate(size_bytes()); !r) return r;
  // The mapping stays (readers may hold its pointer); nothing reads past entries().
  writable_ = false;
  max_entries_ = entries();
  return {};
}

Result<void> IndexFile::resize(int32_t max_bytes) {
  auto file = File::open_read_write(path_, false);
  if (!file) return file.error();
  int64_t bytes = max_bytes / static_cast<int64_t>(entry_size_) * static_cast<int64_t>(entry_size_);
  bytes = std::max(bytes, size_bytes());
  if (auto r = file->truncate(bytes); !r) return r;
  writable_ = true;
  if (static_cast<size_t>(bytes) <= map_.length()) {
    max_entries_ = static_cast<int32_t>(bytes / static_cast<int64_t>(entry_size_));
    return {};
  }
  return map_file(*file, bytes, true);
}

Result<void> IndexFile::flush() { return map_.sync(static_cast<size_t>(size_bytes())); }

Result<void> IndexFile::rename(const fs::path& to) {
  if (auto r = rename_file(path_, to); !r) return r;
  path_ = to;
  return {};
}

Result<void> IndexFile::remove() { return remove_file(path_); }

}  // namespace fjord::log
