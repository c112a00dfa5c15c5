#include "protocol/wire.h"

namespace fjord {

std::string_view decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::kNone: return "none";
    case DecodeError::kTruncated: return "truncated";
    case DecodeError::kNegativeLength: return "negative length";
    case DecodeError::kVarintTooLong: return "varint too long";
    case DecodeError::kTooLarge: return "length larger than the remaining input";
    case DecodeError::kInvalidValue: return "invalid value";
    case DecodeError::kUnsupportedVersion: return "unsupported version";
    case DecodeError::kTrailingBytes: return "trailing bytes";
  }
  return "unknown";
}

}  // namespace fjord
