// Internal to protocol/records: one compress/decompress pair per codec, dispatched by
// compression.cc. Decompressors append to `out` (already cleared) and stop at max_output.
#pragma once

#include "protocol/records/compression.h"

namespace fjord::codec {

RecordError gzip_decompress(ByteView in, DecompressionBuffer& out, size_t max_output);
RecordError gzip_compress(ByteView in, Bytes& out);

RecordError snappy_decompress(ByteView in, DecompressionBuffer& out, size_t max_output);
RecordError snappy_compress_xerial(ByteView in, Bytes& out);

RecordError lz4_decompress(ByteView in, DecompressionBuffer& out, size_t max_output,
                           Lz4HeaderChecksum checksum);
RecordError lz4_compress(ByteView in, Bytes& out, Lz4HeaderChecksum checksum);

RecordError zstd_decompress(ByteView in, DecompressionBuffer& out, size_t max_output);
RecordError zstd_compress(ByteView in, Bytes& out);

// Makes room in out for more output of a stream whose final size is unknown: doubles the
// capacity, but to at most max_output + 1 bytes, so that a full buffer of max_output + 1 bytes
// proves the limit was passed. Returns false when no room can be made.
bool grow_for_stream(DecompressionBuffer& out, size_t max_output, size_t input_size);

}  // namespace fjord::codec
