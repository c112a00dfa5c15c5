#include "protocol/records/crc32c.h"

#include <zlib.h>

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace fjord {
namespace {

constexpr uint32_t kPoly = 0x82f63b78;

// Slicing-by-8 tables: kTables[k][b] is the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = t[0][n];
    for (size_t k = 1; k < 8; ++k) {
      c = t[0][c & 0xff] ^ (c >> 8);
      t[k][n] = c;
    }
  }
  return t;
}
constexpr auto kTables = make_tables();

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

#if defined(__x86_64__)
// Three-way interleaving after Mark Adler's crc32c.c: the crc32 instruction has a latency of
// three cycles and a throughput of one, so three independent streams over adjacent blocks keep
// the unit busy; their CRCs are combined by "shifting" the first over the length of the others
// (multiplying by x^(8*len) mod P), done with four byte tables per block length.
constexpr size_t kLong = 8192;
constexpr size_t kShort = 256;

using ShiftTable = std::array<std::array<uint32_t, 256>, 4>;

uint32_t gf2_matrix_times(const uint32_t* mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1) sum ^= *mat;
    vec >>= 1;
    ++mat;
  }
  return sum;
}

void gf2_matrix_square(uint32_t* square, const uint32_t* mat) {
  for (int n = 0; n < 32; ++n) square[n] = gf2_matrix_times(mat, mat[n]);
}

// Operator (32x32 GF(2) matrix) that appends len zero bytes to a raw CRC register; len is a
// power of two.
void zeros_operator(uint32_t* even, size_t len) {
  uint32_t odd[32];
  odd[0] = kPoly;
  uint32_t row = 1;
  for (int n = 1; n < 32; ++n) {
    odd[n] = row;
    row <<= 1;
  }
  gf2_matrix_square(even, odd);  // 2 zero bits
  gf2_matrix_square(odd, even);  // 4 zero bits
  // Each square doubles the number of zero bits: the first one in the loop gives one byte.
  do {
    gf2_matrix_square(even, odd);
    len >>= 1;
    if (len == 0) return;
    gf2_matrix_square(odd, even);
    len >>= 1;
  } while (len);
  std::memcpy(even, odd, sizeof(odd));
}

ShiftTable make_shift_table(size_t len) {
  uint32_t op[32];
  zeros_operator(op, len);
  ShiftTable t{};
  for (uint32_t n = 0; n < 256; ++n) {
    t[0][n] = gf2_matrix_times(op, n);
    t[1][n] = gf2_matrix_times(op, n << 8);
    t[2][n] = gf2_matrix_times(op, n << 16);
    t[3][n] = gf2_matrix_times(op, n << 24);
  }
  return t;
}

inline uint32_t shift(const ShiftTable& t, uint32_t crc) {
  return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
}

struct ShiftTables {
  ShiftTable long_table = make_shift_table(kLong);
  ShiftTable short_table = make_shift_table(kShort);
};
const ShiftTables& shift_tables() {
  static const ShiftTables tables;
  return tables;
}

// Consumes as many runs of three adjacent blocks as len allows.
__attribute__((target("sse4.2"))) inline uint32_t interleave(uint32_t crc0, const uint8_t*& next,
                                                             size_t& len, size_t block,
                                                             const ShiftTable& table) {
  while (len >= 3 * block) {
    uint64_t c0 = crc0, c1 = 0, c2 = 0;
    const uint8_t* end = next + block;
    do {
      c0 = _mm_crc32_u64(c0, load_le64(next));
      c1 = _mm_crc32_u64(c1, load_le64(next + block));
      c2 = _mm_crc32_u64(c2, load_le64(next + 2 * block));
      next += 8;
    } while (next < end);
    crc0 = shift(table, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    crc0 = shift(table, crc0) ^ static_cast<uint32_t>(c2);
    next += 2 * block;
    len -= 3 * block;
  }
  return crc0;
}

__attribute__((target("sse4.2"))) uint32_t hw_update(uint32_t crc0, const uint8_t* next,
                                                     size_t len) {
  const ShiftTables& tables = shift_tables();
  while (len > 0 && (reinterpret_cast<uintptr_t>(next) & 7) != 0) {
    crc0 = _mm_crc32_u8(crc0, *next++);
    --len;
  }
  crc0 = interleave(crc0, next, len, kLong, tables.long_table);
  crc0 = interleave(crc0, next, len, kShort, tables.short_table);
  uint64_t c = crc0;
  while (len >= 8) {
    c = _mm_crc32_u64(c, load_le64(next));
    next += 8;
    len -= 8;
  }
  crc0 = static_cast<uint32_t>(c);
  while (len > 0) {
    crc0 = _mm_crc32_u8(crc0, *next++);
    --len;
  }
  return crc0;
}

__attribute__((target("sse4.2"))) uint32_t hw_entry(ByteView data, uint32_t crc) {
  return ~hw_update(~crc, data.data(), data.size());
}

bool detect_hw() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

uint32_t crc32c_sw(ByteView data, uint32_t crc) {
  const uint8_t* p = data.data();
  size_t len = data.size();
  uint32_t c = ~crc;
  while (len >= 8) {
    uint64_t v = load_le64(p) ^ c;
    c = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
        kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
        kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
    p += 8;
    len -= 8;
  }
  while (len-- > 0) c = kTables[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

bool crc32c_hw_available() {
#if defined(__x86_64__)
  static const bool available = detect_hw();
  return available;
#else
  return false;
#endif
}

uint32_t crc32c_hw(ByteView data, uint32_t crc) {
#if defined(__x86_64__)
  return hw_entry(data, crc);
#else
  return crc32c_sw(data, crc);
#endif
}

uint32_t crc32c(ByteView data, uint32_t crc) {
  using Impl = uint32_t (*)(ByteView, uint32_t);
  static const Impl impl = crc32c_fold_available() ? crc32c_fold
                           : crc32c_hw_available() ? crc32c_hw
                                                   : crc32c_sw;
  return impl(data, crc);
}

uint32_t crc32_ieee(ByteView data, uint32_t crc) {
  // zlib takes uInt lengths; feed large inputs in pieces.
  uLong c = crc;
  const uint8_t* p = data.data();
  size_t len = data.size();
  while (len > 0) {
    uInt n = len > (1u << 30) ? (1u << 30) : static_cast<uInt>(len);
    c = ::crc32(c, p, n);
    p += n;
    len -= n;
  }
  return static_cast<uint32_t>(c);
}

}  // namespace fjord
