// The file seam under the storage engine (LevelDB's Env, reduced to what log/ uses): an RAII
// file descriptor with positional I/O, an RAII memory mapping, and the directory operations
// the rename protocols need. Every failure is logged with errno and returned as
// KAFKA_STORAGE_ERROR, the code Kafka answers with when a log dir fails.
//
// Tests inject faults through FileFaults (fail the n-th write or fsync, cut a write short):
// cheap counters checked on the write path only, never on reads.
//
// Thread-safety: a File may be used from several threads for pread; writes to one File come
// from one thread at a time (the partition's single writer).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.h"

namespace fjord::log {

namespace fs = std::filesystem;

// Fault injection for tests. Negative = off. "after N" means the N+1-th call fails.
struct FileFaults {
  std::atomic<int64_t> fail_write_after{-1};
  std::atomic<int64_t> short_write_after{-1};  // writes half the bytes, then fails
  std::atomic<int64_t> fail_fsync_after{-1};
  std::atomic<bool> skip_fsync{false};  // tests that crash-simulate without a real disk sync
  void reset() {
    skip_fsync = false;
    fail_write_after = -1;
    short_write_after = -1;
    fail_fsync_after = -1;
  }
};
FileFaults& file_faults();

// Issue 4's rule, checked: no fsync, file creation or rename on an event loop. The broker's
// event-loop threads mark themselves; the seam counts what they call (and logs the first few
// with the path), so a test can assert zero under a load. Cheap: a thread_local test per call.
struct LoopFileCalls {
  std::atomic<int64_t> syncs{0};     // fsync/fdatasync/msync of files and directories
  std::atomic<int64_t> metadata{0};  // open, rename, unlink, ftruncate
};
void mark_event_loop_thread();
bool on_event_loop_thread();
LoopFileCalls& loop_file_calls();

class File {
 public:
  File() = default;
  ~File();
  File(File&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  File& operator=(File&& o) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // flags as open(2); O_CLOEXEC is always added.
  static Result<File> open(const fs::path& path, int flags, mode_t mode = 0644);
  static Result<File> open_read_write(const fs::path& path, bool create);
  static Result<File> open_read_only(const fs::path& path);
  static Result<File> open_directory(const fs::path& path);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const fs::path& path() const { return path_; }
  void set_path(fs::path p) { path_ = std::move(p); }  // after a rename

  // Reads up to n bytes at off; fewer only at end of file.
  Result<size_t> pread(void* buf, size_t n, int64_t off) const;
  // Writes all n bytes at off or fails.
  Result<void> pwrite_all(const void* buf, size_t n, int64_t off);
  Result<void> fsync();
  // syncfs(2) of the filesystem that holds this file: every dirty file and directory on it.
  // It reports a writeback error of that filesystem since this descriptor was opened.
  Result<void> sync_filesystem();
  Result<void> truncate(int64_t size);
  Result<int64_t> size() const;
  void close();

 private:
  int fd_ = -1;
  fs::path path_;
};

// A shared mapping of the first `length` bytes of a file, without read-ahead (MADV_RANDOM).
// The mapping stays valid after the descriptor is closed; touching pages past the file's end
// raises SIGBUS, so callers keep their accesses below the file size.
class Mmap {
 public:
  Mmap() = default;
  ~Mmap();
  Mmap(Mmap&& o) noexcept : data_(o.data_), length_(o.length_) {
    o.data_ = nullptr;
    o.length_ = 0;
  }
  Mmap& operator=(Mmap&& o) noexcept;
  Mmap(const Mmap&) = delete;
  Mmap& operator=(const Mmap&) = delete;

  static Result<Mmap> map(const File& file, size_t length, bool writable);
  uint8_t* data() const { return data_; }
  size_t length() const { return length_; }
  Result<void> sync(size_t bytes);  // msync(MS_SYNC) of the first bytes

 private:
  uint8_t* data_ = nullptr;
  size_t length_ = 0;
};

Result<void> rename_file(const fs::path& from, const fs::path& to);
Result<void> remove_file(const fs::path& path);  // missing is not an error
Result<void> remove_tree(const fs::path& path);
Result<void> fsync_dir(const fs::path& dir);
// syncfs(2) of the filesystem holding path: every file and directory entry written there so
// far is durable after one call (many new files at once, instead of an fsync per file).
Result<void> sync_filesystem(const fs::path& path);
Result<void> create_dirs(const fs::path& dir);
bool file_exists(const fs::path& path);
// Regular files and directories directly inside dir, sorted by name.
Result<std::vector<fs::path>> list_dir(const fs::path& dir);
// Kafka's checkpoint discipline: write <path>.tmp, fsync, rename over path, fsync the dir.
Result<void> write_file_atomically(const fs::path& path, std::string_view contents);
Result<std::string> read_small_file(const fs::path& path);

}  // namespace fjord::log
