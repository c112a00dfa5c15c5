// gzip as Java's GZIPOutputStream writes it (deflate, default level, gzip wrapper). Reading
// accepts concatenated gzip members, as GZIPInputStream does.
#include <zlib.h>

#include <algorithm>

#include "protocol/records/codecs.h"
#include "protocol/records/compression_contexts.h"

namespace fjord::codec {

RecordError gzip_decompress(ByteView in, DecompressionBuffer& out, size_t max_output) {
  auto& ctx = out.contexts();
  z_stream& z = ctx.zlib;
  if (!ctx.zlib_ready) {
    z = z_stream{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) return RecordError::kCorruptCompressedData;
    ctx.zlib_ready = true;
  } else if (inflateReset(&z) != Z_OK) {
    return RecordError::kCorruptCompressedData;
  }
  const uint8_t* next = in.data();
  size_t left = in.size();
  if (left == 0) return RecordError::kCorruptCompressedData;
  for (;;) {
    if (!grow_for_stream(out, max_output, in.size())) return RecordError::kDecompressedTooLarge;
    uInt in_chunk = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    uInt out_chunk = static_cast<uInt>(std::min<size_t>(out.free_space(), 1u << 30));
    z.next_in = const_cast<Bytef*>(next);
    z.avail_in = in_chunk;
    z.next_out = out.tail();
    z.avail_out = out_chunk;
    int rc = inflate(&z, Z_NO_FLUSH);
    size_t consumed = in_chunk - z.avail_in;
    size_t produced = out_chunk - z.avail_out;
    next += consumed;
    left -= consumed;
    out.commit(produced);
    if (out.size() > max_output) return RecordError::kDecompressedTooLarge;
    if (rc == Z_STREAM_END) {
      // Another member follows only if it starts with the gzip magic; anything else is padding.
      if (left >= 2 && next[0] == 0x1f && next[1] == 0x8b) {
        if (inflateReset(&z) != Z_OK) return RecordError::kCorruptCompressedData;
        continue;
      }
      return RecordError::kNone;
    }
    if (rc == Z_BUF_ERROR && left == 0) return RecordError::kCorruptCompressedData;  // truncated
    if (rc != Z_OK && rc != Z_BUF_ERROR) return RecordError::kCorruptCompressedData;
    if (consumed == 0 && produced == 0 && out.free_space() > 0) {
      return RecordError::kCorruptCompressedData;
    }
  }
}

RecordError gzip_compress(ByteView in, Bytes& out) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return RecordError::kCorruptCompressedData;
  }
  size_t start = out.size();
  size_t bound = deflateBound(&z, static_cast<uLong>(in.size()));
  out.resize(start + bound);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data() + start;
  z.avail_out = static_cast<uInt>(bound);
  int rc = deflate(&z, Z_FINISH);
  size_t written = bound - z.avail_out;
  deflateEnd(&z);
  out.resize(start + written);
  return rc == Z_STREAM_END ? RecordError::kNone : RecordError::kCorruptCompressedData;
}

}  // namespace fjord::codec
