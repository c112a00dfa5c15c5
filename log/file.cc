#include "log/file.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fjord::log {

namespace {

Result<void> io_error(const char* op, const fs::path& path, int err) {
  spdlog::error("Error while {} {}: {}", op, path.string(), std::strerror(err));
  return ErrorCode::kKafkaStorageError;
}

// Returns true when the fault counter says this call fails.
bool trip(std::atomic<int64_t>& counter) {
  int64_t v = counter.load(std::memory_order_relaxed);
  while (v >= 0) {
    if (counter.compare_exchange_weak(v, v - 1)) return v == 0;
  }
  return false;
}

thread_local bool event_loop_thread = false;

// Counts a call made on an event-loop thread; the first ones are logged with the path.
void note_loop_call(std::atomic<int64_t>& counter, const char* op, const fs::path& path) {
  if (!event_loop_thread) return;
  int64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  if (n < 10) spdlog::warn("Blocking file call on an event loop: {} {}", op, path.string());
}

}  // namespace

FileFaults& file_faults() {
  static FileFaults faults;
  return faults;
}

void mark_event_loop_thread() { event_loop_thread = true; }
bool on_event_loop_thread() { return event_loop_thread; }
LoopFileCalls& loop_file_calls() {
  static LoopFileCalls calls;
  return calls;
}

File::~File() { close(); }

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

Result<File> File::open(const fs::path& path, int flags, mode_t mode) {
  note_loop_call(loop_file_calls().metadata, "open", path);
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return io_error("opening", path, errno).error();
  File f;
  f.fd_ = fd;
  f.path_ = path;
  return f;
}

Result<File> File::open_directory(const fs::path& path) {
  return open(path, O_RDONLY | O_DIRECTORY);
}

Result<File> File::open_read_write(const fs::path& path, bool create) {
  return open(path, O_RDWR | (create ? O_CREAT : 0));
}

Result<File> File::open_read_only(const fs::path& path) { return open(path, O_RDONLY); }

Result<size_t> File::pread(void* buf, size_t n, int64_t off) const {
  size_t done = 0;
  auto* p = static_cast<uint8_t*>(buf);
  while (done < n) {
    ssize_t r = ::pread(fd_, p + done, n - done, off + static_cast<int64_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return io_error("reading", path_, errno).error();
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Result<void> File::pwrite_all(const void* buf, size_t n, int64_t off) {
  FileFaults& faults = file_faults();
  if (trip(faults.fail_write_after)) return io_error("writing", path_, EIO);
  if (trip(faults.short_write_after)) {
    (void)::pwrite(fd_, buf, n / 2, off);
    return io_error("writing", path_, ENOSPC);
  }
  size_t done = 0;
  auto* p = static_cast<const uint8_t*>(buf);
  while (done < n) {
    ssize_t r = ::pwrite(fd_, p + done, n - done, off + static_cast<int64_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return io_error("writing", path_, errno);
    }
    done += static_cast<size_t>(r);
  }
  return {};
}

Result<void> File::fsync() {
  if (trip(file_faults().fail_fsync_after)) return io_error("flushing", path_, EIO);
  note_loop_call(loop_file_calls().syncs, "fdatasync", path_);
  if (file_faults().skip_fsync.load(std::memory_order_relaxed)) return {};
  if (::fdatasync(fd_) != 0) return io_error("flushing", path_, errno);
  return {};
}

Result<void> File::sync_filesystem() {
  if (trip(file_faults().fail_fsync_after))
    return io_error("syncing the filesystem of", path_, EIO);
  note_loop_call(loop_file_calls().syncs, "syncfs", path_);
  if (file_faults().skip_fsync.load(std::memory_order_relaxed)) return {};
  if (::syncfs(fd_) != 0) return io_error("syncing the filesystem of", path_, errno);
  return {};
}

Result<void> File::truncate(int64_t size) {
  note_loop_call(loop_file_calls().metadata, "ftruncate", path_);
  if (::ftruncate(fd_, size) != 0) return io_error("truncating", path_, errno);
  return {};
}

Result<int64_t> File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return io_error("stat of", path_, errno).error();
  return static_cast<int64_t>(st.st_size);
}

void File::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Mmap::~Mmap() {
  if (data_ != nullptr) ::munmap(data_, length_);
}

Mmap& Mmap::operator=(Mmap&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) ::munmap(data_, length_);
    data_ = o.data_;
    length_ = o.length_;
    o.data_ = nullptr;
    o.length_ = 0;
  }
  return *this;
}

