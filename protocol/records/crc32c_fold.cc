// CRC-32C by carry-less multiplication folding over AVX-512 registers (VPCLMULQDQ).
//
// The reflected CRC of a message M is M(x)·x^32 mod P, where the first bit of the message (bit 0
// of byte 0) is the highest-degree coefficient. Loaded little-endian, a 128-bit block is the
// polynomial X = H·x^64 + L with H the qword at the lower address. Moving X forward over D bits
// of following data (X·x^D) does not change the CRC if X is replaced by anything congruent mod P;
// H·(x^(D+64) mod P) + L·(x^D mod P) is such a value and fits in 128 bits, so it can be XORed
// into the block that ends D bits later. PCLMULQDQ on bit-reflected operands returns a·b·x, so
// the constants are x^(D+63) and x^(D-1) mod P; held in the low 32 bits of a qword they stand
// for (x^n mod P)·x^32, hence kFold(D) below uses x^(D+31) and x^(D-33).
//
// The main loop keeps four 512-bit accumulators (sixteen 128-bit lanes, 256 bytes) and folds
// each over 256 bytes per iteration: two VPCLMULQDQ and one three-way XOR per 64 bytes, with no
// dependency between the four chains. At the end the lanes are folded into one 128-bit block,
// and the crc32 instruction reduces it: crc32(crc32(0, H), L) = (H·x^64 + L)·x^32 mod P, which is
// the CRC register after the block. From 4 KiB on, the same loop also runs three crc32
// instruction streams over the chunk's last part (see fold_chunk): ~85 GiB/s instead of ~60 on
// one Zen 4 core.
#include <algorithm>
#include <array>
#include <cstring>

