#include "protocol/records/compression.h"

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "protocol/records/codecs.h"
#include "protocol/records/compression_contexts.h"

namespace fjord {

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

DecompressionBuffer::DecompressionBuffer() = default;
DecompressionBuffer::~DecompressionBuffer() = default;
DecompressionBuffer::DecompressionBuffer(DecompressionBuffer&&) noexcept = default;
DecompressionBuffer& DecompressionBuffer::operator=(DecompressionBuffer&&) noexcept = default;

void DecompressionBuffer::reserve(size_t n) {
  if (n <= capacity_) return;
  auto bigger = std::make_unique_for_overwrite<uint8_t[]>(n);
  if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  capacity_ = n;
}

DecompressionBuffer::Contexts& DecompressionBuffer::contexts() {
  if (!contexts_) contexts_ = std::make_unique<Contexts>();
  return *contexts_;
}

DecompressionBuffer::Contexts::~Contexts() {
  if (zstd) ZSTD_freeDCtx(zstd);
  if (lz4) LZ4F_freeDecompressionContext(lz4);
  if (zlib_ready) inflateEnd(&zlib);
}

namespace codec {

bool grow_for_stream(DecompressionBuffer& out, size_t max_output, size_t input_size) {
  size_t ceiling = max_output + 1;
  if (out.capacity() >= ceiling && out.free_space() == 0) return false;
  if (out.free_space() > 0) return true;
  size_t want = std::max<size_t>({out.capacity() * 2, input_size * 4, 64 * 1024});
  out.reserve(std::min(want, ceiling));
  return out.free_space() > 0;
}

}  // namespace codec

RecordError decompress(Compression c, ByteView in, DecompressionBuffer& out, size_t max_output,
                       Lz4HeaderChecksum lz4) {
  out.clear();
  switch (c) {
    case Compression::kNone:
      if (in.size() > max_output) return RecordError::kDecompressedTooLarge;
      out.reserve(in.size());
      if (!in.empty()) std::memcpy(out.tail(), in.data(), in.size());
      out.commit(in.size());
      return RecordError::kNone;
    case Compression::kGzip:
      return codec::gzip_decompress(in, out, max_output);
    case Compression::kSnappy:
      return codec::snappy_decompress(in, out, max_output);
    case Compression::kLz4:
      return codec::lz4_decompress(in, out, max_output, lz4);
    case Compression::kZstd:
      return codec::zstd_decompress(in, out, max_output);
  }
  return RecordError::kUnsupportedCompression;
}

RecordError compress(Compression c, ByteView in, Bytes& out, Lz4HeaderChecksum lz4) {
  switch (c) {
    case Compression::kNone:
      out.insert(out.end(), in.begin(), in.end());
      return RecordError::kNone;
    case Compression::kGzip:
      return codec::gzip_compress(in, out);
    case Compression::kSnappy:
      return codec::snappy_compress_xerial(in, out);
    case Compression::kLz4:
      return codec::lz4_compress(in, out, lz4);
    case Compression::kZstd:
      return codec::zstd_compress(in, out);
  }
  return RecordError::kUnsupportedCompression;
}

}  // namespace fjord
