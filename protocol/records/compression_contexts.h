// Internal to protocol/records: the codec contexts a DecompressionBuffer keeps between calls,
// so decompressing a batch does not allocate a fresh zstd/lz4/zlib state each time.
#pragma once

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include "protocol/records/compression.h"

namespace fjord {

struct DecompressionBuffer::Contexts {
  Contexts() = default;
  Contexts(const Contexts&) = delete;
  Contexts& operator=(const Contexts&) = delete;
  ~Contexts();

  ZSTD_DCtx* zstd = nullptr;
  LZ4F_dctx* lz4 = nullptr;
  z_stream zlib{};
  bool zlib_ready = false;
};

}  // namespace fjord
