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
