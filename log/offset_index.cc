#include "log/offset_index.h"

#include "protocol/records/batch_header.h"

namespace fjord::log {

using batch_header::load_be;
using batch_header::store_be;

OffsetPosition OffsetIndex::entry(int32_t n) const {
  const uint8_t* p = file_.entry(n);
  return {base_offset_ + load_be<int32_t>(p), load_be<int32_t>(p + 4)};
}

int64_t OffsetIndex::last_offset() const {
  int32_t n = entries();
  return n == 0 ? base_offset_ : entry(n - 1).offset;
}

OffsetPosition OffsetIndex::lookup(int64_t target) const {
  int32_t n = entries();
  int32_t lo = 0, hi = n;  // first entry with offset > target
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (entry(mid).offset <= target)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0) return {base_offset_, 0};
  return entry(lo - 1);
}

bool OffsetIndex::append(int64_t offset, int32_t position) {
  int32_t n = entries();
  if (n >= file_.max_entries() || !fits(offset)) return false;
  if (n > 0) {
    OffsetPosition last = entry(n - 1);
    if (offset <= last.offset || position <= last.position) return false;
  }
  uint8_t buf[kEntrySize];
  store_be<int32_t>(buf, relative(offset));
  store_be<int32_t>(buf + 4, position);
  file_.append(buf);
  return true;
}

void OffsetIndex::truncate_to(int64_t offset) {
  file_.truncate_to_entries(
      first_entry_at_or_after(entries(), offset, [this](int32_t i) { return entry(i).offset; }));
}

bool OffsetIndex::sane(int64_t log_size) const {
  int32_t n = entries();
  int64_t prev_offset = base_offset_ - 1;
  int32_t prev_position = -1;
  for (int32_t i = 0; i < n; ++i) {
    OffsetPosition e = entry(i);
    if (e.offset <= prev_offset || e.position <= prev_position || e.position >= log_size) {
      return false;
    }
    prev_offset = e.offset;
    prev_position = e.position;
  }
  return true;
}

}  // namespace fjord::log
