// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of magic-2 record batches,
// and CRC-32 (IEEE) of legacy magic 0/1 messages. crc32c() picks at run time, by what the CPU
// has: carry-less multiplication folding over AVX-512 registers (VPCLMULQDQ, crc32c_fold.cc),
// else three interleaved SSE4.2 crc32 streams (~3x one stream's speed), else a portable
// slicing-by-8 table implementation. All functions are pure and thread-safe.
#pragma once

#include <cstdint>

#include "protocol/wire.h"

namespace fjord {

// Continues a CRC-32C: crc32c(crc32c(a), b) == crc32c(a ++ b). Start with 0.
uint32_t crc32c(ByteView data, uint32_t crc = 0);

// The two implementations, exposed for tests and benchmarks. crc32c_hw() must only be called
// when crc32c_hw_available().
uint32_t crc32c_sw(ByteView data, uint32_t crc = 0);
uint32_t crc32c_hw(ByteView data, uint32_t crc = 0);
bool crc32c_hw_available();
// crc32c_fold() must only be called when crc32c_fold_available() (AVX-512F/VL, VPCLMULQDQ,
// SSE4.2); inputs shorter than 256 bytes go to crc32c_hw().
uint32_t crc32c_fold(ByteView data, uint32_t crc = 0);
bool crc32c_fold_available();

// CRC-32 (IEEE 802.3, zlib's crc32), used by magic 0/1 messages.
uint32_t crc32_ieee(ByteView data, uint32_t crc = 0);

}  // namespace fjord
