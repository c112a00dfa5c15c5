#include "protocol/records/crc32c.h"

#include <gtest/gtest.h>

#include <random>

namespace fjord {
namespace {

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(crc32c(as_bytes("")), 0u);
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c_sw(as_bytes("123456789")), 0xE3069283u);
  // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xff, ascending, descending.
  Bytes zeros(32, 0), ones(32, 0xff), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<uint8_t>(i);
    down[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down), 0x113FDB5Cu);
  EXPECT_EQ(crc32c_sw(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c_sw(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c_sw(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c_sw(down), 0x113FDB5Cu);
}

TEST(Crc32cTest, HardwareMatchesSoftwareOnAllLengthsAndAlignments) {
  if (!crc32c_hw_available()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937 rng(42);
  Bytes data(3 * 8192 * 2 + 3 * 256 * 3 + 100);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  EXPECT_EQ(crc32c_hw(as_bytes("123456789")), 0xE3069283u);
  for (size_t len : {0, 1, 7, 8, 9, 255, 256, 767, 768, 769, 24575, 24576, 24577, 50000}) {
    for (size_t align = 0; align < 8; ++align) {
      if (align + len > data.size()) continue;
      ByteView v(data.data() + align, len);
      ASSERT_EQ(crc32c_hw(v), crc32c_sw(v)) << len << " " << align;
      ASSERT_EQ(crc32c_hw(v, 0x12345678), crc32c_sw(v, 0x12345678)) << len << " " << align;
    }
  }
  for (size_t len = 0; len < 1000; ++len) {
    ByteView v(data.data() + 3, len);
    ASSERT_EQ(crc32c_hw(v), crc32c_sw(v)) << len;
  }
  ByteView all(data);
  EXPECT_EQ(crc32c_hw(all), crc32c_sw(all));
}

// The bitwise definition, independent of every table and instruction above.
uint32_t crc32c_bitwise(ByteView data, uint32_t crc) {
  uint32_t c = ~crc;
  for (uint8_t b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
  }
  return ~c;
}

TEST(Crc32cTest, SoftwareMatchesBitwise) {
  std::mt19937 rng(7);
  Bytes data(4096 + 8);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t len = 0; len <= 4096; len += 1 + len / 8) {
    ByteView v(data.data() + len % 8, len);
    ASSERT_EQ(crc32c_sw(v, 0x9e3779b9u), crc32c_bitwise(v, 0x9e3779b9u)) << len;
  }
}

TEST(Crc32cTest, FoldMatchesBitwiseOnRandomLengthsAndAlignments) {
  if (!crc32c_fold_available()) GTEST_SKIP() << "no AVX-512 VPCLMULQDQ";
  EXPECT_EQ(crc32c_fold(as_bytes("123456789")), 0xE3069283u);
  std::mt19937 rng(1234);
  Bytes data((64 << 10) + 64);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  std::uniform_int_distribution<size_t> any_len(0, 64 << 10), align(0, 63);
  for (int i = 0; i < 300; ++i) {
    size_t len = any_len(rng), a = align(rng);
    uint32_t init = static_cast<uint32_t>(rng());
    ByteView v(data.data() + a, len);
    ASSERT_EQ(crc32c_fold(v, init), crc32c_bitwise(v, init)) << len << " " << a;
  }
  // Past the 64 KiB chunk size, and just short of and past the fused loop's 4 KiB threshold.
  Bytes big((256 << 10) + 64);
  for (auto& b : big) b = static_cast<uint8_t>(rng());
  for (size_t len : {4095, 4096, 4097, 4096 + 376, 65535, 65536, 65536 + 255, 65536 + 256,
                     3 * 65536 + 17, 4 * 65536}) {
    ByteView v(big.data() + len % 61, len);
    ASSERT_EQ(crc32c_fold(v, 7), crc32c_bitwise(v, 7)) << len;
  }
  // Every length around the 256-byte threshold and the 64- and 16-byte tails.
  for (size_t len = 0; len <= 1100; ++len) {
    ByteView v(data.data() + len % 64, len);
    ASSERT_EQ(crc32c_fold(v), crc32c_bitwise(v, 0)) << len;
  }
  // All zeros and all ones: a constant off by a bit still passes on random bytes only rarely,
  // but these catch a wrong initial-value injection.
  Bytes zeros(5000, 0), ones(5000, 0xff);
  EXPECT_EQ(crc32c_fold(zeros), crc32c_bitwise(zeros, 0));
  EXPECT_EQ(crc32c_fold(ones, 0xffffffffu), crc32c_bitwise(ones, 0xffffffffu));
  EXPECT_EQ(crc32c(zeros), crc32c_fold(zeros));
}

TEST(Crc32cTest, Continues) {
  ByteView all = as_bytes("hello, world of kafka record batches");
  for (size_t split = 0; split <= all.size(); ++split) {
    EXPECT_EQ(crc32c(all.subspan(split), crc32c(all.first(split))), crc32c(all));
    EXPECT_EQ(crc32c_sw(all.subspan(split), crc32c_sw(all.first(split))), crc32c_sw(all));
  }
}

TEST(Crc32Test, IeeeKnownVector) {
  EXPECT_EQ(crc32_ieee(as_bytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32_ieee(as_bytes("")), 0u);
}

}  // namespace
}  // namespace fjord
