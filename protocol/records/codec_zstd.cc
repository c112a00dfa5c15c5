// zstd frames (magic 2 only). The decoder's window is capped by the output limit, so a hostile
// frame header cannot make it allocate more than the data it may produce.
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <bit>

#include "protocol/records/codecs.h"
#include "protocol/records/compression_contexts.h"

namespace fjord::codec {

RecordError zstd_decompress(ByteView in, DecompressionBuffer& out, size_t max_output) {
  auto& ctx = out.contexts();
  if (!ctx.zstd) {
    ctx.zstd = ZSTD_createDCtx();
    if (!ctx.zstd) return RecordError::kCorruptCompressedData;
  }
  ZSTD_DCtx_reset(ctx.zstd, ZSTD_reset_session_and_parameters);
  int window_log = std::clamp(static_cast<int>(std::bit_width(max_output)), 10, 27);
  ZSTD_DCtx_setParameter(ctx.zstd, ZSTD_d_windowLogMax, window_log);

  unsigned long long content = ZSTD_getFrameContentSize(in.data(), in.size());
  if (content == ZSTD_CONTENTSIZE_ERROR) return RecordError::kCorruptCompressedData;
  if (content != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (content > max_output) return RecordError::kDecompressedTooLarge;
    out.reserve(static_cast<size_t>(content) + 1);
  }
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t hint = 1;
  while (input.pos < input.size || hint != 0) {
    if (!grow_for_stream(out, max_output, in.size())) return RecordError::kDecompressedTooLarge;
    ZSTD_outBuffer output{out.tail(), out.free_space(), 0};
    size_t before = input.pos;
    hint = ZSTD_decompressStream(ctx.zstd, &output, &input);
    if (ZSTD_isError(hint)) {
      if (ZSTD_getErrorCode(hint) == ZSTD_error_frameParameter_windowTooLarge) {
        return RecordError::kDecompressedTooLarge;
      }
      return RecordError::kCorruptCompressedData;
    }
    out.commit(output.pos);
    if (out.size() > max_output) return RecordError::kDecompressedTooLarge;
    if (hint != 0 && input.pos == input.size && output.pos < output.size) {
      return RecordError::kCorruptCompressedData;  // truncated frame
    }
    if (input.pos == before && output.pos == 0 && output.size > 0) {
      return RecordError::kCorruptCompressedData;
    }
  }
  return RecordError::kNone;
}

RecordError zstd_compress(ByteView in, Bytes& out) {
  size_t at = out.size();
  size_t bound = ZSTD_compressBound(in.size());
  out.resize(at + bound);
  size_t n = ZSTD_compress(out.data() + at, bound, in.data(), in.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) {
    out.resize(at);
    return RecordError::kCorruptCompressedData;
  }
  out.resize(at + n);
  return RecordError::kNone;
}

}  // namespace fjord::codec
