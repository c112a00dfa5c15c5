// Response is one encoded response frame body (without the 4-byte size prefix): bytes in
// memory with file regions spliced in (Fetch data, sent with sendfile). keep_alive holds
// whatever owns the spliced files' descriptors until the bytes are on the socket.
#pragma once

#include <memory>
#include <vector>

#include "protocol/records_ref.h"
#include "protocol/wire.h"

namespace fjord {

struct Response {
  Bytes bytes;
  std::vector<Splice> splices;  // ascending offsets into bytes
  std::vector<std::shared_ptr<const void>> keep_alive;

  size_t size() const {
    size_t n = bytes.size();
    for (const Splice& s : splices) n += static_cast<size_t>(s.region.length);
    return n;
  }
};

}  // namespace fjord
