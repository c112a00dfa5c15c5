// Test helpers: magic-2 batches from protocol/records' builder, and a temp directory per test.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records/batch_builder.h"
#include "protocol/wire.h"

namespace fjord::log::testing {

// prefix + n ("key" + std::to_string(n) trips a GCC 12 -Wrestrict false positive).
inline std::string cat(const char* prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
};

inline Bytes make_batch(int64_t base_offset, const std::vector<TestRecord>& records,
                        int32_t leader_epoch = 0, Compression compression = Compression::kNone) {
  BatchOptions options;
  options.base_offset = base_offset;
  options.partition_leader_epoch = leader_epoch;
  options.compression = compression;
  RecordBatchBuilder builder(options);
  for (const auto& r : records) {
    std::optional<ByteView> key, value;
    if (r.key) key = as_bytes(*r.key);
    if (r.value) value = as_bytes(*r.value);
    builder.append(r.timestamp, key, value);
  }
  Bytes out;
  (void)builder.build(out);
  return out;
}

// n records with values of value_size bytes, all stamped ts.
inline Bytes make_simple_batch(int64_t base_offset, int n, size_t value_size, int64_t ts) {
  std::vector<TestRecord> recs;
  for (int i = 0; i < n; ++i) recs.push_back({std::nullopt, std::string(value_size, 'v'), ts});
  return make_batch(base_offset, recs);
}

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("fjord-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace fjord::log::testing
