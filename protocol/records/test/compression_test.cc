#include "protocol/records/compression.h"

#include <gtest/gtest.h>

#include <random>

namespace fjord {
namespace {

Bytes sample(size_t n, uint32_t seed = 1) {
  // Compressible but not trivial: words from a small vocabulary.
  static const char* kWords[] = {"kafka ", "fjord ", "record ", "batch ", "offset ", "lz4 "};
  std::mt19937 rng(seed);
  Bytes out;
  while (out.size() < n) {
    const char* w = kWords[rng() % 6];
    out.insert(out.end(), w, w + std::strlen(w));
  }
  out.resize(n);
  return out;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripsSizes) {
  DecompressionBuffer buffer;
  for (size_t n : {0, 1, 100, 32 * 1024, 32 * 1024 + 1, 65536, 300000}) {
    Bytes input = sample(n, static_cast<uint32_t>(n));
    Bytes compressed;
    ASSERT_EQ(compress(GetParam(), input, compressed), RecordError::kNone);
    ASSERT_EQ(decompress(GetParam(), compressed, buffer, 1 << 20), RecordError::kNone) << n;
    ASSERT_EQ(buffer.size(), input.size());
    EXPECT_TRUE(std::equal(input.begin(), input.end(), buffer.view().begin())) << n;
  }
}

TEST_P(CodecTest, RefusesOutputBeyondTheLimit) {
  Bytes input(1 << 20, 'a');  // a 1 MiB "bomb": compresses to almost nothing
  Bytes compressed;
  ASSERT_EQ(compress(GetParam(), input, compressed), RecordError::kNone);
  DecompressionBuffer buffer;
  EXPECT_EQ(decompress(GetParam(), compressed, buffer, 4096), RecordError::kDecompressedTooLarge);
  EXPECT_LE(buffer.capacity(), GetParam() == Compression::kNone ? 0u : (1u << 20));
  EXPECT_EQ(decompress(GetParam(), compressed, buffer, (1 << 20) - 1),
            RecordError::kDecompressedTooLarge);
  EXPECT_EQ(decompress(GetParam(), compressed, buffer, 1 << 20), RecordError::kNone);
  EXPECT_EQ(to_error_code(RecordError::kDecompressedTooLarge), ErrorCode::kRecordListTooLarge);
}

TEST_P(CodecTest, TruncatedOrDamagedInputIsAnErrorNotACrash) {
  if (GetParam() == Compression::kNone) {
    GTEST_SKIP();
  }
  Bytes input = sample(70000);
  Bytes compressed;
  ASSERT_EQ(compress(GetParam(), input, compressed), RecordError::kNone);
  DecompressionBuffer buffer;
  for (size_t cut = 0; cut < compressed.size(); cut += (cut < 64 ? 1 : 97)) {
    ByteView part(compressed.data(), cut);
    RecordError e = decompress(GetParam(), part, buffer, 1 << 20);
    // Raw-snappy fallback may decode a prefix of a xerial stream as garbage: only require no
    // success with the full content.
    if (e == RecordError::kNone) {
      EXPECT_NE(buffer.size(), input.size()) << cut;
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    Bytes damaged = compressed;
    damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    (void)decompress(GetParam(), damaged, buffer, 1 << 20);
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd),
                         [](const auto& info) {
                           return std::string(compression_name(info.param));
                         });

TEST(SnappyTest, WritesXerialFramingLikeSnappyJava) {
  Bytes input = sample(100000);
  Bytes out;
  ASSERT_EQ(compress(Compression::kSnappy, input, out), RecordError::kNone);
  const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GT(out.size(), 16u);
  EXPECT_TRUE(std::equal(header, header + 16, out.begin()));
  // Blocks of at most 32 KiB uncompressed: 100000 bytes make four blocks.
  size_t pos = 16, blocks = 0;
  while (pos < out.size()) {
    uint32_t n = static_cast<uint32_t>(out[pos]) << 24 | out[pos + 1] << 16 | out[pos + 2] << 8 |
                 out[pos + 3];
    pos += 4 + n;
    ++blocks;
  }
  EXPECT_EQ(pos, out.size());
  EXPECT_EQ(blocks, 4u);
}

TEST(SnappyTest, ReadsRawSnappy) {
  Bytes input = sample(5000);
  Bytes raw;
  compress_snappy_raw(input, raw);
  DecompressionBuffer buffer;
  ASSERT_EQ(decompress(Compression::kSnappy, raw, buffer, 1 << 20), RecordError::kNone);
  EXPECT_TRUE(std::equal(input.begin(), input.end(), buffer.view().begin(), buffer.view().end()));
  EXPECT_EQ(decompress(Compression::kSnappy, raw, buffer, 100), RecordError::kDecompressedTooLarge);
}

TEST(SnappyTest, ReadsAHandMadeXerialStream) {
  // 0x82 SNAPPY 0, version 1, compatible 1, one block: raw snappy of "hello" is
  // varint length 5, literal tag (5-1)<<2, "hello".
  const uint8_t stream[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,  0,   0,   0,   1,   0,  0,
                            0,    1,   0,   0,   0,   7,   5,   16, 'h', 'e', 'l', 'l', 'o'};
  DecompressionBuffer buffer;
  ASSERT_EQ(decompress(Compression::kSnappy, stream, buffer, 100), RecordError::kNone);
  EXPECT_EQ(std::string(buffer.view().begin(), buffer.view().end()), "hello");
}

TEST(Lz4Test, LegacyKafkaHeaderChecksum) {
  Bytes input = sample(100000);
  Bytes standard, legacy;
  ASSERT_EQ(compress(Compression::kLz4, input, standard), RecordError::kNone);
  ASSERT_EQ(compress(Compression::kLz4, input, legacy, Lz4HeaderChecksum::kLegacyKafka),
            RecordError::kNone);
  ASSERT_EQ(standard.size(), legacy.size());
  // Only the header checksum byte (after magic, FLG, BD) differs.
  EXPECT_NE(standard[6], legacy[6]);
  EXPECT_TRUE(std::equal(standard.begin() + 7, standard.end(), legacy.begin() + 7));
  DecompressionBuffer buffer;
  // The standard reader rejects Kafka 0.8's checksum ...
  EXPECT_EQ(decompress(Compression::kLz4, legacy, buffer, 1 << 20),
            RecordError::kCorruptCompressedData);
  // ... the magic-0 reader ignores it, as Kafka does, and so reads both.
  ASSERT_EQ(decompress(Compression::kLz4, legacy, buffer, 1 << 20, Lz4HeaderChecksum::kLegacyKafka),
            RecordError::kNone);
  EXPECT_TRUE(std::equal(input.begin(), input.end(), buffer.view().begin(), buffer.view().end()));
  ASSERT_EQ(
      decompress(Compression::kLz4, standard, buffer, 1 << 20, Lz4HeaderChecksum::kLegacyKafka),
      RecordError::kNone);
  EXPECT_EQ(buffer.size(), input.size());
}

TEST(Lz4Test, KnownLegacyHeader) {
  // Kafka's frames start 04 22 4D 18 60 40 82: magic, FLG (version 01, independent blocks),
  // BD (64 KiB blocks), HC = second byte of xxh32(FLG BD). Kafka 0.8 hashed from the magic on.
  Bytes input = sample(10);
  Bytes standard, legacy;
  ASSERT_EQ(compress(Compression::kLz4, input, standard), RecordError::kNone);
  ASSERT_EQ(compress(Compression::kLz4, input, legacy, Lz4HeaderChecksum::kLegacyKafka),
            RecordError::kNone);
  EXPECT_EQ(standard[4], 0x60);  // version 01, block independence
  EXPECT_EQ(standard[5], 0x40);  // 64 KiB blocks
  EXPECT_EQ(standard[6], 0x82);  // the well-known lz4 header checksum of "60 40"
  EXPECT_EQ(legacy[6], 0x1A);
}

TEST(GzipTest, ReadsConcatenatedMembers) {
  Bytes a = sample(1000, 1), b = sample(2000, 2);
  Bytes stream;
  ASSERT_EQ(compress(Compression::kGzip, a, stream), RecordError::kNone);
  ASSERT_EQ(compress(Compression::kGzip, b, stream), RecordError::kNone);
  DecompressionBuffer buffer;
  ASSERT_EQ(decompress(Compression::kGzip, stream, buffer, 1 << 20), RecordError::kNone);
  EXPECT_EQ(buffer.size(), 3000u);
}

}  // namespace
}  // namespace fjord
