// Storage engine benchmarks (issue 3): append throughput of 1 KiB records in 16 KiB batches,
// sequential read throughput, recovery of a large segment, start-up with many partitions.
// Files go to $FJORD_BENCH_DIR (default /tmp); everything runs through the page cache.
// BM_WriteGiB compares append with a dd-equivalent raw write in the same process.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "log/log_manager.h"
#include "log/partition_log.h"
#include "log/recovery.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/batch_iterator.h"

namespace fjord::log {
namespace {

fs::path bench_dir(const std::string& name) {
  const char* base = std::getenv("FJORD_BENCH_DIR");
  fs::path p = fs::path(base ? base : "/tmp") / ("fjord-log-bench-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// 16 records of 1 KiB values: a 16 KiB batch.
Bytes make_batch_16k() {
  RecordBatchBuilder b;
  std::string value(1024, 'x');
  for (int i = 0; i < 16; ++i) b.append(1'700'000'000'000 + i, std::nullopt, as_bytes(value));
  Bytes out;
  (void)b.build(out);
  return out;
}

// Background work (the fsync of a rolled segment) runs on its own thread, as under LogManager.
ThreadScheduler& background() {
  static ThreadScheduler scheduler(SystemClock::instance());
  return scheduler;
}

std::unique_ptr<PartitionLog> open_log(const fs::path& dir, bool clean = false) {
  PartitionLogParams p;
  p.scheduler = &background();
  p.dir = dir / "bench-0";
  p.tp = {"bench", 0};
  p.clean_shutdown = clean;
  return std::move(PartitionLog::open(p).value());
}

// --- append vs raw sequential write -----------------------------------------------------
//
// The target: append of 1 KiB records in 16 KiB batches >= 90% of the same disk's raw
// sequential write through the page cache. BM_WriteGiB runs both in this binary under the
// same conditions, one pass of kPassBatches batches (1.01 GiB, the same bytes) per iteration:
//   raw_dd      write(2) of the batch bytes to one file, as `dd bs=<batch> count=<n>`;
//   raw_rolled  the same plus what a log must also do at segment.bytes: a new file at the same
//               byte position as the log's roll and the fsync of the full one in the
//               background (on the same scheduler thread);
//   append      PartitionLog::append_as_leader (validation, offsets, indexes, roll, fsync of
//               the rolled segment in the background);
//   follower    PartitionLog::append_as_follower (the replication path).
// Untimed, before each pass: a fresh directory and sync(), so every pass starts with no dirty
// pages left by the previous one; after it: close and removal of the files (retention's
// cost, not the writer's). Everything between the first write and the last is timed,
// including rolls. Run with --benchmark_enable_random_interleaving=true (tools/
// run-benchmarks.sh does) so that noise from other processes spreads over all modes; compare
// medians.
constexpr int kPassBatches = 65536;
enum WriteMode : int64_t { kRawDd = 0, kRawRolled = 1, kAppend = 2, kFollower = 3 };

// Raw writes; with roll, the log's rule: a new file when size > segment.bytes - batch size.
void raw_pass(const fs::path& dir, ByteView batch, bool roll) {
  const int64_t segment_bytes = LogConfig{}.segment_bytes;
  int file_no = 0;
  auto open_next = [&] {
    auto f = File::open_read_write(dir / (std::to_string(file_no++) + ".raw"), true);
    return std::make_shared<File>(std::move(f.value()));
  };
  std::shared_ptr<File> f = open_next();
  int64_t size = 0;
  for (int i = 0; i < kPassBatches; ++i) {
    if (roll && size > segment_bytes - static_cast<int64_t>(batch.size())) {
      background().schedule(0, [old = f] { (void)old->fsync(); });
      f = open_next();
      size = 0;
    }
    if (::write(f->fd(), batch.data(), batch.size()) != static_cast<ssize_t>(batch.size())) {
      std::abort();
    }
    size += static_cast<int64_t>(batch.size());
  }
}

void BM_WriteGiB(benchmark::State& state) {
  const auto mode = static_cast<WriteMode>(state.range(0));
  Bytes batch = make_batch_16k();
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::path dir = bench_dir("write");
    ::sync();
    std::unique_ptr<PartitionLog> log;
    if (mode == kAppend || mode == kFollower) log = open_log(dir);
    state.ResumeTiming();
    switch (mode) {
      case kRawDd:
      case kRawRolled:
        raw_pass(dir, batch, mode == kRawRolled);
        break;
      case kAppend:
        for (int i = 0; i < kPassBatches; ++i) {
          if (!log->append_as_leader(batch, 0)) state.SkipWithError("append failed");
        }
        break;
      case kFollower:
        for (int i = 0; i < kPassBatches; ++i) {
          batch_header::set_base_offset(batch.data(), int64_t{i} * 16);
          if (!log->append_as_follower(batch)) state.SkipWithError("append failed");
        }
        break;
    }
    state.PauseTiming();
    bytes += int64_t{kPassBatches} * static_cast<int64_t>(batch.size());
    if (log) (void)log->close();
    log.reset();
    fs::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(bytes);
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kPassBatches * 16, benchmark::Counter::kIsRate);
  static const char* const kNames[] = {"raw_dd", "raw_rolled", "append", "follower"};
  state.SetLabel(kNames[mode]);
}
BENCHMARK(BM_WriteGiB)
    ->DenseRange(kRawDd, kFollower)
    ->Iterations(1)
    ->Repetitions(5)
    ->ReportAggregatesOnly(false)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The append path alone, many short passes (for perf: CPU per batch, no page-cache effects
// beyond 256 MiB).
void BM_AppendCpu(benchmark::State& state) {
  fs::path dir = bench_dir("append-cpu");
  auto log = open_log(dir);
  Bytes batch = make_batch_16k();
  for (auto _ : state) {
    if (!log->append_as_leader(batch, 0)) state.SkipWithError("append failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  log.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_AppendCpu)->Iterations(16384)->Unit(benchmark::kMicrosecond);

void BM_SequentialRead(benchmark::State& state) {
  fs::path dir = bench_dir("read");
  auto log = open_log(dir);
  Bytes batch = make_batch_16k();
  for (int i = 0; i < 16384; ++i) (void)log->append_as_leader(batch, 0);  // 256 MiB
  int64_t end = log->log_end_offset();
  Bytes buf(1 << 20);
  int64_t bytes = 0;
  for (auto _ : state) {
    int64_t next = 0;
    while (next < end) {
      auto r = log->read(next, 1 << 20, end, true);
      auto n = r->segment->read_bytes(r->region.position,
                                      std::span(buf.data(), static_cast<size_t>(r->region.length)));
      bytes += static_cast<int64_t>(*n);
      BatchIterator it(ByteView(buf.data(), *n));
      for (BatchEntry e; it.next(e);) next = batch_header::last_offset(e.bytes.data()) + 1;
    }
  }
  state.SetBytesProcessed(bytes);
  log.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_SequentialRead)->Iterations(4)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RecoverSegment(benchmark::State& state) {
  fs::path dir = bench_dir("recover");
  int64_t batches = state.range(0) / 16384;
  {
    auto log = open_log(dir);
    Bytes batch = make_batch_16k();
    for (int64_t i = 0; i < batches; ++i) (void)log->append_as_leader(batch, 0);
    (void)log->close();
  }
  int64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    LogConfig config;
    auto seg = Segment::open(dir / "bench-0", 0, config, 0, true);
    LeaderEpochCache epochs(dir / "bench-0");
    state.ResumeTiming();
    auto r = recover_segment(**seg, 0, &epochs);
    if (!r || r->bytes_cut != 0) state.SkipWithError("recovery failed");
    bytes += r->valid_bytes;
  }
  state.SetBytesProcessed(bytes);
  fs::remove_all(dir);
}
BENCHMARK(BM_RecoverSegment)
    ->Arg(1 << 30)
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

int64_t rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

void BM_StartupManyPartitions(benchmark::State& state) {
  fs::path dir = bench_dir("startup");
  int partitions = static_cast<int>(state.range(0));
  LogManagerConfig config;
  config.log_dirs = {dir};
  config.recovery_threads_per_dir = 2;
  config.start_scheduler_thread = false;
  {
    auto m = std::move(LogManager::open(config).value());
    Bytes batch = make_batch_16k();
    for (int p = 0; p < partitions; ++p) {
      std::string topic = "t";
      topic += std::to_string(p % 100);
      auto log = m->get_or_create({topic, p / 100}, config.default_config);
      Bytes b = batch;
      (void)(*log)->append_as_leader(b, 0);
    }
    (void)m->shutdown();
  }
  double per_partition_kib = 0;
  for (auto _ : state) {
    int64_t before = rss_kib();
    auto m = std::move(LogManager::open(config).value());
    per_partition_kib = static_cast<double>(rss_kib() - before) / partitions;
    if (m->size() != static_cast<size_t>(partitions)) state.SkipWithError("partitions missing");
    state.PauseTiming();
    (void)m->shutdown();
    m.reset();
    state.ResumeTiming();
  }
  state.counters["rss_KiB_per_partition"] = per_partition_kib;
  fs::remove_all(dir);
}
BENCHMARK(BM_StartupManyPartitions)
    ->Arg(10000)
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace fjord::log

BENCHMARK_MAIN();
