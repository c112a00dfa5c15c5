// Hostile and broken input at the request level: every truncation of real client frames,
// counts that claim billions of elements (refused before anything is allocated for them),
// negative lengths other than null's -1, overlong varints, corrupted checksums inside a real
// Produce request and compression bombs in legacy wrappers. Each is a typed error, never a
// crash. The binary replaces operator new to see how much a decode allocates.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/any_message.h"
#include "protocol/generated/all_messages.h"
#include "protocol/header.h"
#include "protocol/records/conversion.h"
#include "protocol/records/legacy_message.h"
#include "protocol/records/legacy_reader.h"
#include "protocol/records/record_batch.h"
#include "protocol/test/golden_files.h"

namespace {
std::atomic<size_t> g_allocated{0};
std::atomic<size_t> g_largest{0};
}  // namespace

void* operator new(size_t n) {
  g_allocated += n;
  size_t prev = g_largest.load();
  while (n > prev && !g_largest.compare_exchange_weak(prev, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// gcc sees free() after an inlined `new` and warns, not knowing new is malloc here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace fjord::msg {
namespace {

// Allocation made between construction and the call: total and largest single block.
struct AllocationProbe {
  AllocationProbe() {
    g_allocated = 0;
    g_largest = 0;
  }
  size_t total() const { return g_allocated; }
  size_t largest() const { return g_largest; }
};

Bytes read_golden(const std::string& file) {
  Bytes frame = golden::read(file);
  EXPECT_FALSE(frame.empty()) << file;
  return frame;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Decodes `body` as `Message` at `version`, returning the error; fails the test if the attempt
// allocated more than a few KiB (the input is always tiny).
template <typename Message>
DecodeError decode_small(const Bytes& body, int16_t version) {
  Message m;
  AllocationProbe probe;
  const DecodeError e = decode_exact(m, body, version);
  EXPECT_LT(probe.total(), 4096u) << Message::kName << " v" << version;
  return e;
}

TEST(MalformedFrames, EveryTruncationOfEveryGoldenFrameIsAnError) {
  std::ifstream manifest_file(golden::path("manifest.json"));
  ASSERT_TRUE(manifest_file);
  int frames = 0;
  for (const auto& entry : nlohmann::json::parse(manifest_file)) {
    const std::string file = entry.at("file");
    SCOPED_TRACE(file);
    const Bytes frame = read_golden(file);
    const int16_t key = entry.at("api_key");
    const int16_t version = entry.at("api_version");
    const int16_t header_version = entry.at("header_version");
    const bool is_request = entry.at("direction") == "request";
    size_t header_size = 0;
    for (size_t len = 0; len < frame.size(); ++len) {
      Reader r(ByteView(frame.data(), len));
      DecodeError e;
      if (is_request) {
        RequestHeader h;
        e = decode_request_header(r, h);
      } else {
        ResponseHeader h;
        e = h.decode(r, header_version);
      }
      if (e != DecodeError::kNone) continue;  // the header itself is cut
      if (header_size == 0) header_size = r.position();
      std::unique_ptr<AnyMessage> body;
      const ByteView cut = ByteView(frame.data(), len).subspan(r.position());
      e = decode_message(key, is_request ? MessageKind::kRequest : MessageKind::kResponse, version,
                         cut, body);
      EXPECT_NE(e, DecodeError::kNone) << "a prefix of " << len << " bytes decoded";
    }
    EXPECT_GT(header_size, 0u);
    ++frames;
  }
  EXPECT_GE(frames, 90);
}

TEST(MalformedFrames, ArrayCountsOfTwoBillionFailFastWithoutAllocating) {
  // Produce v3: transactional_id null, acks, timeout, then topic_data claiming 2^31-1 topics.
  const Bytes produce_prefix = {0xff, 0xff, 0, 1, 0, 0, 0x75, 0x30};
  EXPECT_EQ(
      decode_small<ProduceRequest>(cat({produce_prefix, {0x7f, 0xff, 0xff, 0xff, 0, 0, 0}}), 3),
      DecodeError::kTooLarge);
  EXPECT_EQ(decode_small<ProduceRequest>(cat({produce_prefix, {0x80, 0, 0, 0}}), 3),
            DecodeError::kNegativeLength);  // -2^31
  // Produce v9 (flexible): a compact count of 2^32-2 elements.
  const Bytes produce_flexible_prefix = {0x00, 0xff, 0xff, 0, 0, 0x75, 0x30};
  EXPECT_EQ(decode_small<ProduceRequest>(
                cat({produce_flexible_prefix, {0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0}}), 9),
            DecodeError::kTooLarge);
  // Metadata response v1: a real-looking broker, then one topic whose partition's replica list
  // claims 2^31-1 int32s: the nested count is checked too.
  const Bytes metadata = {
      0,    0,    0,    1,                               // 1 broker
      0,    0,    0,    1,    0,    1,    'h',           // node 1, host "h"
      0,    0,    0x23, 0x84, 0xff, 0xff,                // port 9092, rack null
      0,    0,    0,    1,                               // controller 1
      0,    0,    0,    1,                               // 1 topic
      0,    0,    0,    1,    't',  0,                   // error 0, name "t", not internal
      0,    0,    0,    1,                               // 1 partition
      0,    0,    0,    0,    0,    0,    0,   0, 0, 1,  // error 0, index 0, leader 1
      0x7f, 0xff, 0xff, 0xff, 0,    0,    0,   1,        // replicas: 2^31-1 claimed
  };
  EXPECT_EQ(decode_small<MetadataResponse>(metadata, 1), DecodeError::kTooLarge);
  // An int32 array may not claim more elements than 4-byte slots remain: 3 claimed, 8 bytes.
  Bytes replicas_3 = metadata;
  replicas_3[replicas_3.size() - 5] = 3;
  replicas_3[replicas_3.size() - 6] = 0;
  replicas_3[replicas_3.size() - 7] = 0;
  replicas_3[replicas_3.size() - 8] = 0;
  replicas_3.insert(replicas_3.end(), {0, 0, 0, 0});
  EXPECT_EQ(decode_small<MetadataResponse>(replicas_3, 1), DecodeError::kTooLarge);
  // Bytes and strings: 2^31-1 bytes of records, a 32767-byte string, in a tiny frame.
  EXPECT_EQ(decode_small<ProduceRequest>(
                cat({produce_prefix,
                     {0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0}}),
                3),
            DecodeError::kTooLarge);
  EXPECT_EQ(decode_small<MetadataRequest>(Bytes{0, 0, 0, 1, 0x7f, 0xff, 'a', 'b'}, 1),
            DecodeError::kTooLarge);
  // Tagged fields: a section claiming 2^32-1 fields with three bytes after it.
  EXPECT_EQ(
      decode_small<ApiVersionsRequest>(Bytes{0x01, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0}, 3),
      DecodeError::kTruncated);
}

TEST(MalformedFrames, NegativeClientIdLengthsOtherThanNullAreErrors) {
  // Header v1 (Metadata v1) and v2 (Metadata v9): client id length -1 is null, below is not.
  for (int16_t version : {1, 9}) {
    for (int16_t length : {-2, -3, -100, -32768}) {
      Bytes frame = {0,
                     3,
                     0,
                     static_cast<uint8_t>(version),
                     0,
                     0,
                     0,
                     7,
                     static_cast<uint8_t>(static_cast<uint16_t>(length) >> 8),
                     static_cast<uint8_t>(length & 0xff),
                     'x',
                     0};
      Reader r(frame);
      RequestHeader h;
      EXPECT_EQ(decode_request_header(r, h), DecodeError::kNegativeLength)
          << "v" << version << " length " << length;
    }
    Bytes null_id = {0, 3, 0, static_cast<uint8_t>(version), 0, 0, 0, 7, 0xff, 0xff, 0};
    Reader r(null_id);
    RequestHeader h;
    EXPECT_EQ(decode_request_header(r, h), DecodeError::kNone);
    EXPECT_EQ(h.client_id, std::nullopt);
    EXPECT_EQ(h.correlation_id, 7);
  }
  // A client id longer than the frame.
  const Bytes long_id = {0, 3, 0, 1, 0, 0, 0, 7, 0x7f, 0xff, 'x'};
  Reader r(long_id);
  RequestHeader h;
  EXPECT_EQ(decode_request_header(r, h), DecodeError::kTooLarge);
}

TEST(MalformedFrames, OverlongVarints) {
  // ApiVersions v3 (flexible): client_software_name's compact length runs to 6 bytes.
  EXPECT_EQ(decode_small<ApiVersionsRequest>(Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 3),
            DecodeError::kVarintTooLong);
  // The tagged-field count, and a tagged field's size.
  EXPECT_EQ(decode_small<ApiVersionsRequest>(
                Bytes{0x02, 'a', 0x02, 'b', 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 3),
            DecodeError::kVarintTooLong);
  EXPECT_EQ(decode_small<ApiVersionsRequest>(
                Bytes{0x02, 'a', 0x02, 'b', 0x01, 0x07, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 3),
            DecodeError::kVarintTooLong);
  // Redundant continuation bytes within five are accepted, as Kafka's readUnsignedVarint does:
  // a one-byte name written in two bytes.
  ApiVersionsRequest req;
  EXPECT_EQ(decode_exact(req, Bytes{0x82, 0x00, 'a', 0x02, 'b', 0x00}, 3), DecodeError::kNone);
  EXPECT_EQ(req.client_software_name, "a");
}

// The records field of a Produce request frame, decoded.
ByteView produce_records(const Bytes& frame) {
  Reader r(frame);
  RequestHeader header;
  EXPECT_EQ(decode_request_header(r, header), DecodeError::kNone);
  ProduceRequest req;
  EXPECT_EQ(req.decode(r, header.api_version), DecodeError::kNone);
  if (req.topic_data.empty() || req.topic_data[0].partition_data.empty()) return {};
  return req.topic_data[0].partition_data[0].records.bytes;
}

// A real Produce frame with one bit flipped inside the last record's value ("three").
Bytes damaged_produce(const std::string& file) {
  Bytes frame = read_golden(file);
  const ByteView records = produce_records(frame);
  EXPECT_GT(records.size(), 3u);
  frame[static_cast<size_t>(records.data() - frame.data()) + records.size() - 3] ^= 0x20;
  return frame;
}

// Record bytes damaged in flight: the frame still decodes (records are opaque to the codec),
// and validation reports CORRUPT_MESSAGE.
TEST(MalformedFrames, BadCrcInsideARealProduceRequest) {
  for (const char* file :
       {"java-3.9.0/produce_v11_request.bin", "librdkafka/produce_v7_request.bin"}) {
    SCOPED_TRACE(file);
    const Bytes frame = damaged_produce(file);
    auto batch = RecordBatchView::parse(produce_records(frame));
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->validate(), RecordError::kCrcMismatch);
    EXPECT_EQ(to_error_code(batch->validate()), ErrorCode::kCorruptMessage);
  }
  // The 0.9 client's magic-0 message set: each message has its own CRC-32.
  const Bytes frame = damaged_produce("librdkafka-fallback-0.9.0/produce_v1_request.bin");
  DecompressionBuffer scratch;
  legacy::LegacyRecordReader reader(produce_records(frame), scratch);
  legacy::LegacyRecord record;
  int read = 0;
  while (reader.next(record)) ++read;
  EXPECT_EQ(read, 2);
  EXPECT_EQ(reader.error(), RecordError::kCrcMismatch);
}

// A legacy wrapper message whose compressed payload inflates far beyond the limit: refused
// with RECORD_LIST_TOO_LARGE before the output grows past it, for every legacy codec.
TEST(MalformedFrames, LegacyWrapperCompressionBombsAreRefused) {
  const std::string value(1 << 20, 'z');
  for (Compression c : {Compression::kGzip, Compression::kSnappy, Compression::kLz4}) {
    SCOPED_TRACE(static_cast<int>(c));
    legacy::LegacyMessageSetBuilder builder(1, c);
    for (int i = 0; i < 8; ++i) builder.append(i, 1000, std::nullopt, as_bytes(value));
    Bytes set;
    ASSERT_EQ(builder.build(set), RecordError::kNone);
    ASSERT_LT(set.size(), 1u << 20);  // 8 MiB of records in well under 1 MiB
    constexpr size_t kLimit = 1 << 20;
    DecompressionBuffer scratch;
    legacy::LegacyRecordReader reader(set, scratch, kLimit);
    legacy::LegacyRecord record;
    EXPECT_FALSE(reader.next(record));
    EXPECT_EQ(reader.error(), RecordError::kDecompressedTooLarge);
    EXPECT_EQ(to_error_code(reader.error()), ErrorCode::kRecordListTooLarge);
    Bytes converted;
    EXPECT_EQ(convert_legacy_to_batch(set, converted, scratch, {.max_decompressed = kLimit}),
              RecordError::kDecompressedTooLarge);
    EXPECT_LE(scratch.capacity(), 2 * kLimit);
  }
}

}  // namespace
}  // namespace fjord::msg
