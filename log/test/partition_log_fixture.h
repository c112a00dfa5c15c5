// A PartitionLog of "topic-0" in a temp dir with a manual clock and small files (16 KiB
// segments, an index entry per KiB, 4 KiB indexes), for tests that append, roll and reopen.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "log/clock.h"
#include "log/partition_log.h"
#include "log/test/test_batches.h"

namespace fjord::log::testing {

struct PartitionLogFixture {
  TempDir tmp;
  ManualClock clock{1'700'000'000'000};
  LogConfig config;
  PartitionLogFixture() {
    config.segment_bytes = 16 * 1024;
    config.index_interval_bytes = 1024;
    config.segment_index_bytes = 4096;
  }
  std::filesystem::path dir() const { return tmp.path() / "topic-0"; }
  // Opens (or reopens) the log with `config`; a failure is a test failure and nullptr.
  std::unique_ptr<PartitionLog> open(int64_t recovery_point = 0, bool clean = false) {
    PartitionLogParams p;
    p.dir = dir();
    p.tp = {"topic", 0};
    p.config = config;
    p.clock = &clock;
    p.recovery_point = recovery_point;
    p.clean_shutdown = clean;
    auto log = PartitionLog::open(p);
    EXPECT_TRUE(log.ok());
    return log.ok() ? std::move(*log) : nullptr;
  }
};

}  // namespace fjord::log::testing
