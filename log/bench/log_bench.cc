// Storage engine benchmarks (issue 3): append throughput of 1 KiB records in 16 KiB batches,
// sequential read throughput, recovery of a large segment, start-up with many partitions.
// Files go to $FJORD_BENCH_DIR (default /tmp); everything runs through the page cache, so
// compare append with `dd if=/dev/zero of=<file> bs=16k count=<n>` on the same disk.
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

void BM_Append(benchmark::State& state) {
  fs::path dir = bench_dir("append");
  auto log = open_log(dir);
  Bytes batch = make_batch_16k();
  for (auto _ : state) {
    auto r = log->append_as_leader(batch, 0);
    if (!r) state.SkipWithError("append failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 16), benchmark::Counter::kIsRate);
  log.reset();
  fs::remove_all(dir);
}
// 65536 x 16.6 KiB = 1.06 GiB: the segment rolls (and is fsynced in the background) near the
// end; 60000 batches stay in one segment.
BENCHMARK(BM_Append)->Iterations(65536)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Append)->Iterations(60000)->Unit(benchmark::kMillisecond)->UseRealTime();

// The replication path: CRC and offset checks only, no per-record walk.
void BM_AppendAsFollower(benchmark::State& state) {
  fs::path dir = bench_dir("append-follower");
  auto log = open_log(dir);
  Bytes batch = make_batch_16k();
  int64_t next = 0;
  for (auto _ : state) {
    batch_header::set_base_offset(batch.data(), next);
    next += 16;
    if (!log->append_as_follower(batch)) state.SkipWithError("append failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  log.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_AppendAsFollower)->Iterations(65536)->Unit(benchmark::kMillisecond)->UseRealTime();

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
