#include "protocol/records/batch_iterator.h"

#include "protocol/records/batch_header.h"

namespace fjord {

bool BatchIterator::next(BatchEntry& out) {
  if (error_ != RecordError::kNone || truncated_) return false;
  size_t left = data_.size() - pos_;
  if (left == 0) return false;
  if (left <= batch_header::kMagic) {
    truncated_ = true;
    return false;
  }
  const uint8_t* p = data_.data() + pos_;
  int32_t size = batch_header::batch_length(p);
  int8_t magic = batch_header::magic(p);
  if (magic < 0 || magic > 2) {
    error_ = RecordError::kUnsupportedMagic;
    return false;
  }
  if (size < kMinEntrySize[magic]) {
    error_ = RecordError::kBadBatchLength;
    return false;
  }
  uint64_t total = batch_header::kLogOverhead + static_cast<uint64_t>(size);
  if (total > left) {
    truncated_ = true;
    return false;
  }
  out.bytes = data_.subspan(pos_, static_cast<size_t>(total));
  out.magic = magic;
  out.offset = batch_header::base_offset(p);
  pos_ += static_cast<size_t>(total);
  return true;
}

}  // namespace fjord
