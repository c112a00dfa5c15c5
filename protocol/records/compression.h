// Kafka's compression codecs for record batches and legacy wrapper messages: gzip, snappy
// (raw, and the xerial "snappy-java" framing Java clients write), lz4 frames (including the
// broken header checksum of Kafka's magic-0 era) and zstd.
//
// Decompression writes into a DecompressionBuffer the caller keeps and reuses, so decoding a
// batch allocates nothing once the buffer has grown to the working size; the buffer also caches
// the codecs' decompression contexts. Every decompression takes a maximum output size and fails
// with kDecompressedTooLarge before producing more (compression-bomb guard). Not thread-safe:
// one buffer per thread of use.
#pragma once

#include <cstdint>
#include <memory>

#include "protocol/records/record_error.h"
#include "protocol/wire.h"

namespace fjord {

// Attribute bits 0-2 of a batch or legacy message.
enum class Compression : uint8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,
  kLz4 = 3,
  kZstd = 4,
};

std::string_view compression_name(Compression c);
// True when the 3-bit codec id names a codec Fjord implements.
constexpr bool is_known_compression(int id) { return id >= 0 && id <= 4; }

// Default ceiling for one decompressed batch or wrapper (fetch.max.bytes is 50 MiB by default;
// producer batches are far smaller). Callers pass their own configured value.
inline constexpr size_t kDefaultMaxDecompressedBytes = 64u << 20;

// Kafka < 0.10 (magic 0) computed the lz4 frame header checksum over the magic number too
// (KAFKA-3160). kLegacyKafka writes that checksum and, when reading, ignores the checksum byte
// as Kafka does for magic 0.
enum class Lz4HeaderChecksum : uint8_t { kStandard, kLegacyKafka };

class DecompressionBuffer {
 public:
  DecompressionBuffer();
  ~DecompressionBuffer();
  DecompressionBuffer(DecompressionBuffer&&) noexcept;
  DecompressionBuffer& operator=(DecompressionBuffer&&) noexcept;
  DecompressionBuffer(const DecompressionBuffer&) = delete;
  DecompressionBuffer& operator=(const DecompressionBuffer&) = delete;

  ByteView view() const { return {data_.get(), size_}; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  void clear() { size_ = 0; }

  // For codecs: grows the capacity to at least n bytes, keeping the content; never zero-fills.
  void reserve(size_t n);
  uint8_t* tail() { return data_.get() + size_; }
  size_t free_space() const { return capacity_ - size_; }
  void commit(size_t n) { size_ += n; }

  struct Contexts;  // codec state kept between calls (defined in compression.cc)
  Contexts& contexts();

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::unique_ptr<Contexts> contexts_;
};

// Replaces out's content with the decompressed form of in. kNone copies. On failure out's
// content is unspecified.
RecordError decompress(Compression c, ByteView in, DecompressionBuffer& out, size_t max_output,
                       Lz4HeaderChecksum lz4 = Lz4HeaderChecksum::kStandard);

// Appends the compressed form of in to out, framed as Kafka's Java producer frames it.
RecordError compress(Compression c, ByteView in, Bytes& out,
                     Lz4HeaderChecksum lz4 = Lz4HeaderChecksum::kStandard);

// Raw (unframed) snappy, which Kafka readers also accept; for tests and old clients.
void compress_snappy_raw(ByteView in, Bytes& out);

}  // namespace fjord
