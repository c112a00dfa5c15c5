// Conversion between legacy message sets (magic 0/1) and magic-2 batches, as a broker needs
// them: up-conversion of what old producers send (Produce v0-v2) before it is appended, and
// down-conversion of the log for old consumers (Fetch v0-v3), Kafka's RecordsUtil.downConvert.
// Both preserve offsets. Allocation is per call (output buffers), not per record.
#pragma once

#include <cstdint>
#include <optional>

#include "protocol/records/compression.h"
#include "protocol/records/record_error.h"
#include "protocol/wire.h"

namespace fjord {

struct UpConversion {
  // Codec of the produced batch; nullopt keeps the codec of the first compressed wrapper
  // (Kafka's compression.type=producer), or none.
  std::optional<Compression> compression;
  // When set, records are renumbered from this offset (the produce path assigns offsets
  // anyway, and old producers send arbitrary ones); otherwise offsets are kept and must rise.
  std::optional<int64_t> assign_offsets_from;
  size_t max_decompressed = kDefaultMaxDecompressedBytes;
};

// Appends one magic-2 batch holding every record of the legacy set to out. The set must be
// complete (no partial trailing message) and hold at least one record.
RecordError convert_legacy_to_batch(ByteView message_set, Bytes& out, DecompressionBuffer& scratch,
                                    const UpConversion& options = {});

// Appends the records of `records` (magic-2 batches, possibly mixed with legacy messages) to
// out as a magic 0 or 1 message set: one wrapper per compressed batch with the batch's codec,
// plain messages otherwise. Control batches are dropped and headers lost, as in Kafka; a
// partial trailing batch is dropped. zstd batches cannot be expressed:
// kUnsupportedCompression (Kafka answers UNSUPPORTED_COMPRESSION_TYPE to such fetches).
RecordError convert_to_legacy(ByteView records, int8_t magic, Bytes& out,
                              DecompressionBuffer& scratch,
                              size_t max_decompressed = kDefaultMaxDecompressedBytes);

}  // namespace fjord
