// A TempDir is a fresh directory under $TMPDIR (default /tmp) that is removed, with everything
// in it, when the object is destroyed. Set FJORD_TEST_KEEP_TMP=1 to keep it for a post-mortem
// (its path is then printed to stderr). Not thread-safe; movable, not copyable.
#pragma once

#include <filesystem>
#include <string_view>

namespace fjord::itest {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "fjord-itest");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, without creating anything.
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  void remove() noexcept;
  std::filesystem::path path_;
};

// Writes text to a file, replacing it. Throws HarnessError on failure.
void write_file(const std::filesystem::path& path, std::string_view text);
// The whole file, or "" if it cannot be read.
std::string read_file(const std::filesystem::path& path);
// The last max_bytes of a file (for error messages), or "" if it cannot be read.
std::string tail_file(const std::filesystem::path& path, size_t max_bytes = 4000);

}  // namespace fjord::itest
