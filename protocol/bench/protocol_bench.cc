// Throughput of the request path on one core. A 1 MiB Produce request carrying one
// uncompressed batch of 1 KiB records, as a client sends it: header + body decoded with the
// generated codec (records stay a view into the frame), then the batch parsed and validated
// (CRC-32C over the whole batch), and validated record by record as the broker does before an
// append. And the other direction: encoding a Fetch response around 1 MiB of records, copied
// into the buffer or, as the plaintext fetch path does, spliced from a file region.
// bytes_per_second is against the whole frame.
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "protocol/api.h"
#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/records/batch_builder.h"
#include "protocol/records/record_batch.h"

namespace fjord::msg {
namespace {

// 1 MiB: 1024 records of ~1 KiB (a 1006-byte value, an 8-byte key and the record framing).
Bytes one_mib_batch() {
  RecordBatchBuilder builder;
  std::mt19937 rng(3);
  std::string value(1006, ' ');
  for (int i = 0; i < 1024; ++i) {
    for (auto& ch : value) ch = static_cast<char>('a' + rng() % 26);
    const std::string key = "key-" + std::to_string(1000 + i);
    builder.append(1700000000000 + i, as_bytes(key), as_bytes(value));
  }
  Bytes out;
  (void)builder.build(out);
  return out;
}

Bytes produce_frame(int16_t version, const Bytes& batch) {
  RequestHeader header;
  header.api_key = ProduceRequest::kApiKey;
  header.api_version = version;
  header.correlation_id = 42;
  header.client_id = "bench-producer";
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  req.topic_data.emplace_back();
  req.topic_data[0].name = "bench";
  req.topic_data[0].partition_data.emplace_back();
  req.topic_data[0].partition_data[0].records = RecordsRef::of(ByteView(batch));
  Bytes frame;
  Writer w(frame);
  header.encode(w, find_api(header.api_key)->request_header_version(version));
  req.encode(w, version);
  return frame;
}

// Decodes the frame and checks its batches: validate() (framing, CRC-32C, header sanity), plus
// validate_records() (every record walked) when `walk_records`.
void decode_validate(benchmark::State& state, int16_t version, bool walk_records) {
  const Bytes batch = one_mib_batch();
  const Bytes frame = produce_frame(version, batch);
  DecompressionBuffer scratch;
  for (auto _ : state) {
    Reader r(frame);
    RequestHeader header;
    ProduceRequest req;
    if (decode_request_header(r, header) != DecodeError::kNone ||
        req.decode(r, header.api_version) != DecodeError::kNone) {
      state.SkipWithError("decode failed");
      break;
    }
    for (const auto& topic : req.topic_data) {
      for (const auto& partition : topic.partition_data) {
        auto view = RecordBatchView::parse(partition.records.bytes);
        const RecordError e = !view.ok()     ? view.error()
                              : walk_records ? view->validate_records(scratch)
                                             : view->validate();
        if (e != RecordError::kNone) state.SkipWithError("invalid batch");
        benchmark::DoNotOptimize(e);
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame.size()));
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

void BM_ProduceDecodeValidate(benchmark::State& state) {
  decode_validate(state, static_cast<int16_t>(state.range(0)), false);
}
BENCHMARK(BM_ProduceDecodeValidate)->ArgName("v")->Arg(3)->Arg(9);

void BM_ProduceDecodeValidateRecords(benchmark::State& state) {
  decode_validate(state, static_cast<int16_t>(state.range(0)), true);
}
BENCHMARK(BM_ProduceDecodeValidateRecords)->ArgName("v")->Arg(3)->Arg(9);

FetchResponse fetch_response(const RecordsRef& records) {
  FetchResponse res;
  res.session_id = 7;
  res.responses.emplace_back();
  res.responses[0].topic = "bench";
  auto& p = res.responses[0].partitions.emplace_back();
  p.partition_index = 0;
  p.high_watermark = 1000;
  p.last_stable_offset = 1000;
  p.log_start_offset = 0;
  p.records = records;
  return res;
}

// Response header + body into a reused buffer (the connection keeps its write buffer).
void encode_fetch(benchmark::State& state, const RecordsRef& records, int16_t version) {
  const FetchResponse res = fetch_response(records);
  const int16_t header_version = find_api(FetchResponse::kApiKey)->response_header_version(version);
  ResponseHeader header;
  header.correlation_id = 42;
  Bytes out;
  std::vector<Splice> splices;
  size_t wire = 0;
  for (auto _ : state) {
    out.clear();
    splices.clear();
    Writer w(out, &splices);
    header.encode(w, header_version);
    res.encode(w, version);
    wire = out.size() + (splices.empty() ? 0 : static_cast<size_t>(splices[0].region.length));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire));
  state.counters["wire_bytes"] = static_cast<double>(wire);
}

void BM_FetchResponseEncodeCopy(benchmark::State& state) {
  const Bytes batch = one_mib_batch();
  encode_fetch(state, RecordsRef::of(ByteView(batch)), static_cast<int16_t>(state.range(0)));
}
BENCHMARK(BM_FetchResponseEncodeCopy)->ArgName("v")->Arg(4)->Arg(12);

void BM_FetchResponseEncodeSplice(benchmark::State& state) {
  const FileRegion region{.fd = 3, .position = 0, .length = 1 << 20};
  encode_fetch(state, RecordsRef::of(region), static_cast<int16_t>(state.range(0)));
}
BENCHMARK(BM_FetchResponseEncodeSplice)->ArgName("v")->Arg(4)->Arg(12);

}  // namespace
}  // namespace fjord::msg

BENCHMARK_MAIN();
