// Test helper: minimal uncompressed magic-2 batches, and a temp directory per test.
// Interim until protocol/records' batch builder lands; the CRC is left 0 until then.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records/batch_header.h"
#include "protocol/wire.h"

namespace fjord::log::testing {

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
};

inline Bytes make_batch(int64_t base_offset, const std::vector<TestRecord>& records,
                        int32_t leader_epoch = 0) {
  Bytes out;
  Writer w(out);
  int64_t base_ts = records.empty() ? -1 : records.front().timestamp;
  int64_t max_ts = -1;
  for (const auto& r : records) max_ts = std::max(max_ts, r.timestamp);
  w.write_int64(base_offset);
  w.write_int32(0);  // length, patched
  w.write_int32(leader_epoch);
  w.write_int8(2);
  w.write_uint32(0);  // crc
  w.write_int16(0);
  w.write_int32(static_cast<int32_t>(records.size()) - 1);
  w.write_int64(base_ts);
  w.write_int64(max_ts);
  w.write_int64(-1);
  w.write_int16(-1);
  w.write_int32(-1);
  w.write_int32(static_cast<int32_t>(records.size()));
  int32_t delta = 0;
  for (const auto& r : records) {
    Bytes body;
    Writer b(body);
    b.write_int8(0);
    b.write_varlong(r.timestamp - base_ts);
    b.write_varint(delta++);
    if (r.key) {
      b.write_varint(static_cast<int32_t>(r.key->size()));
      b.write_raw(as_bytes(*r.key));
    } else {
      b.write_varint(-1);
    }
    if (r.value) {
      b.write_varint(static_cast<int32_t>(r.value->size()));
      b.write_raw(as_bytes(*r.value));
    } else {
      b.write_varint(-1);
    }
    b.write_varint(0);
    w.write_varint(static_cast<int32_t>(body.size()));
    w.write_raw(body);
  }
  w.patch_int32(batch_header::kBatchLength,
                static_cast<int32_t>(out.size() - batch_header::kLogOverhead));
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