#include "protocol/records/crc32c.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// GCC 12's AVX-512 headers build "undefined" pass-through operands as `__m512i __Y = __Y;`, which
// -W(maybe-)uninitialized reports at every inlined use (GCC bug 105593, fixed in GCC 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace fjord {
namespace {

#if defined(__x86_64__)

constexpr uint32_t kPoly = 0x82f63b78;

// x^n mod P, bit-reflected (bit 31 is x^0).
constexpr uint32_t xpow_mod(int n) {
  uint32_t r = 0x80000000u;
  for (int i = 0; i < n; ++i) r = (r & 1) ? (r >> 1) ^ kPoly : r >> 1;
  return r;
}

// Constants that fold a 128-bit block over d bits: {low qword, high qword}.
struct FoldConstants {
  uint64_t lo;
  uint64_t hi;
};
constexpr FoldConstants fold_constants(int d) { return {xpow_mod(d + 31), xpow_mod(d - 33)}; }

constexpr FoldConstants kFold128 = fold_constants(128);
constexpr FoldConstants kFold256 = fold_constants(256);
constexpr FoldConstants kFold384 = fold_constants(384);
constexpr FoldConstants kFold512 = fold_constants(512);
constexpr FoldConstants kFold2048 = fold_constants(2048);

#define FJORD_FOLD_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.2")))

// The constants in every 128-bit lane.
FJORD_FOLD_TARGET inline __m512i broadcast(FoldConstants c) {
  auto lo = static_cast<int64_t>(c.lo), hi = static_cast<int64_t>(c.hi);
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}

FJORD_FOLD_TARGET inline __m512i fold512(__m512i acc, __m512i k, __m512i data) {
  __m512i a = _mm512_clmulepi64_epi128(acc, k, 0x00);
  __m512i b = _mm512_clmulepi64_epi128(acc, k, 0x11);
  return _mm512_ternarylogic_epi64(a, b, data, 0x96);  // a ^ b ^ data
}

// The four accumulators over the next 256 bytes.
FJORD_FOLD_TARGET inline void fold256(__m512i (&x)[4], __m512i k, const uint8_t* next) {
  for (int i = 0; i < 4; ++i) x[i] = fold512(x[i], k, _mm512_loadu_si512(next + 64 * i));
}

FJORD_FOLD_TARGET inline __m128i fold128(__m128i acc, FoldConstants c, __m128i data) {
  __m128i k = _mm_set_epi64x(static_cast<int64_t>(c.hi), static_cast<int64_t>(c.lo));
  __m128i a = _mm_clmulepi64_si128(acc, k, 0x00);
  __m128i b = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_ternarylogic_epi64(a, b, data, 0x96);
}

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// a·b mod P for bit-reflected residues (x^i mod P times x^j mod P is x^(i+j) mod P).
constexpr uint32_t mul_mod(uint32_t a, uint32_t b) {
  uint32_t r = 0;
  for (int e = 0; e < 32; ++e) {
    if (b & (0x80000000u >> e)) r ^= a;
    a = (a & 1) ? (a >> 1) ^ kPoly : a >> 1;
  }
  return r;
}

// The scalar side of the fused loop: three crc32 streams of kStreamQwords qwords each per
// iteration, beside the vector side's 256 bytes. The crc32 instruction (one per cycle, latency
// three) and VPCLMULQDQ use different execution units, so both run at full speed; the ratio
// matches their throughputs on Zen 4 (measured: 5 qwords beat 4 and 6).
constexpr int kStreamQwords = 5;
constexpr size_t kStreamStep = 8 * kStreamQwords;
constexpr size_t kFusedStep = 256 + 3 * kStreamStep;
// Inputs are cut into chunks of at most kMaxChunk; the fused loop pays off from kFuseMin.
constexpr size_t kMaxChunk = 64 << 10;
constexpr size_t kFuseMin = 4096;
constexpr size_t kMaxIterations = (kMaxChunk - 256) / kFusedStep;

// kShiftBy[n]: the constant that moves a CRC register over n·kStreamStep zero bytes (see shift()).
constexpr std::array<uint32_t, kMaxIterations + 1> make_shift_constants() {
  std::array<uint32_t, kMaxIterations + 1> t{};
  const uint32_t step = xpow_mod(8 * kStreamStep);
  t[1] = xpow_mod(8 * kStreamStep - 33);
  for (size_t n = 2; n <= kMaxIterations; ++n) t[n] = mul_mod(t[n - 1], step);
  return t;
}
constexpr auto kShiftBy = make_shift_constants();

// reg·x^(8·len) mod P, given k = x^(8·len - 33) mod P: the carry-less product is reg·k·x^33
// short of the target, and crc32(0, ·) multiplies by x^32 and reduces (the last x is
// PCLMULQDQ's own, as in the folding).
FJORD_FOLD_TARGET inline uint32_t shift(uint32_t reg, uint32_t k) {
  __m128i p = _mm_clmulepi64_si128(_mm_cvtsi32_si128(static_cast<int>(reg)),
                                   _mm_cvtsi32_si128(static_cast<int>(k)), 0x00);
  return static_cast<uint32_t>(_mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(p))));
}