Result<Mmap> Mmap::map(const File& file, size_t length, bool writable) {
  Mmap m;
  if (length == 0) return m;
  int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* p = ::mmap(nullptr, length, prot, MAP_SHARED, file.fd(), 0);
  if (p == MAP_FAILED) return io_error("mapping", file.path(), errno).error();
  // Index files are searched, not streamed: without this, the first touch of a page of a new
  // (sparse, preallocated) index read ahead megabytes of zeros, and the trim at a roll or close
  // dropped them again, about 4 ms per partition.
  (void)::madvise(p, length, MADV_RANDOM);
  m.data_ = static_cast<uint8_t*>(p);
  m.length_ = length;
  return m;
}

Result<void> Mmap::sync(size_t bytes) {
  static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  bytes = std::min(length_, (bytes + kPage - 1) / kPage * kPage);
  note_loop_call(loop_file_calls().syncs, "msync", "index mapping");
  if (file_faults().skip_fsync.load(std::memory_order_relaxed)) return {};
  if (data_ != nullptr && bytes > 0 && ::msync(data_, bytes, MS_SYNC) != 0) {
    return io_error("flushing", "index mapping", errno);
  }
  return {};
}

Result<void> rename_file(const fs::path& from, const fs::path& to) {
  note_loop_call(loop_file_calls().metadata, "rename", from);
  if (::rename(from.c_str(), to.c_str()) != 0) return io_error("renaming", from, errno);
  return {};
}

Result<void> remove_file(const fs::path& path) {
  note_loop_call(loop_file_calls().metadata, "unlink", path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("deleting", path, errno);
  return {};
}

Result<void> remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return io_error("deleting", path, ec.value());
  return {};
}

Result<void> fsync_dir(const fs::path& dir) {
  note_loop_call(loop_file_calls().syncs, "fsync", dir);
  if (file_faults().skip_fsync.load(std::memory_order_relaxed)) return {};
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("opening", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("flushing", dir, err);
  return {};
}

Result<void> sync_filesystem(const fs::path& path) {
  auto dir = File::open_directory(path);
  if (!dir) return dir.error();
  return dir->sync_filesystem();
}

Result<void> create_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error("creating", dir, ec.value());
  return {};
}

bool file_exists(const fs::path& path) { return ::access(path.c_str(), F_OK) == 0; }

Result<std::vector<fs::path>> list_dir(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path());
  }
  if (ec) return io_error("listing", dir, ec.value()).error();
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> write_file_atomically(const fs::path& path, std::string_view contents) {
  fs::path tmp = path;
  tmp += ".tmp";
  auto f = File::open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  if (!f) return f.error();
  if (auto r = f->pwrite_all(contents.data(), contents.size(), 0); !r) return r;
  if (auto r = f->fsync(); !r) return r;
  f->close();
  if (auto r = rename_file(tmp, path); !r) return r;
  return fsync_dir(path.parent_path());
}

Result<std::string> read_small_file(const fs::path& path) {
  auto f = File::open_read_only(path);
  if (!f) return f.error();
  auto size = f->size();
  if (!size) return size.error();
  std::string s(static_cast<size_t>(*size), '\0');
  auto n = f->pread(s.data(), s.size(), 0);
  if (!n) return n.error();
  s.resize(*n);
  return s;
}

}  // namespace fjord::log
