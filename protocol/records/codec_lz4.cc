// lz4 frames as Kafka's KafkaLZ4BlockOutputStream writes them: 64 KiB independent blocks, no
// block or content checksum. Magic 0 (KAFKA-3160) computed the frame descriptor checksum over
// the 4 magic bytes as well; for that variant the descriptor is copied to the stack with the
// correct checksum and fed to liblz4 ahead of the untouched remainder (no copy of the payload).
#include <lz4frame.h>

#include <algorithm>
#include <cstring>

#include "protocol/records/codecs.h"
#include "protocol/records/compression_contexts.h"

namespace fjord::codec {
namespace {

constexpr uint32_t kLz4Magic = 0x184D2204;
constexpr size_t kMaxDescriptor = 4 + 2 + 8 + 4 + 1;  // magic, FLG BD, size, dict id, HC

// xxHash32 with seed 0, only ever over a frame descriptor (a few bytes).
uint32_t xxh32(const uint8_t* p, size_t len) {
  constexpr uint32_t kP1 = 2654435761u, kP2 = 2246822519u, kP3 = 3266489917u, kP4 = 668265263u,
                     kP5 = 374761393u;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto read32 = [](const uint8_t* q) {
    return static_cast<uint32_t>(q[0]) | static_cast<uint32_t>(q[1]) << 8 |
           static_cast<uint32_t>(q[2]) << 16 | static_cast<uint32_t>(q[3]) << 24;
  };
  const uint8_t* end = p + len;
  uint32_t h;
  if (len >= 16) {
    uint32_t v1 = kP1 + kP2, v2 = kP2, v3 = 0, v4 = 0u - kP1;
    const uint8_t* limit = end - 16;
    do {
      v1 = rotl(v1 + read32(p) * kP2, 13) * kP1;
      v2 = rotl(v2 + read32(p + 4) * kP2, 13) * kP1;
      v3 = rotl(v3 + read32(p + 8) * kP2, 13) * kP1;
      v4 = rotl(v4 + read32(p + 12) * kP2, 13) * kP1;
      p += 16;
    } while (p <= limit);
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
  } else {
    h = kP5;
  }
  h += static_cast<uint32_t>(len);
  while (p + 4 <= end) {
    h = rotl(h + read32(p) * kP3, 17) * kP4;
    p += 4;
  }
  while (p < end) {
    h = rotl(h + (*p) * kP5, 11) * kP1;
    ++p;
  }
  h ^= h >> 15;
  h *= kP2;
  h ^= h >> 13;
  h *= kP3;
  h ^= h >> 16;
  return h;
}

// Length of the frame descriptor including magic and HC, or 0 if in is not an lz4 frame start.
size_t descriptor_length(ByteView in) {
  if (in.size() < 7) return 0;
  uint32_t magic = static_cast<uint32_t>(in[0]) | static_cast<uint32_t>(in[1]) << 8 |
                   static_cast<uint32_t>(in[2]) << 16 | static_cast<uint32_t>(in[3]) << 24;
  if (magic != kLz4Magic) return 0;
  uint8_t flg = in[4];
  size_t n = 4 + 2 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0) + 1;
  return n <= in.size() ? n : 0;
}

// Streams all of `in` through the dctx into out; hint is liblz4's (0 = at a frame end).
RecordError feed(LZ4F_dctx* dctx, ByteView in, DecompressionBuffer& out, size_t max_output,
                 size_t input_size, size_t& hint) {
  const uint8_t* next = in.data();
  size_t left = in.size();
  while (left > 0) {
    if (!grow_for_stream(out, max_output, input_size)) return RecordError::kDecompressedTooLarge;
    size_t dst = out.free_space();
    size_t src = left;
    hint = LZ4F_decompress(dctx, out.tail(), &dst, next, &src, nullptr);
    if (LZ4F_isError(hint)) return RecordError::kCorruptCompressedData;
    next += src;
    left -= src;
    out.commit(dst);
    if (out.size() > max_output) return RecordError::kDecompressedTooLarge;
    if (src == 0 && dst == 0) return RecordError::kCorruptCompressedData;
  }
  return RecordError::kNone;
}

}  // namespace

RecordError lz4_decompress(ByteView in, DecompressionBuffer& out, size_t max_output,
                           Lz4HeaderChecksum checksum) {
  auto& ctx = out.contexts();
  if (!ctx.lz4) {
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx.lz4, LZ4F_VERSION))) {
      ctx.lz4 = nullptr;
      return RecordError::kCorruptCompressedData;
    }
  } else {
    LZ4F_resetDecompressionContext(ctx.lz4);
  }
  size_t hint = 1;
  ByteView rest = in;
  if (checksum == Lz4HeaderChecksum::kLegacyKafka) {
    size_t n = descriptor_length(in);
    if (n == 0) return RecordError::kCorruptCompressedData;
    uint8_t fixed[kMaxDescriptor];
    std::memcpy(fixed, in.data(), n);
    fixed[n - 1] = static_cast<uint8_t>(xxh32(fixed + 4, n - 5) >> 8);
    RecordError e = feed(ctx.lz4, ByteView(fixed, n), out, max_output, in.size(), hint);
    if (e != RecordError::kNone) return e;
    rest = in.subspan(n);
  }
  RecordError e = feed(ctx.lz4, rest, out, max_output, in.size(), hint);
  if (e != RecordError::kNone) return e;
  // Flush anything liblz4 still holds, then require a complete frame.
  while (hint != 0) {
    if (!grow_for_stream(out, max_output, in.size())) return RecordError::kDecompressedTooLarge;
    size_t dst = out.free_space();
    size_t src = 0;
    hint = LZ4F_decompress(ctx.lz4, out.tail(), &dst, nullptr, &src, nullptr);
    if (LZ4F_isError(hint)) return RecordError::kCorruptCompressedData;
    out.commit(dst);
    if (out.size() > max_output) return RecordError::kDecompressedTooLarge;
    if (dst == 0) return RecordError::kCorruptCompressedData;  // truncated frame
  }
  return RecordError::kNone;
}

RecordError lz4_compress(ByteView in, Bytes& out, Lz4HeaderChecksum checksum) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  size_t at = out.size();
  size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
  out.resize(at + bound);
  size_t n = LZ4F_compressFrame(out.data() + at, bound, in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    out.resize(at);
    return RecordError::kCorruptCompressedData;
  }
  out.resize(at + n);
  if (checksum == Lz4HeaderChecksum::kLegacyKafka) {
    ByteView frame(out.data() + at, n);
    size_t d = descriptor_length(frame);
    if (d == 0) return RecordError::kCorruptCompressedData;
    out[at + d - 1] = static_cast<uint8_t>(xxh32(out.data() + at, d - 1) >> 8);
  }
  return RecordError::kNone;
}

}  // namespace fjord::codec