// The raw CRC register after len >= 256 bytes, from register reg. From kFuseMin bytes the chunk is
// laid out as [vector region][stream 1][stream 2][stream 3], the streams n·kStreamStep bytes
// each, all four advanced in one loop; the streams' registers are then appended to the vector
// region's one by shift().
FJORD_FOLD_TARGET uint32_t fold_chunk(uint32_t reg, const uint8_t* next, size_t len) {
  const size_t n = len >= kFuseMin ? std::min((len - 256) / kFusedStep, kMaxIterations) : 0;
  const size_t stream_len = n * kStreamStep;
  const uint8_t* s1 = next + len - 3 * stream_len;
  const uint8_t* s2 = s1 + stream_len;
  const uint8_t* s3 = s2 + stream_len;
  size_t left = len - 3 * stream_len;

  __m512i x[4] = {_mm512_loadu_si512(next), _mm512_loadu_si512(next + 64),
                  _mm512_loadu_si512(next + 128), _mm512_loadu_si512(next + 192)};
  // The initial register value is XORed into the message's first 32 bits.
  x[0] = _mm512_xor_si512(x[0], _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, reg));
  next += 256;
  left -= 256;

  const __m512i k2048 = broadcast(kFold2048);
  uint64_t c1 = 0, c2 = 0, c3 = 0;
  for (size_t i = 0; i < n; ++i) {
    fold256(x, k2048, next);
    next += 256;
#pragma GCC unroll 8
    for (int j = 0; j < kStreamQwords; ++j) {
      c1 = _mm_crc32_u64(c1, load_le64(s1));
      c2 = _mm_crc32_u64(c2, load_le64(s2));
      c3 = _mm_crc32_u64(c3, load_le64(s3));
      s1 += 8;
      s2 += 8;
      s3 += 8;
    }
  }
  left -= n * 256;
  while (left >= 256) {
    fold256(x, k2048, next);
    next += 256;
    left -= 256;
  }

  // Four accumulators into one, each over 512 bits onto the next.
  const __m512i k512 = broadcast(kFold512);
  x[1] = fold512(x[0], k512, x[1]);
  x[2] = fold512(x[1], k512, x[2]);
  __m512i x3 = fold512(x[2], k512, x[3]);
  while (left >= 64) {
    x3 = fold512(x3, k512, _mm512_loadu_si512(next));
    next += 64;
    left -= 64;
  }

  // The four lanes of x3 into its last one.
  __m128i l0 = _mm512_extracti32x4_epi32(x3, 0);
  __m128i l1 = _mm512_extracti32x4_epi32(x3, 1);
  __m128i l2 = _mm512_extracti32x4_epi32(x3, 2);
  __m128i l3 = _mm512_extracti32x4_epi32(x3, 3);
  __m128i y = fold128(l0, kFold384, l3);
  y = fold128(l1, kFold256, y);
  y = fold128(l2, kFold128, y);
  while (left >= 16) {
    y = fold128(y, kFold128, _mm_loadu_si128(reinterpret_cast<const __m128i*>(next)));
    next += 16;
    left -= 16;
  }

  uint64_t c = _mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(y)));
  c = _mm_crc32_u64(c, static_cast<uint64_t>(_mm_extract_epi64(y, 1)));
  if (left >= 8) {
    c = _mm_crc32_u64(c, load_le64(next));
    next += 8;
    left -= 8;
  }
  auto r = static_cast<uint32_t>(c);
  while (left > 0) {
    r = _mm_crc32_u8(r, *next++);
    --left;
  }
  if (n > 0) {
    const uint32_t k = kShiftBy[n];
    r = shift(r, k) ^ static_cast<uint32_t>(c1);
    r = shift(r, k) ^ static_cast<uint32_t>(c2);
    r = shift(r, k) ^ static_cast<uint32_t>(c3);
  }
  return r;
}

FJORD_FOLD_TARGET uint32_t fold_entry(ByteView data, uint32_t crc) {
  const uint8_t* next = data.data();
  size_t len = data.size();
  uint32_t reg = ~crc;
  while (len >= 256) {
    size_t chunk = std::min(len, kMaxChunk);
    reg = fold_chunk(reg, next, chunk);
    next += chunk;
    len -= chunk;
  }
  return len == 0 ? ~reg : crc32c_hw(ByteView(next, len), ~reg);
}

bool detect_fold() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul") &&
         __builtin_cpu_supports("sse4.2");
}

#endif

}  // namespace

bool crc32c_fold_available() {
#if defined(__x86_64__)
  static const bool available = detect_fold();
  return available;
#else
  return false;
#endif
}

uint32_t crc32c_fold(ByteView data, uint32_t crc) {
#if defined(__x86_64__)
  return fold_entry(data, crc);
#else
  return crc32c_hw(data, crc);
#endif
}

}  // namespace fjord
