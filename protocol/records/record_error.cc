#include "protocol/records/record_error.h"

namespace fjord {

std::string_view record_error_name(RecordError e) {
  switch (e) {
    case RecordError::kNone:
      return "none";
    case RecordError::kTruncated:
      return "truncated";
    case RecordError::kBadBatchLength:
      return "bad batch length";
    case RecordError::kUnsupportedMagic:
      return "unsupported magic";
    case RecordError::kCrcMismatch:
      return "checksum mismatch";
    case RecordError::kBadRecordCount:
      return "bad record count";
    case RecordError::kInvalidRecord:
      return "invalid record";
    case RecordError::kRecordCountMismatch:
      return "record count mismatch";
    case RecordError::kInvalidOffset:
      return "invalid record offset";
    case RecordError::kUnsupportedCompression:
      return "unsupported compression type";
    case RecordError::kCorruptCompressedData:
      return "corrupt compressed data";
    case RecordError::kDecompressedTooLarge:
      return "decompressed size beyond the limit";
    case RecordError::kNestedCompression:
      return "nested compressed message";
    case RecordError::kInvalidControlRecord:
      return "invalid control record";
  }
  return "unknown";
}

ErrorCode to_error_code(RecordError e) {
  switch (e) {
    case RecordError::kNone:
      return ErrorCode::kNone;
    // Kafka: CorruptRecordException for damaged framing and checksums.
    case RecordError::kTruncated:
    case RecordError::kBadBatchLength:
    case RecordError::kUnsupportedMagic:
    case RecordError::kCrcMismatch:
    case RecordError::kCorruptCompressedData:
    case RecordError::kNestedCompression:
      return ErrorCode::kCorruptMessage;
    // Kafka: InvalidRecordException (LogValidator) for well-framed but inconsistent content.
    case RecordError::kBadRecordCount:
    case RecordError::kInvalidRecord:
    case RecordError::kRecordCountMismatch:
    case RecordError::kInvalidOffset:
    case RecordError::kInvalidControlRecord:
      return ErrorCode::kInvalidRecord;
    case RecordError::kUnsupportedCompression:
      return ErrorCode::kUnsupportedCompressionType;
    // Not retriable (unlike CORRUPT_MESSAGE), so a producer does not resend a bomb forever.
    case RecordError::kDecompressedTooLarge:
      return ErrorCode::kRecordListTooLarge;
  }
  return ErrorCode::kUnknownServerError;
}

}  // namespace fjord
