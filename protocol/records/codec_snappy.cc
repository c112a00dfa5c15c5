// Snappy. Java clients wrap raw snappy blocks in snappy-java's "xerial" stream: the magic
// 0x82 'SNAPPY' 0x00, int32 version, int32 compatible version, then blocks of int32 length +
// raw snappy, each at most 32 KiB uncompressed (SnappyOutputStream's default). Readers take
// either that or one raw snappy block.
#include <snappy.h>

#include <algorithm>
#include <cstring>

#include "protocol/records/batch_header.h"
#include "protocol/records/codecs.h"

namespace fjord::codec {
namespace {

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;
constexpr size_t kXerialBlockSize = 32 * 1024;

RecordError raw_block(const uint8_t* p, size_t n, DecompressionBuffer& out, size_t max_output) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(p), n, &length)) {
    return RecordError::kCorruptCompressedData;
  }
  if (length > max_output - out.size()) return RecordError::kDecompressedTooLarge;
  if (out.free_space() < length) out.reserve(std::max(out.size() + length, out.capacity() * 2));
  if (!snappy::RawUncompress(reinterpret_cast<const char*>(p), n,
                             reinterpret_cast<char*>(out.tail()))) {
    return RecordError::kCorruptCompressedData;
  }
  out.commit(length);
  return RecordError::kNone;
}

}  // namespace

RecordError snappy_decompress(ByteView in, DecompressionBuffer& out, size_t max_output) {
  if (in.size() < sizeof(kXerialMagic) ||
      std::memcmp(in.data(), kXerialMagic, sizeof(kXerialMagic)) != 0) {
    return raw_block(in.data(), in.size(), out, max_output);
  }
  if (in.size() < kXerialHeaderSize) return RecordError::kCorruptCompressedData;
  size_t pos = kXerialHeaderSize;
  while (pos < in.size()) {
    if (in.size() - pos < 4) return RecordError::kCorruptCompressedData;
    int32_t n = batch_header::load_be<int32_t>(in.data() + pos);
    pos += 4;
    if (n < 0 || static_cast<size_t>(n) > in.size() - pos) {
      return RecordError::kCorruptCompressedData;
    }
    RecordError e = raw_block(in.data() + pos, static_cast<size_t>(n), out, max_output);
    if (e != RecordError::kNone) return e;
    pos += static_cast<size_t>(n);
  }
  return RecordError::kNone;
}

RecordError snappy_compress_xerial(ByteView in, Bytes& out) {
  out.insert(out.end(), std::begin(kXerialMagic), std::end(kXerialMagic));
  Writer w(out);
  w.write_int32(1);  // version
  w.write_int32(1);  // minimum compatible version
  for (size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    size_t n = std::min(kXerialBlockSize, in.size() - pos);
    size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                        reinterpret_cast<char*>(out.data() + at + 4), &written);
    batch_header::store_be<int32_t>(out.data() + at, static_cast<int32_t>(written));
    out.resize(at + 4 + written);
  }
  return RecordError::kNone;
}

}  // namespace fjord::codec

namespace fjord {

void compress_snappy_raw(ByteView in, Bytes& out) {
  size_t at = out.size();
  out.resize(at + snappy::MaxCompressedLength(in.size()));
  size_t written = 0;
  snappy::RawCompress(reinterpret_cast<const char*>(in.data()), in.size(),
                      reinterpret_cast<char*>(out.data() + at), &written);
  out.resize(at + written);
}

}  // namespace fjord
