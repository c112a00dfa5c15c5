#include "log/batch_scanner.h"

namespace fjord::log {

namespace bh = batch_header;

bool BatchScanner::next(BatchHeaderAt& out) {
  if (position_ >= end_) return false;
  if (end_ - position_ < static_cast<int64_t>(bh::kSize)) {
    stopped_early_ = true;
    return false;
  }
  if (position_ < buf_start_ ||
      position_ + static_cast<int64_t>(bh::kSize) > buf_start_ + static_cast<int64_t>(buf_len_)) {
    size_t want = static_cast<size_t>(std::min<int64_t>(buf_.size(), end_ - position_));
    auto n = file_.pread(buf_.data(), want, position_);
    if (!n) {
      io_error_ = stopped_early_ = true;
      return false;
    }
    buf_start_ = position_;
    buf_len_ = *n;
    if (buf_len_ < bh::kSize) {
      stopped_early_ = true;
      return false;
    }
  }
  const uint8_t* h = buf_.data() + (position_ - buf_start_);
  int32_t length = bh::batch_length(h);
  int64_t size = static_cast<int64_t>(bh::kLogOverhead) + length;
  if (length < static_cast<int32_t>(bh::kSize - bh::kLogOverhead) || position_ + size > end_) {
    stopped_early_ = true;
    return false;
  }
  out = {position_, size, h};
  position_ += size;
  return true;
}

}  // namespace fjord::log
