#include "log/batch_scanner.h"

namespace fjord::log {

namespace bh = batch_header;

bool BatchScanner::next(BatchHeaderAt& out) {
  if (position_ >= end_) return false;
  // Makes [position_, position_ + n) readable in buf_.
  auto load = [&](size_t n) {
    if (end_ - position_ < static_cast<int64_t>(n)) return false;
    if (position_ >= buf_start_ &&
        position_ + static_cast<int64_t>(n) <= buf_start_ + static_cast<int64_t>(buf_len_)) {
      return true;
    }
    size_t want = static_cast<size_t>(std::min<int64_t>(buf_.size(), end_ - position_));
    auto r = file_.pread(buf_.data(), want, position_);
    if (!r) {
      io_error_ = true;
      return false;
    }
    buf_start_ = position_;
    buf_len_ = *r;
    return buf_len_ >= n;
  };
  if (!load(entry::kMagicEnd)) {
    stopped_early_ = true;
    return false;
  }
  int8_t magic = entry::magic(buf_.data() + (position_ - buf_start_));
  if (!entry::supported_magic(magic) || !load(entry::header_size(magic))) {
    stopped_early_ = true;
    return false;
  }
  const uint8_t* h = buf_.data() + (position_ - buf_start_);
  int64_t size = static_cast<int64_t>(bh::kLogOverhead) + bh::batch_length(h);
  if (size < entry::min_size(magic) || position_ + size > end_) {
    stopped_early_ = true;
    return false;
  }
  out = {position_, size, h};
  position_ += size;
  return true;
}

}  // namespace fjord::log
