// Throughput of the record-format hot paths on one core: CRC-32C (AVX-512 folding, SSE4.2
// crc32, software), validating and iterating a 1 MiB batch of 1 KiB records, and lz4 / zstd
// decompression of such a batch. bytes_per_second is reported against the uncompressed size.
#include <benchmark/benchmark.h>

#include <random>

#include "protocol/records/batch_builder.h"
#include "protocol/records/crc32c.h"
#include "protocol/records/record_batch.h"

namespace fjord {
namespace {

Bytes random_bytes(size_t n) {
  std::mt19937_64 rng(1);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!crc32c_hw_available()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  Bytes data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_hw(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cHardware)->Arg(1024)->Arg(4096)->Arg(16 << 10)->Arg(64 << 10)->Arg(1 << 20);

void BM_Crc32cFold(benchmark::State& state) {
  if (!crc32c_fold_available()) {
    state.SkipWithError("no AVX-512 VPCLMULQDQ");
    return;
  }
  Bytes data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_fold(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cFold)->Arg(1024)->Arg(4096)->Arg(16 << 10)->Arg(64 << 10)->Arg(1 << 20);

// What record batches get: the implementation crc32c() dispatches to.
void BM_Crc32c(benchmark::State& state) {
  Bytes data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(1024)->Arg(16 << 10);

void BM_Crc32cSoftware(benchmark::State& state) {
  Bytes data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_sw(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Crc32cSoftware)->Arg(4096)->Arg(1 << 20);

void BM_Crc32Ieee(benchmark::State& state) {
  Bytes data = random_bytes(1 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(crc32_ieee(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_Crc32Ieee);

// 1 MiB of 1 KiB records: 1000 records, values of semi-compressible text.
Bytes one_mib_batch(Compression c) {
  BatchOptions options;
  options.compression = c;
  RecordBatchBuilder builder(options);
  std::mt19937 rng(3);
  std::string value(1000, ' ');
  for (int i = 0; i < 1000; ++i) {
    for (auto& ch : value) ch = static_cast<char>('a' + rng() % 8);
    std::string key = "key-" + std::to_string(i);
    builder.append(1700000000000 + i, as_bytes(key), as_bytes(value));
  }
  Bytes out;
  (void)builder.build(out);
  return out;
}

void iterate(benchmark::State& state, Compression c) {
  Bytes bytes = one_mib_batch(c);
  Bytes uncompressed = one_mib_batch(Compression::kNone);
  DecompressionBuffer scratch;
  for (auto _ : state) {
    auto batch = RecordBatchView::parse(bytes);
    if (!batch || batch->validate() != RecordError::kNone) state.SkipWithError("invalid");
    auto reader = batch->records(scratch);
    Record r;
    size_t sum = 0;
    while (reader->next(r)) sum += r.value->size();
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * uncompressed.size()));
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1000,
                                                   benchmark::Counter::kIsRate);
  state.counters["batch_bytes"] = static_cast<double>(bytes.size());
}

void BM_ValidateIterate1MiBUncompressed(benchmark::State& state) {
  iterate(state, Compression::kNone);
}
BENCHMARK(BM_ValidateIterate1MiBUncompressed);
void BM_ValidateIterate1MiBLz4(benchmark::State& state) { iterate(state, Compression::kLz4); }
BENCHMARK(BM_ValidateIterate1MiBLz4);
void BM_ValidateIterate1MiBZstd(benchmark::State& state) { iterate(state, Compression::kZstd); }
BENCHMARK(BM_ValidateIterate1MiBZstd);

// What the produce path spends per batch before the write: CRC and the record walk of
// validate_records() over log_bench's batch (16 records of 1 KiB values, no keys).
void BM_ValidateRecords16KiB(benchmark::State& state) {
  RecordBatchBuilder builder;
  std::string value(1024, 'x');
  for (int i = 0; i < 16; ++i) builder.append(1'700'000'000'000 + i, std::nullopt, as_bytes(value));
  Bytes bytes;
  (void)builder.build(bytes);
  DecompressionBuffer scratch;
  for (auto _ : state) {
    auto batch = RecordBatchView::parse(bytes);
    if (!batch || batch->validate_records(scratch, {}) != RecordError::kNone) {
      state.SkipWithError("invalid");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ValidateRecords16KiB);

void decompress_only(benchmark::State& state, Compression c) {
  Bytes uncompressed = one_mib_batch(Compression::kNone);
  ByteView body = ByteView(uncompressed).subspan(batch_header::kSize);
  Bytes compressed;
  (void)compress(c, body, compressed);
  DecompressionBuffer scratch;
  for (auto _ : state) {
    if (decompress(c, compressed, scratch, 64 << 20) != RecordError::kNone) {
      state.SkipWithError("decompress failed");
    }
    benchmark::DoNotOptimize(scratch.view().data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["ratio"] =
      static_cast<double>(body.size()) / static_cast<double>(compressed.size());
}

void BM_DecompressLz4_1MiB(benchmark::State& state) { decompress_only(state, Compression::kLz4); }
BENCHMARK(BM_DecompressLz4_1MiB);
void BM_DecompressZstd_1MiB(benchmark::State& state) { decompress_only(state, Compression::kZstd); }
BENCHMARK(BM_DecompressZstd_1MiB);
void BM_DecompressSnappy_1MiB(benchmark::State& state) {
  decompress_only(state, Compression::kSnappy);
}
BENCHMARK(BM_DecompressSnappy_1MiB);
void BM_DecompressGzip_1MiB(benchmark::State& state) { decompress_only(state, Compression::kGzip); }
BENCHMARK(BM_DecompressGzip_1MiB);

}  // namespace
}  // namespace fjord

BENCHMARK_MAIN();
